"""The Markdown summary for CI job summaries (GitHub $GITHUB_STEP_SUMMARY, Azure DevOps, GitLab).

Short by design: readiness counts, one table row per check, the first blocked subjects and the
baseline delta. Every value from the directory is escaped for both Markdown and HTML, because
those renderers accept inline HTML and a displayName is attacker-controlled text.
"""
from __future__ import annotations

import re

from syncready.summary import (
    cloud_aside,
    collection_lines,
    coverage_of,
    groups_line,
    lead_line,
    onprem_line,
    people_of,
    scope_text,
    unread_line,
)
from syncready.breakdown import breakdowns
from syncready.checklist import StepKind, build_checklist
from syncready.results import without_facts
from syncready.vocab import FAILING, FixAvailability, Safety

MAX_BLOCKED = 20
MAX_CELL = 120

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_MD_META = re.compile(r"([\\`*_\[\]|~])")
_MENTION = re.compile(r"(?<![\w.+-])@")


def fix_command(check: dict) -> str | None:
    """The exact command that plans a check's fixes; None when fixing is manual."""
    fix = check.get("fix")
    cid = str(check.get("id") or "")
    if not fix or fix == FixAvailability.MANUAL or not _SAFE_ID.match(cid):
        return None
    command = f"syncready fix --select {cid}"
    if check.get("safety") == Safety.UNSAFE:
        command += " --unsafe"
    return command


def percent(part, whole) -> str:
    """A whole percentage that never rounds a non-zero part to 0% or a partial whole to 100%."""
    if not whole:
        return "0%"
    value = 100.0 * (part or 0) / whole
    if 0 < value < 1:
        return "<1%"
    if 99 < value < 100:
        return ">99%"
    return f"{value:.0f}%"


def escape(value, limit: int = MAX_CELL) -> str:
    """Text safe in a Markdown table cell: no HTML, no emphasis or links, no pipe, one line."""
    text = _CONTROL.sub(" ", "" if value is None else str(value)).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_META.sub(r"\\\1", text)
    return _MENTION.sub("&#64;", text)


def code(value) -> str:
    """An identifier in a code span when it is plain, escaped text otherwise."""
    text = str(value or "")
    return f"`{text}`" if _SAFE_ID.match(text) else escape(text)


def _num(n) -> str:
    return f"{int(n or 0):,}"


