"""A saved fix plan for a change ticket: Markdown and one self-contained HTML file.

Grouped by directory (AD, then Microsoft Entra) and by object, each change with its before, after,
precondition and safety; then what is left to do by hand and who stays blocked. The header names the
tenant, domain, DC, creation time, version and digest the approval refers to. Directory values are
escaped (Markdown: reports.markdown.escape; HTML: jinja2 autoescape), as anywhere else.
"""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

from syncready.planfile import SavedPlan, change_entry
from syncready.vocab import Target

from .markdown import escape as md

MAX_VALUE = 2000          # a ticket shows whole values; only absurd ones are cut
DIRECTORIES = ((Target.ONPREM, "Active Directory"), (Target.CLOUD, "Microsoft Entra ID (Graph)"))


def grouped(saved: SavedPlan) -> list[tuple[str, list[tuple[str, str, list[dict[str, Any]]]]]]:
    """[(directory title, [(object, subject, [change entries])])], in plan order within each object."""
    out = []
    for target, title in DIRECTORIES:
        objects: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        for change in saved.changes:
            if change.target == target:
                objects.setdefault(change.object, (change.subject, []))[1].append(
                    {**change_entry(change, saved.fixes.get(change.id)), "summary": change.describe()})
        if objects:
            out.append((title, [(obj, subject, entries) for obj, (subject, entries) in objects.items()]))
    return out


def _facts(saved: SavedPlan) -> list[tuple[str, str]]:
    against = saved.planned_against
    return [("Tenant", against.get("tenant_id") or "(unknown)"),
            ("AD domain", ", ".join(saved.domains) or "(none)"),
            ("Read from", f"AD {against.get('onprem') or '(none)'}; cloud {against.get('cloud') or '(none)'}"),
            ("Created", saved.created), ("syncready", saved.tool),
            ("Checks", ", ".join(saved.options.get("select") or []) or "(none)"),
            ("Unsafe fixes included", "yes" if saved.options.get("unsafe") else "no"),
            ("Changes", str(len(saved.changes))), ("Digest", saved.digest)]


def plan_markdown(saved: SavedPlan) -> str:
    out = ["# syncready fix plan", ""]
    out += [f"- **{name}:** {md(value, MAX_VALUE)}" for name, value in _facts(saved)]
    out += ["", "Apply exactly this plan with `syncready fix --apply PLAN.json` (it refuses a modified, "
            "expired or foreign plan and any change whose precondition no longer holds).", ""]
    for title, objects in grouped(saved):
        out += [f"## {md(title)}", ""]
        for obj, subject, entries in objects:
            out += [f"### {md(obj, MAX_VALUE)}", "", f"For {md(subject, MAX_VALUE)}", "",
                    "| check | attribute | before | after | precondition | safety |", "|---|---|---|---|---|---|"]
            out += [f"| {md(e['check'])} | {md(e['attribute'] or e['op'])} | {md(e['before'], MAX_VALUE)} | "
                    f"{md(e['after'], MAX_VALUE)} | {md(e['precondition'], MAX_VALUE)} | {md(e['safety'])} |"
                    for e in entries]
            out.append("")
    if not saved.changes:
        out += ["No change is planned.", ""]
    for heading, items in (("By hand", saved.manual), ("Not planned", saved.not_planned)):
        if items:
            out += [f"## {heading}", "", "| subject | check | what to do |", "|---|---|---|"]
            out += [f"| {md(i.subject)} | {md(i.check)} | {md(i.guidance, MAX_VALUE)} |" for i in items]
            out.append("")
    out += _blocked_markdown(saved)
    return "\n".join(out)


def _blocked_markdown(saved: SavedPlan) -> list[str]:
    out = ["## Still blocked after this plan", ""]
    if not saved.still_blocked:
        out.append("No subject this plan touches stays blocked.")
    else:
        out += ["| subject | check | status | why |", "|---|---|---|---|"]
        out += [f"| {md(b.subject)} | {md(r.get('check'))} | {md(r.get('status'))} | {md(r.get('why'), MAX_VALUE)} |"
                for b in saved.still_blocked for r in b.reasons]
    if saved.blocked_elsewhere:
        out += ["", f"{saved.blocked_elsewhere} other blocked cloud user(s) are not touched by this plan."]
    return out + [""]


_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>syncready fix plan {{ digest[:19] }}</title>
<style>
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fff; --muted: #4a4a4a; --line: #ccc; --warn: #8a4b00; }
@media (prefers-color-scheme: dark) { :root { --fg: #eee; --bg: #161616; --muted: #c4c4c4; --line: #555;
  --warn: #ffb35c; } }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 2rem; max-width: 80rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; table-layout: fixed; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); } .unsafe { color: var(--warn); font-weight: 600; }
code { overflow-wrap: anywhere; }
</style></head><body>
<h1>syncready fix plan</h1>
<dl>{% for name, value in facts %}<dt>{{ name }}</dt><dd>{{ value }}</dd>{% endfor %}</dl>
<p class="muted">Apply exactly this plan with <code>syncready fix --apply PLAN.json</code>: it refuses a modified,
expired or foreign plan and any change whose precondition no longer holds.</p>
{% for title, objects in groups %}<h2>{{ title }}</h2>
{% for obj, subject, entries in objects %}<h3><code>{{ obj }}</code></h3><p class="muted">for {{ subject }}</p>
<table><thead><tr><th>check</th><th>attribute</th><th>before</th><th>after</th><th>precondition</th><th>safety</th>
</tr></thead><tbody>{% for e in entries %}<tr><td>{{ e.check }}</td><td>{{ e.attribute or e.op }}</td>
<td>{{ e.before }}</td><td>{{ e.after }}</td><td>{{ e.precondition }}</td>
<td{% if e.safety == 'unsafe' %} class="unsafe"{% endif %}>{{ e.safety }}</td></tr>{% endfor %}</tbody></table>
{% endfor %}{% else %}<p>No change is planned.</p>{% endfor %}
{% for heading, items in steps %}{% if items %}<h2>{{ heading }}</h2><table><thead><tr><th>subject</th><th>check</th>
<th>what to do</th></tr></thead><tbody>{% for i in items %}<tr><td>{{ i.subject }}</td><td>{{ i.check }}</td>
<td>{{ i.guidance }}</td></tr>{% endfor %}</tbody></table>{% endif %}{% endfor %}
<h2>Still blocked after this plan</h2>
{% if blocked %}<table><thead><tr><th>subject</th><th>check</th><th>status</th><th>why</th></tr></thead><tbody>
{% for b in blocked %}{% for r in b.reasons %}<tr><td>{{ b.subject }}</td><td>{{ r.check }}</td><td>{{ r.status }}</td>
<td>{{ r.why }}</td></tr>{% endfor %}{% endfor %}</tbody></table>
{% else %}<p>No subject this plan touches stays blocked.</p>{% endif %}
{% if elsewhere %}<p>{{ elsewhere }} other blocked cloud user(s) are not touched by this plan.</p>{% endif %}
</body></html>
"""


def plan_html(saved: SavedPlan) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(_HTML).render(
        facts=_facts(saved), groups=grouped(saved), digest=saved.digest,
        steps=(("By hand", saved.manual), ("Not planned", saved.not_planned)),
        blocked=saved.still_blocked, elsewhere=saved.blocked_elsewhere)
