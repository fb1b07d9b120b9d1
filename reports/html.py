"""The HTML readiness report: one self-contained file that an administrator can open from a share.

Header, summary, per-check cards, waivers and baseline changes are rendered by jinja2 (autoescape
on). The per-subject data is embedded once, packed, and drawn by the page's own script a page of
rows at a time, so a 100k-user report stays small and opens quickly:

* a string table ``S`` holds every distinct string once (index 0 is null); a proxy address is
  stored as its type prefix plus its address, and a DN as its first RDN plus its parent, so the
  address shared with the UPN and the OU path shared by thousands are stored once;
* each subject is a run of 32-bit integers (layout in ``pack``) in one flat array, so the page
  reads it in place instead of parsing it; passes are omitted; free-form values (evidence, fix,
  waiver) are compact JSON strings decoded only when a drilldown opens;
* above ``COMPRESS_ABOVE`` bytes of strings the data is one binary blob (header JSON, integers,
  strings joined by U+0001), gzip'd and base64'd; the page inflates it with the browser's native
  ``DecompressionStream``. Smaller reports embed plain JSON, which opens in any browser;
* plain JSON is embedded in ``<script type="application/json">`` with ``<``, ``>``, ``&`` and the
  JS line separators escaped, so no value can close the element; the page builds rows with DOM
  APIs and textContent only;
* a Content-Security-Policy allows no network at all and only the report's own script (by hash),
  so even a value that slipped through could neither run nor load anything.
"""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import re
import struct
import sys
from array import array
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from syncready.summary import (
    cloud_aside,
    collection_lines,
    coverage_of,
    lead_line,
    onprem_line,
    people_of,
    scope_text,
    unread_counts,
    unread_line,
)

from syncready.vocab import Readiness, Severity, Status, SubjectKind, values

from .markdown import fix_command, percent

TEMPLATES = Path(__file__).with_name("templates")
# Packed data larger than this (estimated) is gzip'd; below it plain JSON opens in any browser.
COMPRESS_ABOVE = 1_500_000
FORMAT = "syncready/report-data/2"

STATUSES = values(Status)
READINESS = (*values(Readiness), "synced")
KINDS = values(SubjectKind)
BASELINE = (None, "new", "unchanged")
# Packed fact fields, in order (see pack); "dn" takes two strings.
CLOUD_FIELDS = ("upn", "displayName", "givenName", "surname", "mail", "primarySmtp", "immutableId")
ONPREM_FIELDS = ("dn", "upn", "sam", "displayName", "givenName", "sn", "mail", "primarySmtp", "anchor")
# Lists shown in full on the page; longer ones are cut (the users table filters cover the rest).
LIST_LIMIT = 200

_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                 0x2028: "\\u2028", 0x2029: "\\u2029"}
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
_DN_CUT = re.compile(r"(?<!\\),")
_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@\s]*@", re.IGNORECASE)


def render_html(results: dict, path) -> None:
    """Write the report for a results dict (SPEC §6) to path."""
    Path(path).write_bytes(render_html_string(results).encode("utf-8", "replace"))


def render_html_string(results: dict, *, compress: bool | None = None) -> str:
    """The report as a string; compress None decides by size, True/False forces it (tests)."""
    checks = _checks(results)
    data, seen = pack(results, checks)
    if compress is None:
        compress = sum(map(len, data["S"][1:])) + 8 * len(data["ints"]) > COMPRESS_ABOVE
    if compress:
        payload = base64.b64encode(gzip.compress(_binary(data), 6, mtime=0)).decode("ascii")
        encoding = "gzip-base64"
    else:
        plain = dict(data, ints=data["offsets"].tolist() + data["ints"].tolist())
        del plain["offsets"]
        payload = json.dumps(plain, ensure_ascii=True, separators=(",", ":"), allow_nan=False).translate(_JSON_ESCAPES)
        encoding = "json"
    script = _asset("report.js")
    css = _asset("report.css")
    context = _context(results, checks, seen)
    context.update(
        css=Markup(css),
        script=Markup(script),
        script_hash=base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii"),
        payload=Markup(payload),
        encoding=encoding,
    )
    return _environment().get_template("report.html.j2").render(context)


def _binary(data: dict) -> bytes:
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


def _asset(name: str) -> str:
    """A static file inlined verbatim; one containing "</" could end its element early, so refuse it."""
    content = (TEMPLATES / name).read_text(encoding="utf-8")
    if "</" in content:
        raise ValueError(f"{name} must not contain '</'")
    return content


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda n: f"{int(n or 0):,}"
    env.filters["pct"] = percent
    env.filters["safe_url"] = safe_url
    return env


def safe_url(url) -> str | None:
    """Only http(s) references become links; anything else (javascript:, data:) is shown as text."""
    url = str(url or "").strip()
    return url if re.match(r"^https?://", url, re.IGNORECASE) else None


