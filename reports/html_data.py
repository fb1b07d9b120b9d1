"""The HTML report's per-subject data, packed so a 100k-user report stays small and opens quickly.

* a string table ``S`` holds every distinct string once (index 0 is null); a proxy address is
  stored as its type prefix plus its address, and a DN as its first RDN plus its parent, so the
  address shared with the UPN and the OU path shared by thousands are stored once;
* each subject is a run of 32-bit integers (layout in ``pack``) in one flat array, so the page
  reads it in place instead of parsing it; passes are omitted; free-form values (evidence, fix,
  waiver) are compact JSON strings decoded only when a drilldown opens;
* large reports embed it as one binary blob (``binary``: header JSON, integers, strings joined by
  U+0001), gzip'd and base64'd by ``reports.html``.

Subject kinds are indices into ``KINDS`` (every ``SubjectKind``); a kind's checks are those whose
``subject`` names it and its labels come from ``KIND_LABELS``, so a new kind needs one label here.
"""
from __future__ import annotations

import json
import re
import struct
import sys
from array import array
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]

from syncready.checklist import fix_hint
from syncready.vocab import FAILING, Readiness, Severity, Status, SubjectKind, values
from syncready.worklist import COLUMNS

from .markdown import fix_command

FORMAT = "syncready/report-data/2"

STATUSES = values(Status)
READINESS = (*values(Readiness), "synced")
KINDS = values(SubjectKind)
BASELINE = (None, "new", "unchanged")
# How the page names each kind (one, several); a kind missing here is shown by its SPEC name.
KIND_LABELS: dict[str, tuple[str, str]] = {
    SubjectKind.CLOUD_USER: ("Cloud user", "Cloud users"),
    SubjectKind.ONPREM_USER: ("On-premises user", "On-premises users"),
    SubjectKind.TENANT: ("Tenant", "Tenant"),
    SubjectKind.ONPREM_GROUP: ("On-premises group or contact", "On-premises groups and contacts"),
}
# Packed fact fields, in order (see pack); "dn" takes two strings.
CLOUD_FIELDS = ("upn", "displayName", "givenName", "surname", "mail", "primarySmtp", "immutableId")
ONPREM_FIELDS = ("dn", "upn", "sam", "displayName", "givenName", "sn", "mail", "primarySmtp", "anchor")

_DN_CUT = re.compile(r"(?<!\\),")
_PASS = {"status": "pass"}
_encode = c_make_encoder(None, str, encode_basestring, None, ":", ",", False, False, True) if c_make_encoder else None
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def _compact(value) -> str:
    """json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode(value), with
    the C encoder made once rather than per call (a fifth of packing's time at 100k subjects)."""
    if _encode is None or type(value) is str:
        return _json(value)
    return "".join(_encode(value, 0))


def report_checks(results: dict) -> list[dict]:
    """Check metadata in report order (the selected ones when the results say which)."""
    selected = results.get("selected")
    checks = [dict(c) for c in results.get("checks") or [] if isinstance(c, dict) and c.get("id")]
    if selected:
        wanted = set(selected)
        checks = [c for c in checks if c["id"] in wanted] or checks
    for c in checks:
        complete(c)
    return checks


def complete(check: dict) -> dict:
    check.setdefault("title", check["id"])
    if check.get("severity") not in values(Severity):
        check["severity"] = Severity.BLOCKER.value
    check["command"] = fix_command(check)
    return check


class _Strings(dict):
    """Interns strings in first-use order, so that one subject's values sit together for gzip.

    A dict whose misses append: a hit is one C-level lookup, which matters at 100k subjects.
    """

    def __init__(self) -> None:
        super().__init__({None: 0})
        self.table: list = [None]

    def __missing__(self, value) -> int:
        if type(value) is not str:      # stored by its text only, so 1, True and "1" never share a slot
            return self[str(value)]
        found = self[value] = len(self.table)
        self.table.append(value)
        return found

    def json(self, value) -> int:
        if value is None or value == {} or value == []:
            return 0
        return self[_compact(value)]


def _split_dn(dn: str) -> tuple[str, str | None]:
    """('CN=x', ',OU=y,DC=z'): the parent repeats across thousands of users; joining restores dn."""
    cut = _DN_CUT.search(dn)
    return (dn[:cut.start()], dn[cut.start():]) if cut else (dn, None)


def _proxies(s: _Strings, values, out: list) -> None:
    values = [v if type(v) is str else str(v) for v in values or ()]
    out.append(len(values))
    for value in values:
        prefix, sep, address = value.partition(":")
        if sep:
            out += (s[prefix + ":"], s[address])
        else:
            out += (0, s[value])


def _flag(value) -> int:
    return -1 if value is None else 1 if value else 0


