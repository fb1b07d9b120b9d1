"""The worklist for Excel: one row per cloud user, from a results document (`--csv FILE`).

The columns are defined here once, as data (`COLUMNS`, `columns_json()`), so the HTML report's export
button can produce the same file; `worklist_rows` gives each row as a dict keyed by column key.

Cells are guarded against formula injection (CWE-1236): a displayName such as `=HYPERLINK(...)` would
otherwise run as a formula when the file is opened. A cell that starts with = + - @, a tab or a
carriage return gets a leading apostrophe, which Excel and LibreOffice show as text. The file is
UTF-8 with a byte order mark, so Excel reads non-ASCII names correctly.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .addresses import domain_of
from .atomic import atomic_write
from .checklist import fix_hint
from .results import of_kind
from .vocab import FAILING, Readiness, Severity, SubjectKind

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ALREADY_SYNCHRONIZED = "already synchronized"
NO_AD_USER = "(no AD user)"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("upn", "User principal name", "the cloud user's UPN as Graph returned it"),
    Column("display_name", "Display name", "the cloud user's displayName"),
    Column("readiness", "Readiness", "ready, at-risk, blocked or already synchronized"),
    Column("failing_checks", "Failing checks", "ids of the checks that fail or could not check, blockers first"),
    Column("messages", "Messages", "per failing check: its message, one line each"),
    Column("what_to_do", "What to do", "per failing check: the fix command or the manual step"),
    Column("ad_dn", "AD distinguished name", "the AD counterpart (same UPN), if any"),
    Column("ad_ou", "AD OU", "the counterpart's parent container"),
    Column("department", "Department", "AD department, else the cloud one (when read: a [drift] pair)"),
    Column("upn_domain", "UPN domain", "the domain part of the UPN"),
)


def columns_json() -> str:
    """The column definitions as JSON (key, header, description), for the HTML export."""
    return json.dumps([{"key": c.key, "header": c.header, "description": c.description} for c in COLUMNS])


def guard(text: Any) -> str:
    """A cell that never starts a formula: a leading = + - @ tab or CR is prefixed with an apostrophe."""
    value = "" if text is None else str(text)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def parent_dn(dn: str) -> str:
    """The DN without its first RDN ("CN=Baker\\, Quinn,OU=Staff,DC=x" → "OU=Staff,DC=x"; a backslash
    escapes a comma inside an RDN); a DN of one RDN is returned as it is."""
    if "\\" not in dn:            # the usual DN: the first comma ends the first RDN
        _, comma, parent = dn.partition(",")
        return parent.strip() if comma else dn
    escaped = False
    for position, char in enumerate(dn):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            return dn[position + 1:].strip()
    return dn


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def subject_facts(entry: Mapping[str, Any]) -> dict[str, str]:
    """Where a cloud user sits: its counterpart's DN and OU, department, UPN domain."""
    cloud, onprem = _dict(entry.get("cloud")), _dict(entry.get("onprem"))
    return place(onprem.get("dn"), entry.get("subject") or cloud.get("upn"),
                 onprem.get("department") or cloud.get("department"))


def place(dn: Any, upn: Any, department: Any) -> dict[str, str]:
    """subject_facts from the values it reads: the AD DN, the UPN, the department (AD's, else the cloud's)."""
    dn = str(dn or "")
    return {"ad_dn": dn, "ad_ou": parent_dn(dn) if dn else NO_AD_USER, "department": str(department or ""),
            "upn_domain": domain_of(str(upn or ""))}


def readiness_of(entry: Mapping[str, Any]) -> str:
    if entry.get("already_synchronized"):
        return ALREADY_SYNCHRONIZED
    readiness = str(entry.get("readiness") or Readiness.BLOCKED)
    return readiness


def is_cloud_entry(entry: Any) -> bool:
    return isinstance(entry, dict) and (entry.get("kind") or SubjectKind.CLOUD_USER) == SubjectKind.CLOUD_USER


def cloud_entries(doc: Mapping[str, Any], results: bool = True) -> Iterable[dict]:
    """The cloud users' entries; of a run's document, without building the AD subjects' entries (nor
    their "results" when `results` is False)."""
    found = of_kind(doc, SubjectKind.CLOUD_USER, results)
    return found if found is not None else (entry for entry in doc.get("subjects") or () if is_cloud_entry(entry))


def worklist_rows(doc: Mapping[str, Any]) -> Iterator[dict[str, str]]:
    """One dict per cloud user, keyed by COLUMNS' keys; values unguarded (guard() is the CSV's)."""
    checks = {c["id"]: c for c in doc.get("checks") or [] if isinstance(c, dict) and c.get("id")}
    rank = {cid: (c.get("severity") != Severity.BLOCKER, n) for n, (cid, c) in enumerate(checks.items())}
    for entry in cloud_entries(doc):
        results = _dict(entry.get("results"))
        failing = sorted((cid for cid, r in results.items() if isinstance(r, dict) and r.get("status") in FAILING),
                         key=lambda cid: rank.get(cid, (True, len(rank))))
        messages = [f"{cid}: {results[cid].get('message') or ''}" for cid in failing]
        todo = [f"{cid}: {fix_hint(checks.get(cid) or {'id': cid}, results[cid])}" for cid in failing]
        row = {"upn": str(entry.get("subject") or ""),
               "display_name": str(_dict(entry.get("cloud")).get("displayName") or ""),
               "readiness": readiness_of(entry), "failing_checks": ", ".join(failing),
               "messages": "\n".join(messages), "what_to_do": "\n".join(todo)}
        row.update(subject_facts(entry))
        yield row


def write_csv(doc: Mapping[str, Any], path) -> None:
    """The worklist as CSV: UTF-8 with BOM, CRLF rows (as Excel writes them), guarded cells, atomic."""
    with atomic_write(path, encoding="utf-8-sig", newline="") as fp:
        writer = csv.writer(fp, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([c.header for c in COLUMNS])
        for row in worklist_rows(doc):
            writer.writerow([guard(row[c.key]) for c in COLUMNS])