def _checks(results: dict) -> list[dict]:
    """Check metadata in report order (the selected ones when the results say which)."""
    selected = results.get("selected")
    checks = [dict(c) for c in results.get("checks") or [] if isinstance(c, dict) and c.get("id")]
    if selected:
        wanted = set(selected)
        checks = [c for c in checks if c["id"] in wanted] or checks
    for c in checks:
        _complete(c)
    return checks


def _complete(check: dict) -> dict:
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
        found = self[value] = len(self.table)
        self.table.append(value if isinstance(value, str) else str(value))
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
    for name in fields:
        value = get(name)
        if name == "dn":
            out += map(s.__getitem__, _split_dn(str(value)) if value is not None else (None, None))
        else:
            out.append(s[value if value is None or type(value) is str else str(value)])
    out.append(_flag(get(flag)))
    _proxies(s, get("proxyAddresses"), out)


def _readiness(subject: dict) -> str:
    if subject.get("already_synchronized"):
        return "synced"
    value = subject.get("readiness")
    return value if value in READINESS else "blocked"


def _sort_key(subject: dict):
    rank = {"blocked": 0, "at-risk": 1, "ready": 2, "synced": 3}[_readiness(subject)]
    return rank, subject.get("kind") != "tenant", str(subject.get("subject") or "").lower()


def pack(results: dict, checks: list[dict]) -> tuple[dict, dict]:
    """The page's data (header, string table, subjects as one flat integer array), and counts.

    Subject i occupies ints[offsets[i]:offsets[i + 1]]: kind, readiness, result count, then per
    non-pass result, and per pass with a message (an advisory), (check, status, message, evidence,
    fix, waiver, baseline); subject, id; the
    cloud facts (present flag, then CLOUD_FIELDS, enabled flag, proxy count and (prefix, address)
    pairs); the on-prem facts likewise with the DN as two strings; then the passed checks as a
    count and indices, or -1 when they are exactly the kind's other checks. Strings are indices
    into S; flags are 1/0/-1 for true/false/unknown. Subjects come blocked first.

    One pass over results["subjects"], which may be a lazy sequence; the counts it returns
    (kinds, readiness, by_check) stand in where the summary lacks them. A check id found only in
    results gets a stub entry appended to checks.
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
    keyed = []
    for subject in results.get("subjects") or ():
        kind = subject.get("kind") if subject.get("kind") in kind_index else "cloud-user"
        ready = _readiness(subject)
        kinds[kind] += 1
        readiness[ready] += 1
        row = [kind_index[kind], ready_index[ready], 0]
        passed, failing = [], set()
        for cid, r in (subject.get("results") or {}).items():
            if type(r) is not dict:
                r = {"status": "error", "message": str(r)}
            c = cindex.get(cid)
            if c is None:
                c = cindex[cid] = len(checks)
                checks.append(_complete({"id": str(cid), "subject": None}))
                by_check.append([0] * len(STATUSES))
            status = r.get("status")
            if status not in status_index:
                status = "error"
            by_check[c][status_index[status]] += 1
            message = r.get("message")
            if status == "pass":
                passed.append(c)
                if not message:
                    continue      # a pass with a message is an advisory: it is packed to be shown
            else:
                failing.add(c)
            row += (c, status_index[status], s[message if message is None else str(message)],
                    s.json(r.get("evidence")), s.json(r.get("fix")), s.json(r.get("waiver")),
                    base_index.get(r.get("baseline"), 0))
            row[2] += 1
        name, sid = subject.get("subject"), subject.get("id")
        row += (s[name if name is None else str(name)], s[sid if sid is None else str(sid)])
        _facts(s, subject.get("cloud"), CLOUD_FIELDS, "accountEnabled", row)
        _facts(s, subject.get("onprem"), ONPREM_FIELDS, "enabled", row)
        passed.sort()
        if passed == [i for i in default[kind] if i not in failing]:
            row.append(-1)
        else:
            row.append(len(passed))
            row += passed
        keyed.append((_sort_key(subject), row))
    keyed.sort(key=lambda pair: pair[0])
    offsets, ints = array("i", [0]), array("i")
    for _, row in keyed:
        ints.extend(row)
        offsets.append(len(ints))
    data = {"format": FORMAT, "n": len(keyed), "S": s.table,
            "checks": [{k: c.get(k) for k in ("id", "title", "severity", "subject", "fix", "safety", "command")}
                       for c in checks],
            "statuses": STATUSES, "kinds": KINDS, "readiness": READINESS,
            "baseline": bool((results.get("summary") or {}).get("baseline")), "offsets": offsets, "ints": ints}
    seen = {"kinds": kinds, "readiness": readiness,
            "by_check": {c["id"]: dict(zip(STATUSES, n, strict=True)) for c, n in zip(checks, by_check, strict=True)}}
    return data, seen


def _bar(counts: dict, order, colors) -> list[dict]:
    """Segments of a 100-unit-wide stacked bar; tiny non-zero parts still get a visible sliver."""
    total = sum(counts.get(k, 0) for k in order)
    segments: list[dict] = []
    x = 0.0
    if not total:
        return segments
    widths = {k: (max(100.0 * counts.get(k, 0) / total, 0.6) if counts.get(k, 0) else 0.0) for k in order}
    scale = 100.0 / sum(widths.values())
    for k in order:
        if widths[k]:
            w = widths[k] * scale
            segments.append({"key": k, "x": round(x, 3), "w": round(w, 3), "n": counts.get(k, 0),
                             "color": colors[k], "pct": percent(counts.get(k, 0), total)})
            x += w
    return segments


def _clean_source(value) -> str:
    """A source as shown in the header: credentials in a URL's userinfo or query are dropped."""
    text = _USERINFO.sub(r"\1", str(value))
    return text.split("?", 1)[0]