def render_markdown(results: dict, *, max_blocked: int = MAX_BLOCKED) -> str:
    """The summary as Markdown text, ending with a newline."""
    summary = results.get("summary") or {}
    sources = results.get("sources") or {}
    checks = [c for c in results.get("checks") or [] if isinstance(c, dict) and c.get("id")]
    people = people_of(results)
    cloud = people["cloud_users"]
    ready, at_risk, blocked = (int(cloud.get(k) or 0) for k in ("ready", "at_risk", "blocked"))
    synced = int(cloud.get("already_synchronized") or 0)
    total = ready + at_risk + blocked
    title = "Directory sync readiness"
    if sources.get("domain"):
        title += f" — {escape(sources['domain'])}"
    out = [f"## {title}", ""]
    meta = []
    if sources.get("tenant"):
        meta.append(f"tenant {escape(sources['tenant'])}")
    if results.get("generated"):
        meta.append(f"generated {escape(results['generated'])}")
    version = (results.get("tool") or {}).get("version")
    if version:
        meta.append(f"syncready {escape(version)}")
    if meta:
        out += [" · ".join(meta), ""]
    tenant = people["tenant"]
    for blocker in tenant.get("blockers") or ():
        out += [f"> :no_entry: **Tenant blocker: {escape(blocker.get('banner') or blocker.get('message'), 1000)}**", ""]
    lead = escape(lead_line(cloud), 1000)
    if blocked:
        out.append(f"**:no_entry: {lead}** — synchronization would not match the blocked ones safely today.")
    elif at_risk:
        out.append(f"**:warning: {lead}** — no cloud user is blocked.")
    elif total:
        out.append(f"**:white_check_mark: {lead}** — every selected check passes.")
    else:
        out.append(f"**{lead}**")
    aside = cloud_aside(cloud, summary.get("out_of_scope"))
    out += [f"({escape(aside, 1000)})", ""] if aside else [""]
    apart = [onprem_line(people["onprem_users"]), groups_line(people["onprem_groups"])]
    apart += [f"tenant: {n}" for n in tenant.get("notes") or ()]
    apart += [unread_line(e) for e in people["unread_checks"]]
    out += [f"- {escape(line, 1000)}" for line in apart if line]
    out += ["", "| Cloud users | Blocked | At risk | Ready | Already synchronized |", "|--:|--:|--:|--:|--:|",
            (f"| {_num(total)} | {_num(blocked)} ({percent(blocked, total)}) "
             f"| {_num(at_risk)} ({percent(at_risk, total)}) | {_num(ready)} ({percent(ready, total)}) "
             f"| {_num(synced)} |"),
            ""]
    out += checklist_markdown(results)
    out += _coverage(results)
    out += breakdowns_markdown(results)

    by_check = summary.get("by_check") or {}
    errors = any((by_check.get(c["id"]) or {}).get("error") for c in checks)
    head = "| Check | Severity | Pass | Fail |" + (" Error |" if errors else "") + " Skip | Waived | Fix |"
    rule = "|---|---|--:|--:|" + ("--:|" if errors else "") + "--:|--:|---|"
    out += ["### Checks", "", head, rule]
    for c in checks:
        n = by_check.get(c["id"]) or {}
        command = fix_command(c)
        fix = f"`{command}`" if command else ("manual" if c.get("fix") == "manual" else escape(c.get("fix") or ""))
        if command and c.get("fix") == "sometimes":
            fix += " (some cases)"
        cells = [f"{code(c['id'])} {escape(c.get('title') or '')}".rstrip(), escape(c.get("severity") or ""),
                 _num(n.get("pass")), _num(n.get("fail"))]
        if errors:
            cells.append(_num(n.get("error")))
        cells += [_num(n.get("skip")), _num(n.get("waived")), fix]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")

    blocked = summary["blocked"] if isinstance(summary.get("blocked"), int) else blocked   # subjects, listed
    if blocked and max_blocked > 0:
        rows = []
        for subject in results.get("subjects") or []:
            if subject.get("readiness") != "blocked" or subject.get("already_synchronized"):
                continue
            failing = [cid for cid, r in (subject.get("results") or {}).items()
                       if isinstance(r, dict) and r.get("status") in FAILING]
            name = (subject.get("cloud") or {}).get("displayName") or (subject.get("onprem") or {}).get("displayName")
            rows.append(f"| {escape(subject.get('subject'))} | {escape(name)} | "
                        f"{', '.join(code(cid) for cid in failing)} |")
            if len(rows) >= max_blocked:
                break
        shown = f"first {len(rows)} of {_num(blocked)}" if len(rows) < blocked else _num(blocked)
        out += [f"### Blocked subjects ({shown})", "", "| Subject | Name | Failing checks |", "|---|---|---|",
                *rows, ""]

    out += _advisories(results, max_blocked)

    baseline = summary.get("baseline")
    if isinstance(baseline, dict):
        new, fixed = len(baseline.get("new") or []), len(baseline.get("fixed") or [])
        against = f" (against {escape(baseline['file'])})" if baseline.get("file") else ""
        out += [f"### Since the baseline{against}", "",
                f"- **{_num(new)}** new failures", f"- **{_num(fixed)}** fixed", ""]

    waivers = [w for w in results.get("waivers") or [] if isinstance(w, dict)]
    if waivers:
        expired = sum(1 for w in waivers if w.get("expired"))
        line = f"Waivers: {len(waivers)}"
        if expired:
            line += f", **{expired} expired** (their failures count again)"
        out += [line, ""]
    return "\n".join(out)


