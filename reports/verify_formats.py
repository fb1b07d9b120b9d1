"""Text renderers of a verification document (`syncready verify`): terminal, Markdown, CSV, JUnit XML.

Like `check`'s outputs they lead with people: how many AD users joined the predicted cloud user,
and who was merged, duplicated or left unmatched; every finding carries its remediation steps.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import IO
from xml.etree import ElementTree as ET

from syncready.termtext import escape
from syncready.verifyrules import FAILING_OUTCOMES, Outcome

LABELS = {
    Outcome.MATCHED: "matched as predicted", Outcome.CREATED: "new cloud user as predicted",
    Outcome.STAYED_CLOUD_ONLY: "stayed cloud-only as predicted", Outcome.WRONG_MERGE: "wrong merge",
    Outcome.DUPLICATE: "duplicate", Outcome.UNEXPECTED_TAKEOVER: "cloud-only user taken over",
    Outcome.PROVISIONING_ERROR: "provisioning error", Outcome.ATTRIBUTE_LOST: "value lost without warning",
    Outcome.ATTRIBUTE_CHANGED: "value changed as warned", Outcome.NOT_EXPORTED: "not exported yet",
    Outcome.FILTERED: "filtered out of the sync scope", Outcome.UNMATCHED: "not matched, as predicted",
}
ORDER = (Outcome.WRONG_MERGE, Outcome.DUPLICATE, Outcome.UNEXPECTED_TAKEOVER, Outcome.PROVISIONING_ERROR,
         Outcome.ATTRIBUTE_LOST, Outcome.NOT_EXPORTED, Outcome.FILTERED, Outcome.UNMATCHED,
         Outcome.ATTRIBUTE_CHANGED, Outcome.CREATED, Outcome.STAYED_CLOUD_ONLY, Outcome.MATCHED)


def lead_line(summary: Mapping) -> str:
    counts = summary["by_outcome"]
    predicted = summary["ad_users"]
    line = f"{counts.get(Outcome.MATCHED, 0)} of {_count(predicted, 'AD user', 'AD users')} matched as predicted"
    people = dict(counts, **{Outcome.PROVISIONING_ERROR: counts.get(Outcome.PROVISIONING_ERROR, 0)
                             - summary.get("object_errors", 0)})      # groups' and contacts' are counted apart
    rest = [f"{people[o]} {LABELS[o]}" for o in ORDER[:8] if people.get(o)]
    return line + (": " + ", ".join(rest) if rest else "")


def objects_line(summary: Mapping) -> str:
    """Groups and contacts with provisioning errors, counted apart from people ('' when none)."""
    counts = summary.get("objects_failing") or {}
    parts = [_count(counts[k], one, k) for k, one in (("groups", "group"), ("contacts", "contact")) if counts.get(k)]
    return f"{' and '.join(parts)} with provisioning errors" if parts else ""


def verdict_line(summary: Mapping) -> str:
    if summary["failing"]:
        objects = objects_line(summary)
        reasons = [f"{_count(summary['people_failing'], 'person', 'people')} with a failing outcome"] \
            if summary["people_failing"] or not objects else []
        text = "VERIFICATION FAILED: " + "; ".join(reasons + ([objects] if objects else []))
    else:
        text = "verified: no wrong merge, duplicate, takeover, provisioning error or unwarned loss"
    if summary["against_syncready"]:
        text += (f"; {summary['against_syncready']} finding(s) against syncready itself (its run predicted "
                 "otherwise: report them)")
    return text


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def ordered(findings) -> list[dict]:
    rank = {o: n for n, o in enumerate(ORDER)}
    return sorted(findings, key=lambda f: (rank.get(f["outcome"], 99), f["subject"].lower()))


def print_verify_summary(doc: Mapping, out: IO[str], written: Sequence[str] = ()) -> None:
    out.write(f"Expected: {escape(doc['expected']['path'])} (run of {doc['expected'].get('generated') or '?'})\n")
    for line in doc.get("unread") or ():
        out.write(f"Not read: {escape(line)}\n")
    for finding in ordered(doc["findings"]):
        if finding["outcome"] in (Outcome.MATCHED, Outcome.STAYED_CLOUD_ONLY, Outcome.CREATED):
            continue
        out.write(f"  {LABELS[finding['outcome']]}: {escape(finding['message'])}\n")
        for step in (finding.get("remediation") or [])[:1]:
            out.write(f"    - {escape(step)}\n")
    summary = doc["summary"]
    counts = summary["by_outcome"]
    out.write("\n" + lead_line(summary) + "\n")
    out.write(f"{counts.get(Outcome.STAYED_CLOUD_ONLY, 0)} cloud users stayed cloud-only as predicted, "
              f"{counts.get(Outcome.UNEXPECTED_TAKEOVER, 0)} taken over unexpectedly\n")
    if objects_line(summary):
        out.write(f"groups and contacts: {objects_line(summary)}\n")
    out.write(verdict_line(summary) + "\n")
    for line in written:
        out.write(f"wrote {line}\n")


def render_markdown(doc: Mapping) -> str:
    summary = doc["summary"]
    objects = [objects_line(summary), ""] if objects_line(summary) else []
    lines = ["# syncready verification", "", f"**{lead_line(summary)}**", "", *objects, verdict_line(summary), "",
             f"Expected: `{doc['expected']['path']}` (run of {doc['expected'].get('generated') or '?'})", ""]
    lines += [f"> Not read: {u}" for u in doc.get("unread") or ()]
    lines += ["| outcome | count |", "|---|---|"]
    lines += [f"| {LABELS[o]} | {summary['by_outcome'].get(o, 0)} |" for o in ORDER]
    problems = [f for f in ordered(doc["findings"]) if f["outcome"] in FAILING_OUTCOMES]
    if problems:
        lines += ["", "## Findings", "", "| outcome | subject | what happened | first step |", "|---|---|---|---|"]
        for f in problems:
            step = (f.get("remediation") or [""])[0]
            lines.append(f"| {LABELS[f['outcome']]} | {_md(f['subject'])} | {_md(f['message'])} | {_md(step)} |")
    return "\n".join(lines) + "\n"


def _md(text) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


CSV_FIELDS = ("outcome", "failing", "against_syncready", "subject", "onprem_dn", "cloud_upn", "cloud_id",
              "predicted_cloud", "error", "message", "remediation")


def render_csv(doc: Mapping) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for f in ordered(doc["findings"]):
        cloud = f.get("cloud") or {}
        predicted = f.get("predicted") or {}
        writer.writerow([f["outcome"], f["failing"], f["against_syncready"], _cell(f["subject"]),
                         _cell(f.get("onprem_dn")), _cell(cloud.get("upn")), cloud.get("id") or "",
                         _cell(predicted.get("cloud_upn") or predicted.get("cloud_id")), f.get("error") or "",
                         _cell(f["message"]), _cell(" | ".join(f.get("remediation") or ()))])
    return buffer.getvalue()


def _cell(value) -> str:
    """No formula injection when the CSV is opened in a spreadsheet."""
    text = str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_junit(doc: Mapping, path) -> None:
    """One test suite per outcome; one test case per finding, failing ones as failures."""
    root = ET.Element("testsuites", name="syncready verify")
    for outcome in ORDER:
        found = [f for f in doc["findings"] if f["outcome"] == outcome]
        failures = sum(1 for f in found if f["failing"])
        suite = ET.SubElement(root, "testsuite", name=LABELS[outcome], tests=str(len(found)), failures=str(failures))
        for f in found:
            case = ET.SubElement(suite, "testcase", classname=f"verify.{outcome}", name=f["subject"])
            if f["failing"]:
                failure = ET.SubElement(case, "failure", message=f["message"])
                failure.text = "\n".join(f.get("remediation") or ())
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