def _facts(s: _Strings, facts, fields, flag: str, out: list) -> None:
    if not isinstance(facts, dict):
        out.append(0)
        return
    get = facts.get
    out.append(1)
    values = list(map(get, fields))
    if fields[0] == "dn":
        dn = values.pop(0)
        out += map(s.__getitem__, _split_dn(str(dn)) if dn is not None else (None, None))
    try:
        ids = list(map(s.__getitem__, values))      # strings and None; any other value by its text
    except TypeError:                               # an unhashable value (a list, an object)
        ids = [s[v if v is None or type(v) is str else str(v)] for v in values]
    out += ids
    out.append(_flag(get(flag)))
    _proxies(s, get("proxyAddresses"), out)


def _readiness(subject: dict) -> str:
    if subject.get("already_synchronized"):
        return "synced"
    value = subject.get("readiness")
    return value if value in READINESS else "blocked"


def kind_label(kind: str, plural: bool = False) -> str:
    return KIND_LABELS.get(kind, (kind, kind))[plural]


_RANK = {"blocked": 0, "at-risk": 1, "ready": 2, "synced": 3}
_RECENT = 4           # sets of outcomes remembered per (kind, check ids)


class _Outcomes:
    """One subject's results packed: the result runs, hints and passes, reused by equal subjects."""

    __slots__ = ("outcomes", "row", "hints", "passes", "counted", "plain", "subjects")

    def __init__(self, outcomes: list):
        self.outcomes = outcomes
        self.row: list[int] = []
        self.hints: list[int] = []
        self.passes: list[int] = []
        self.counted: list[tuple[int, int]] = []     # (check, status) per result, counted per subject
        self.plain = True                            # every value a string: equal outcomes pack alike
        self.subjects = 0