def _advisories(results: dict, limit: int) -> list[str]:
    """Passing results with a message (attribute-valid's "advisory: ..."): the user is ready, but a
    rule Microsoft states is broken; without this list the advice would be in no summary."""
    rows: list[str] = []
    total = 0
    for subject in without_facts(results):
        for cid, r in (subject.get("results") or {}).items():
            if isinstance(r, dict) and r.get("status") == "pass" and r.get("message"):
                total += 1
                if len(rows) < limit:
                    rows.append(f"| {escape(subject.get('subject'))} | {code(cid)} | {escape(r['message'], 1000)} |")
    if not rows:
        return []
    shown = f"first {len(rows)} of {_num(total)}" if len(rows) < total else _num(total)
    return [f"### Advisories ({shown})", "", "Checks that pass with advice (an advisory never blocks):", "",
            "| Subject | Check | Advisory |", "|---|---|---|", *rows, ""]


def _coverage(results: dict) -> list[str]:
    """What the verdicts rest on (SPEC §8): config, scope, what was read and not, the run's notes."""
    coverage = coverage_of(results)
    out = ["### What was read", ""]
    if coverage is None:
        return out + ["Not recorded (results from an older syncready).", ""]
    config = coverage.get("config")
    out.append(f"- Config: {code(config) if config else 'none (defaults: the whole domain, every check)'}")
    out.append(f"- Scope: {escape(scope_text(coverage), 2000)}")
    read, missing = collection_lines(coverage)
    out.append(f"- Read: {escape(', '.join(read), 4000) if read else 'not recorded by the sources'}")
    out += [f"- **Not read:** {escape(line, 1000)}" for line in missing]
    out += [f"- **Note:** {escape(note, 1000)}" for note in coverage.get("notes") or ()]
    return out + [""]


CHECKLIST_ITEMS = 10     # per step in Markdown (a CI job summary); the HTML report and --csv list every one
BREAKDOWN_ROWS = 10


def checklist_markdown(results: dict, limit: int = CHECKLIST_ITEMS) -> list[str]:
    """The cutover checklist as a numbered list, the command of a step as a code span."""
    steps = build_checklist(results).steps
    if not steps:
        return []
    out = ["### Cutover checklist", ""]
    for number, step in enumerate(steps, 1):
        line = escape(step.lead, 1000) + (f" `{step.command}`" if step.command and _SAFE_COMMAND.match(step.command)
                                          else "")
        if step.counts:
            line += f" ({escape(step.counts, 1000)})"
        if step.after:
            line += f"; {escape(step.after, 1000)}"
        out.append(f"{number}. {line}")
        if step.kind in (StepKind.READ_FIRST, StepKind.MANUAL):
            for item in step.items[:limit]:
                who = f"{escape(item.subject)}: " if item.subject else ""
                out.append(f"   - {who}{escape(item.text, 400)}")
            if step.total_items > min(limit, len(step.items)):
                out.append(f"   - … {step.total_items - min(limit, len(step.items)):,} more (the HTML report and "
                           "`--csv` list every one)")
    return out + [""]


_SAFE_COMMAND = re.compile(r"^[A-Za-z0-9 ,._-]+$")


def breakdowns_markdown(results: dict, limit: int = BREAKDOWN_ROWS) -> list[str]:
    """Cloud users per AD OU, department and UPN domain, most blocked first."""
    tables = breakdowns(results)
    if not tables:
        return []
    out = ["### Where the blocked users are", ""]
    for table in tables:
        shown = table.groups[:limit]
        more = f" (first {len(shown)} of {len(table.groups):,})" if len(table.groups) > len(shown) else ""
        out += [f"**By {escape(table.label)}**{more}", "", f"| {escape(table.label)} | Blocked | At risk | Ready |",
                "|---|--:|--:|--:|"]
        out += [f"| {escape(g.name)} | {_num(g.blocked)} | {_num(g.at_risk)} | {_num(g.ready)} |" for g in shown]
        out.append("")
    return out
