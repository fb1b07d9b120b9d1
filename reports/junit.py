"""JUnit XML for CI test tabs (GitHub test-report actions, GitLab, Azure DevOps PublishTestResults).

Grouping: one <testsuite> per check (name = check id), so a tab reads as "which checks fail and for
whom". Inside it, classname is always the check id and name is the subject (UPN, DN or "tenant"):

* fail  -> a testcase per subject with <failure type="blocker|warning" message=...>; the body holds
  the evidence and the change the check's fixer would make. error -> <error>, likewise.
* waived -> a testcase per subject with <skipped message="waived: reason (expires ...)">. A waiver
  is an accepted failure: it must not fail the pipeline, but it must stay visible for audit, and
  "skipped" is the one state GitHub, GitLab and Azure DevOps all show without counting it as a
  pass (a pass with a system-out note disappears in every one of those tabs).
* skip  -> one testcase per distinct reason, with the subjects listed in <system-out> (or the
  subject's own testcase when only one has that reason): "no counterpart" for 10k users is one
  line, not 10k.
* pass  -> one testcase per check named "N subjects passed". 100k users x 15 checks as separate
  passing testcases would be ~1.5M elements that no tab renders usefully.

tests/failures/errors/skipped count the testcases in the file, as the parsers expect; the real
per-subject counts are testsuite <properties>. The file is written as a stream, testcase by
testcase, with every value escaped and characters XML 1.0 forbids replaced by a visible \\xNN.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

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

from syncready.results import without_facts
from syncready.vocab import Status

from .markdown import fix_command

SKIP_LIST_LIMIT = 1000
MESSAGE_LIMIT = 500

_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _legal(text: str) -> str:
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def attr(value) -> str:
    """A value escaped for a double-quoted XML attribute, line breaks kept as character references."""
    text = _legal("" if value is None else str(value))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def text(value) -> str:
    """A value escaped for XML character data."""
    return _legal("" if value is None else str(value)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(message) -> str:
    line = " ".join(str(message or "").split())
    return line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 1] + "…"


def _value(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _details(subject: dict, result: dict, check: dict) -> str:
    """The failure body: what was compared, and what fixing would change."""
    lines = [f"{subject.get('subject')}: {result.get('message') or result.get('status')}",
             f"severity: {check.get('severity')}   readiness: {subject.get('readiness')}"]
    evidence = result.get("evidence")
    if isinstance(evidence, dict) and evidence:
        lines.append("evidence:")
        lines += [f"  {k}: {_value(v)}" for k, v in evidence.items()]
    elif evidence:
        lines.append(f"evidence: {_value(evidence)}")
    fix = result.get("fix")
    if isinstance(fix, dict):
        changes = [c for c in fix.get("changes") or [] if isinstance(c, dict)]
        if changes:
            command = fix_command(check)
            lines.append(f"fix ({command}):" if command else "fix:")
            lines += [f"  {c.get('target')} {c.get('attribute')}: {_value(c.get('before'))} -> {_value(c.get('after'))}"
                      for c in changes]
        if fix.get("manual"):
            lines.append(f"manual fix: {fix['manual']}")
    if result.get("baseline"):
        lines.append(f"baseline: {result['baseline']}")
    return "\n".join(lines)


def _overview(results: dict) -> tuple[str, list[tuple[str, object]]]:
    """The summary suite: named by the cloud-user lead line (SPEC §9); its properties count the
    people and say what the results rest on (SPEC §8). It holds no testcase, so counts stay true."""
    people = people_of(results)
    cloud, onprem, tenant = people["cloud_users"], people["onprem_users"], people["tenant"]
    props: list[tuple[str, object]] = [(f"cloud-users-{k.replace('_', '-')}", cloud.get(k) or 0) for k in
                                       ("ready", "at_risk", "blocked", "already_synchronized", "out_of_scope",
                                        "could_not_check")]
    aside = cloud_aside(cloud, (results.get("summary") or {}).get("out_of_scope"))
    if aside:
        props.append(("cloud-users-note", aside))
    props += [(f"ad-users-{k.replace('_', '-')}", onprem.get(k) or 0) for k in ("total", "matched", "new_cloud_users")]
    if onprem_line(onprem):
        props.append(("ad-users", onprem_line(onprem)))
    groups = people["onprem_groups"]
    props += [(f"ad-groups-{k.replace('_', '-')}", groups.get(k) or 0) for k in ("total", "ready", "at_risk")]
    if groups_line(groups):
        props.append(("ad-groups", groups_line(groups)))
    if tenant.get("total"):
        props.append(("tenant-blocked", tenant.get("blocked") or 0))
    props += [("tenant-blocker", b.get("banner") or b.get("message")) for b in tenant.get("blockers") or ()]
    props += [("tenant-note", n) for n in tenant.get("notes") or ()]
    props += [("could-not-check", unread_line(e)) for e in people["unread_checks"]]
    coverage = coverage_of(results)
    if coverage is None:
        props.append(("coverage", "not recorded (results from an older syncready)"))
    else:
        read, missing = collection_lines(coverage)
        props += [("config", coverage.get("config") or "none"), ("scope", scope_text(coverage))]
        props += [("read", line) for line in read] + [("not-read", line) for line in missing]
        props += [("note", note) for note in coverage.get("notes") or ()]
    return f"syncready: {lead_line(cloud)}", props


def write_junit(results: dict, path) -> None:
    """Write the JUnit XML file for a results dict (SPEC §6) to path.

    One pass over the subjects (which may be a lazy sequence) keeps only what is not a pass.
    """
    checks = list({c["id"]: c for c in results.get("checks") or [] if isinstance(c, dict) and c.get("id")}.values())
    plan: dict[str, dict[str, Any]] = {c["id"]: {"pass": 0, "fail": [], "error": [], "waived": [], "skip": {}}
                                       for c in checks}
    for subject in without_facts(results):
        who = None
        for cid, result in (subject.get("results") or {}).items():
            if not isinstance(result, dict):
                result = {"status": "error", "message": str(result)}
            entry = plan.get(cid)
            if entry is None:
                checks.append({"id": cid, "title": cid, "severity": "blocker"})
                entry = plan[cid] = {"pass": 0, "fail": [], "error": [], "waived": [], "skip": {}}
            status = result.get("status")
            if status == Status.PASS:
                entry["pass"] += 1
                continue
            if who is None:
                who = {"subject": subject.get("subject"), "readiness": subject.get("readiness")}
            if status == Status.SKIP:
                entry["skip"].setdefault(_short(result.get("message")) or "skipped", []).append(who)
            elif status in (Status.FAIL, Status.WAIVED):
                entry[status].append((who, result))
            else:
                entry["error"].append((who, result))
    stamp = results.get("generated") or ""
    suites = []
    for c in checks:
        entry = plan[c["id"]]
        counts = {"tests": len(entry["fail"]) + len(entry["error"]) + len(entry["waived"]) + len(entry["skip"])
                  + (1 if entry["pass"] else 0),
                  "failures": len(entry["fail"]), "errors": len(entry["error"]),
                  "skipped": len(entry["waived"]) + len(entry["skip"])}
        if counts["tests"]:
            suites.append((c, entry, counts))
    totals = {k: sum(s[2][k] for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        name, props = _overview(results)
        out.write(f'<testsuites name="{attr(name)}" tests="{totals["tests"]}" failures="{totals["failures"]}" '
                  f'errors="{totals["errors"]}" skipped="{totals["skipped"]}" time="0">\n')
        out.write(f'  <testsuite name="{attr(name)}" tests="0" failures="0" errors="0" skipped="0" time="0"'
                  + (f' timestamp="{attr(stamp)}"' if stamp else "") + ">\n    <properties>\n")
        out.writelines(f'      <property name="{attr(key)}" value="{attr(value)}"/>\n' for key, value in props)
        out.write("    </properties>\n  </testsuite>\n")
        for check, entry, counts in suites:
            _suite(out, check, entry, counts, stamp)
        out.write("</testsuites>\n")
    tmp.replace(path)


def _suite(out, check: dict, entry: dict, counts: dict, stamp: str) -> None:
    cid = attr(check["id"])
    skipped_subjects = sum(len(v) for v in entry["skip"].values())
    out.write(f'  <testsuite name="{cid}" tests="{counts["tests"]}" failures="{counts["failures"]}" '
              f'errors="{counts["errors"]}" skipped="{counts["skipped"]}" time="0"'
              + (f' timestamp="{attr(stamp)}"' if stamp else "") + ">\n")
    out.write("    <properties>\n")
    props = [("title", check.get("title")), ("severity", check.get("severity")), ("subject-kind", check.get("subject")),
             ("fix", check.get("fix")),
             ("fix-command", fix_command(check)), ("subjects-pass", entry["pass"]),
             ("subjects-fail", len(entry["fail"])), ("subjects-error", len(entry["error"])),
             ("subjects-waived", len(entry["waived"])), ("subjects-skip", skipped_subjects)]
    for name, value in props:
        if value is not None:
            out.write(f'      <property name="{name}" value="{attr(value)}"/>\n')
    out.write("    </properties>\n")
    severity = attr(check.get("severity") or "blocker")
    for kind in ("error", "fail"):
        tag = "error" if kind == "error" else "failure"
        for subject, result in entry[kind]:
            out.write(f'    <testcase classname="{cid}" name="{attr(subject.get("subject"))}" time="0">'
                      f'<{tag} type="{severity}" message="{attr(_short(result.get("message")))}">'
                      f'{text(_details(subject, result, check))}</{tag}></testcase>\n')
    for subject, result in entry["waived"]:
        waiver = result.get("waiver") if isinstance(result.get("waiver"), dict) else {}
        note = f"waived: {waiver.get('reason') or 'no reason given'}"
        if waiver.get("expires"):
            note += f" (expires {waiver['expires']})"
        out.write(f'    <testcase classname="{cid}" name="{attr(subject.get("subject"))}" time="0">'
                  f'<skipped message="{attr(_short(note))}"/>'
                  f'<system-out>{text(_details(subject, result, check))}</system-out></testcase>\n')
    for reason, group in entry["skip"].items():
        if len(group) == 1:
            out.write(f'    <testcase classname="{cid}" name="{attr(group[0].get("subject"))}" time="0">'
                      f'<skipped message="{attr(reason)}"/></testcase>\n')
            continue
        listed = "\n".join(str(s.get("subject")) for s in group[:SKIP_LIST_LIMIT])
        if len(group) > SKIP_LIST_LIMIT:
            listed += f"\n... and {len(group) - SKIP_LIST_LIMIT:,} more"
        out.write(f'    <testcase classname="{cid}" name="{attr(f"{len(group):,} subjects skipped: {reason}")}" '
                  f'time="0"><skipped message="{attr(reason)}"/>'
                  f'<system-out>{text(listed)}</system-out></testcase>\n')
    if entry["pass"]:
        out.write(f'    <testcase classname="{cid}" name="{entry["pass"]:,} subjects passed" time="0"/>\n')
    out.write("  </testsuite>\n")