def pack(results: dict, checks: list[dict]) -> tuple[dict, dict]:
    """The page's data (header, string table, subjects as one flat integer array), and counts.

    Subject i occupies ints[offsets[i]:offsets[i + 1]]: kind, readiness, result count, then per
    non-pass result, and per pass with a message (an advisory), (check, status, message, evidence,
    fix, waiver, baseline); subject, id; the
    cloud facts (present flag, then CLOUD_FIELDS, enabled flag, proxy count and (prefix, address)
    pairs); the on-prem facts likewise with the DN as two strings; then the passed checks as a
    count and indices, or -1 when they are exactly the kind's other checks; last the worklist's
    extras (syncready/worklist.py, for the page's CSV export): the department, then per packed
    result what to do (checklist.fix_hint) for a failing one, else 0. Strings are indices
    into S; flags are 1/0/-1 for true/false/unknown. Subjects come blocked first.

    One pass over results["subjects"], which may be a lazy sequence; the counts it returns
    (kinds, readiness, by_check) stand in where the summary lacks them. A check id found only in
    results gets a stub entry appended to checks.

    Subjects mostly repeat a few sets of outcomes (every check passes, one skips with the same
    message): a set of plain outcomes (string values only, so equal means packed alike) is packed
    once and reused for every subject whose outcomes compare equal to it (``_Outcomes``).
    """
    s = _Strings()
    cindex = {c["id"]: i for i, c in enumerate(checks)}
    status_index = {v: i for i, v in enumerate(STATUSES)}
    kind_index = {v: i for i, v in enumerate(KINDS)}
    ready_index = {v: i for i, v in enumerate(READINESS)}
    base_index = {v: i for i, v in enumerate(BASELINE)}
    default = {kind: [i for i, c in enumerate(checks) if c.get("subject") == kind] for kind in KINDS}
    kinds = dict.fromkeys(KINDS, 0)
    readiness = dict.fromkeys(READINESS, 0)
    by_check: list[list[int]] = [[0] * len(STATUSES) for _ in checks]
    pass_at = status_index[Status.PASS]
    recent: dict[tuple, list[_Outcomes]] = {}       # (kind, check ids) -> the last sets packed for them
    packed_sets: list[_Outcomes] = []

    def index_of(cid) -> int:
        c = cindex.get(cid)
        if c is None:
            c = cindex[cid] = len(checks)
            checks.append(complete({"id": str(cid), "subject": None}))
            by_check.append([0] * len(STATUSES))
        return c

    def pack_outcomes(kind: str, results_of: dict, outcomes: list) -> _Outcomes:
        packed = _Outcomes(outcomes)
        passed, failing, row = [], set(), packed.row
        for cid, r in results_of.items():
            c = index_of(cid)
            if r == _PASS:
                passed.append(c)
                packed.counted.append((c, pass_at))
                continue
            if type(r) is not dict:
                r = {"status": "error", "message": str(r)}
            if packed.plain and any(v is not None and type(v) is not str for v in r.values()):
                packed.plain = False
            status = r.get("status")
            if status not in status_index:
                status = "error"
            packed.counted.append((c, status_index[status]))
            message = r.get("message")
            if status == "pass":
                passed.append(c)
                if not message:
                    continue      # a pass with a message is an advisory: it is packed to be shown
            else:
                failing.add(c)
            packed.hints.append(s[fix_hint(checks[c], r)] if status in FAILING else 0)
            row += (c, status_index[status], s[message if message is None else str(message)],
                    s.json(r.get("evidence")), s.json(r.get("fix")), s.json(r.get("waiver")),
                    base_index.get(r.get("baseline"), 0))
        passed.sort()
        packed.passes = [-1] if passed == [i for i in default[kind] if i not in failing] else [len(passed), *passed]
        return packed

    keyed = []
    for subject in results.get("subjects") or ():
        kind = subject.get("kind") if subject.get("kind") in kind_index else SubjectKind.CLOUD_USER
        ready = _readiness(subject)
        kinds[kind] += 1
        readiness[ready] += 1
        results_of = subject.get("results") or {}
        outcomes = list(results_of.values())
        key = (kind, tuple(results_of))
        bucket = recent.get(key)
        packed = next((p for p in bucket if p.outcomes == outcomes), None) if bucket else None
        if packed is None:
            packed = pack_outcomes(kind, results_of, outcomes)
            packed_sets.append(packed)
            if packed.plain:
                bucket = recent.setdefault(key, [])
                bucket.insert(0, packed)
                del bucket[_RECENT:]
        packed.subjects += 1
        row = [kind_index[kind], ready_index[ready], len(packed.row) // 7, *packed.row]
        name, sid = subject.get("subject"), subject.get("id")
        row += (s[name if name is None else str(name)], s[sid if sid is None else str(sid)])
        _facts(s, subject.get("cloud"), CLOUD_FIELDS, "accountEnabled", row)
        _facts(s, subject.get("onprem"), ONPREM_FIELDS, "enabled", row)
        row += packed.passes
        row.append(s[_department(subject)])
        row += packed.hints
        keyed.append(((_RANK[ready], subject.get("kind") != SubjectKind.TENANT, str(name or "").lower()), row))
    for packed in packed_sets:
        for c, status in packed.counted:
            by_check[c][status] += packed.subjects
    keyed.sort(key=lambda pair: pair[0])
    offsets, ints = array("i", [0]), array("i")
    for _, row in keyed:
        ints.extend(row)
        offsets.append(len(ints))
    data = {"format": FORMAT, "n": len(keyed), "S": s.table,
            "checks": [{k: c.get(k) for k in ("id", "title", "severity", "subject", "fix", "safety", "command")}
                       for c in checks],
            "statuses": STATUSES, "kinds": KINDS, "kindLabels": [kind_label(k) for k in KINDS], "readiness": READINESS,
            "worklist": [{"key": c.key, "header": c.header} for c in COLUMNS],
            "baseline": bool((results.get("summary") or {}).get("baseline")), "offsets": offsets, "ints": ints}
    seen = {"kinds": kinds, "readiness": readiness,
            "by_check": {c["id"]: dict(zip(STATUSES, n, strict=True)) for c, n in zip(checks, by_check, strict=True)}}
    return data, seen


def _department(subject: dict) -> str | None:
    """As the worklist takes it: AD's department, else the cloud one."""
    onprem, cloud = subject.get("onprem"), subject.get("cloud")
    value = (onprem.get("department") if isinstance(onprem, dict) else None) or (
        cloud.get("department") if isinstance(cloud, dict) else None)
    return str(value) if value else None


def binary(data: dict) -> bytes:
    """u32 header length, header JSON, padding to 4, offsets and integers (int32 LE), strings.

    Strings are joined by U+0001 and split by the page, several times faster than parsing a
    JSON array of 750k strings; when a value itself holds U+0001 they are a JSON array instead.
    """
    strings = data["S"]
    joined = "\x01".join(["", *strings[1:]])
    header = {k: v for k, v in data.items() if k not in ("S", "offsets", "ints")}
    if joined.count("\x01") == len(strings) - 1:
        header["strings"] = "split"
    else:
        header["strings"] = "json"
        joined = json.dumps(strings, ensure_ascii=False)
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    head += b" " * (-(4 + len(head)) % 4)
    offsets, ints = data["offsets"], data["ints"]
    if sys.byteorder != "little":
        offsets, ints = array("i", offsets), array("i", ints)
        offsets.byteswap()
        ints.byteswap()
    return b"".join((struct.pack("<I", len(head)), head, offsets.tobytes(), ints.tobytes(),
                     joined.encode("utf-8", "replace")))