def _when(value) -> str:
    try:
        stamp = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC)
        return stamp.strftime("%d %b %Y, %H:%M UTC")
    return stamp.strftime("%d %b %Y, %H:%M")


CHECK_COLORS = {"pass": "#2f855a", "fail": "#c53030", "error": "#742a2a", "waived": "#6b46c1", "skip": "#cbd5e0"}
WARN_COLORS = dict(CHECK_COLORS, fail="#d69e2e")
READY_COLORS = {"blocked": "#c53030", "at-risk": "#d69e2e", "ready": "#2f855a", "synced": "#a0aec0"}


def _context(results: dict, checks: list[dict], seen: dict) -> dict:
    summary = results.get("summary") or {}
    sources = results.get("sources") or {}
    people = people_of(results)
    cloud = people["cloud_users"]
    counts = {"ready": cloud.get("ready"), "at-risk": cloud.get("at_risk"), "blocked": cloud.get("blocked"),
              "synced": cloud.get("already_synchronized")}
    counts = {k: int(v or 0) for k, v in counts.items()}
    considered = counts["ready"] + counts["at-risk"] + counts["blocked"]
    unread = unread_counts(people)
    kinds = seen["kinds"]
    given: dict = summary["by_check"] if isinstance(summary.get("by_check"), dict) else {}
    for c in checks:
        counts_given = given.get(c["id"])
        c["counts"] = ({st: int(counts_given.get(st) or 0) for st in STATUSES} if isinstance(counts_given, dict)
                       else seen["by_check"][c["id"]])
        c["bar"] = _bar(c["counts"], ("pass", "fail", "error", "waived", "skip"),
                        WARN_COLORS if c["severity"] == "warning" else CHECK_COLORS)
        c["failing"] = c["counts"]["fail"] + c["counts"]["error"]
        c["unread"] = min(unread.get(c["id"], 0), c["counts"]["error"])
        c["blocking"] = c["failing"] - c["unread"]      # failures a fix can clear, not inputs not read
        c["references"] = [r for r in c.get("references") or [] if isinstance(r, dict)]
    baseline = summary.get("baseline") if isinstance(summary.get("baseline"), dict) else None
    waivers = []
    for w in results.get("waivers") or []:
        if isinstance(w, dict):
            subjects = [str(x) for x in w.get("subjects") or []]
            waivers.append(dict(w, subjects=subjects[:20], more=max(0, len(subjects) - 20)))
    extra_sources = {k: _clean_source(v) for k, v in sources.items() if k not in ("tenant", "domain")}
    selected = results.get("selected") or [c["id"] for c in checks]
    return {
        "tenant_id": sources.get("tenant") or "",
        "domain": sources.get("domain") or "",
        "generated": results.get("generated") or "",
        "generated_text": _when(results.get("generated")),
        "version": (results.get("tool") or {}).get("version") or "",
        "sources": extra_sources,
        "selected": selected,
        "counts": counts,
        "considered": considered,
        "kinds": kinds,
        "ready_bar": _bar(counts, ("blocked", "at-risk", "ready"), READY_COLORS),
        "checks": checks,
        "blocker_checks": [c for c in checks if c["severity"] == "blocker" and c["blocking"]
                           and c.get("subject") in ("cloud-user", None)],
        "lead": lead_line(cloud),
        "cloud_aside": cloud_aside(cloud, summary.get("out_of_scope")),
        "onprem_line": onprem_line(people["onprem_users"]),
        "onprem": people["onprem_users"],
        "tenant": people["tenant"],
        "unread_lines": [unread_line(e) for e in people["unread_checks"]],
        "coverage": _coverage_context(results),
        "waivers": waivers,
        "baseline": baseline and {
            "file": baseline.get("file") or "",
            "new": (baseline.get("new") or [])[:LIST_LIMIT], "new_total": len(baseline.get("new") or []),
            "fixed": (baseline.get("fixed") or [])[:LIST_LIMIT], "fixed_total": len(baseline.get("fixed") or []),
        },
        "list_limit": LIST_LIMIT,
    }


def _coverage_context(results: dict) -> dict | None:
    """Config, scope, what was read and not, and notes for the header (SPEC §8)."""
    coverage = coverage_of(results)
    if coverage is None:
        return None
    read, missing = collection_lines(coverage)
    return {"config": coverage.get("config"), "scope": scope_text(coverage), "read": read, "missing": missing,
            "notes": [str(n) for n in coverage.get("notes") or ()]}
