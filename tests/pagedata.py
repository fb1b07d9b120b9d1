"""The HTML report's embedded data decoded in Python, following reports/html_data.py's layout, so
tests can read what a page holds (and pin it) without a browser."""
from __future__ import annotations

import base64
import gzip
import json
import re
import struct

from syncready.reports import html


def _data_element(page: str) -> tuple[str, str]:
    found = re.search(r'<script type="[^"]+" id="data" data-encoding="([^"]+)">(.*?)</script>', page, re.DOTALL)
    assert found, "no embedded data"
    return found.group(1), found.group(2)


def inflated(page: str) -> bytes:
    """A gzip'd page's payload inflated: what binary() wrote."""
    encoding, body = _data_element(page)
    assert encoding == "gzip-base64", encoding
    return gzip.decompress(base64.b64decode(body))


def searched_end(raw: bytes) -> int | None:
    """Where in an inflated payload the other strings (S) start: the byte of the header's
    `searched`-th U+0001 after the integers; None when the strings are not split."""
    (head_len,) = struct.unpack_from("<I", raw)
    head = json.loads(raw[4: 4 + head_len])
    if head["strings"] != "split":
        return None
    last = 4 + head_len + 4 * head["n"]
    (count,) = struct.unpack_from("<i", raw, last)
    at = last + 4 + 4 * count - 1
    for _ in range(head["searched"]):
        at = raw.index(b"\x01", at + 1)
    return at


def embedded(page: str) -> dict:
    """The data the page embeds, decoded the way report.js decodes it: S is the one string table
    (the searched strings first when the header says how many)."""
    encoding, body = _data_element(page)
    if encoding == "json":
        data = json.loads(body)
        n = data["n"]
        data["offsets"], data["ints"] = data["ints"][: n + 1], data["ints"][n + 1:]
        return data
    raw = inflated(page)
    (head_len,) = struct.unpack_from("<I", raw)
    data = json.loads(raw[4: 4 + head_len])
    pos = 4 + head_len
    n = data["n"]
    data["offsets"] = list(struct.unpack_from(f"<{n + 1}i", raw, pos))
    pos += 4 * (n + 1)
    data["ints"] = list(struct.unpack_from(f"<{data['offsets'][n]}i", raw, pos))
    strings = raw[pos + 4 * data["offsets"][n]:].decode("utf-8")
    data["S"] = strings.split("\x01") if data["strings"] == "split" else json.loads(strings)
    return data


def text_of(data: dict):
    """The string an id in the integers stands for: a searched string's id is negative (its place in
    S), any other's positive (after the searched ones), 0 none."""
    S, searched = data["S"], data.get("searched", 0)

    def text(i):
        return S[-i] if i < 0 else S[searched + i] if i > 0 else None

    return text


def subjects(data: dict, complete: bool = False) -> list[dict]:
    """Every packed subject decoded, following the layout documented in reports.html.pack; complete
    adds what the drilldown and the CSV export read besides (waiver, baseline, hint, department)."""
    ints, text = data["ints"], text_of(data)

    def proxies(p):
        count = ints[p]
        return [(text(ints[p + 1 + 2 * k]) or "") + (text(ints[p + 2 + 2 * k]) or "") for k in range(count)], \
            p + 1 + 2 * count

    out = []
    for i in range(data["n"]):
        p = data["offsets"][i]
        u = {"kind": data["kinds"][ints[p]], "readiness": data["readiness"][ints[p + 1]], "results": {}}
        count, p = ints[p + 2], p + 3
        for _ in range(count):
            c, st, msg, ev, fix, waiver, base = ints[p: p + 7]
            result = u["results"][data["checks"][c]["id"]] = {
                "status": data["statuses"][st], "message": text(msg),
                "evidence": json.loads(text(ev)) if ev else None, "fix": json.loads(text(fix)) if fix else None}
            if complete:
                result.update(waiver=json.loads(text(waiver)) if waiver else None, baseline=base)
            p += 7
        u["subject"], u["id"], p = text(ints[p]), text(ints[p + 1]), p + 2
        if ints[p]:
            u["cloud"] = dict(zip(html.CLOUD_FIELDS, map(text, ints[p + 1: p + 8]), strict=False))
            u["cloud"]["accountEnabled"] = {1: True, 0: False, -1: None}[ints[p + 8]]
            u["cloud"]["proxyAddresses"], p = proxies(p + 9)
        else:
            p += 1
        if ints[p]:
            dn = None if not ints[p + 1] else (text(ints[p + 1]) or "") + (text(ints[p + 2]) or "")
            u["onprem"] = dict(zip(html.ONPREM_FIELDS[1:], map(text, ints[p + 3: p + 11]), strict=False), dn=dn)
            u["onprem"]["enabled"] = {1: True, 0: False, -1: None}[ints[p + 11]]
            u["onprem"]["proxyAddresses"], p = proxies(p + 12)
        else:
            p += 1
        u["passes"] = None if ints[p] < 0 else ints[p + 1: p + 1 + ints[p]]
        p += 1 + max(ints[p], 0)      # then the worklist's extras: the department, a hint per packed result
        if complete:
            u["department"] = text(ints[p])
            hints = [text(h) for h in ints[p + 1: p + 1 + count]]
            for result, hint in zip(u["results"].values(), hints, strict=True):
                result["hint"] = hint
        assert p + 1 + count == data["offsets"][i + 1]
        out.append(u)
    return out


def said(data: dict) -> str:
    """What embedded data says, apart from how it is packed: the header's fields (not the string
    layout's) and every subject decoded in full, as one JSON text."""
    head = {k: v for k, v in data.items() if k not in ("S", "ints", "offsets", "strings", "searched", "format")}
    return json.dumps([head, subjects(data, complete=True)], sort_keys=True, ensure_ascii=False)


def digest_input(page: str) -> str:
    """said() of a page's embedded data."""
    return said(embedded(page))
