"""The report renderers: escaping, counts, valid XML, and size at 100k subjects."""
from __future__ import annotations

import base64
import copy
import gzip
import json
import re
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

import resultsgen  # noqa: E402
from reports import html, junit, markdown  # noqa: E402

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@pytest.fixture(scope="module")
def hostile():
    results = resultsgen.generate(300, seed=3, hostile=True, baseline=True, tenant_fail=True)
    blocked = [s for s in results["subjects"] if s["readiness"] == "blocked" and s.get("cloud")]
    for subject, name in zip(blocked, resultsgen.HOSTILE_NAMES):
        subject["cloud"]["displayName"] = name
    return results


def embedded(page: str) -> dict:
    """The data the page embeds, decoded the way report.js decodes it."""
    found = re.search(r'<script type="[^"]+" id="data" data-encoding="([^"]+)">(.*?)</script>', page, re.S)
    encoding, body = found.groups()
    if encoding == "json":
        data = json.loads(body)
        n = data["n"]
        data["offsets"], data["ints"] = data["ints"][: n + 1], data["ints"][n + 1:]
        return data
    raw = gzip.decompress(base64.b64decode(body))
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


def subjects(data: dict) -> list[dict]:
    """Every packed subject decoded, following the layout documented in reports.html.pack."""
    S, ints = data["S"], data["ints"]

    def text(i):
        return S[i] if i > 0 else None

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
            c, st, msg, ev, fix = ints[p: p + 5]
            u["results"][data["checks"][c]["id"]] = {"status": data["statuses"][st], "message": text(msg),
                                                     "evidence": json.loads(text(ev)) if ev else None,
                                                     "fix": json.loads(text(fix)) if fix else None}
            p += 7
        u["subject"], u["id"], p = text(ints[p]), text(ints[p + 1]), p + 2
        if ints[p]:
            u["cloud"] = dict(zip(html.CLOUD_FIELDS, map(text, ints[p + 1: p + 8])))
            u["cloud"]["accountEnabled"] = {1: True, 0: False, -1: None}[ints[p + 8]]
            u["cloud"]["proxyAddresses"], p = proxies(p + 9)
        else:
            p += 1
        if ints[p]:
            dn = (text(ints[p + 1]) or "") + (text(ints[p + 2]) or "")
            u["onprem"] = dict(zip(html.ONPREM_FIELDS[1:], map(text, ints[p + 3: p + 11])), dn=dn)
            u["onprem"]["enabled"] = {1: True, 0: False, -1: None}[ints[p + 11]]
            u["onprem"]["proxyAddresses"], p = proxies(p + 12)
        else:
            p += 1
        u["passes"] = None if ints[p] < 0 else ints[p + 1: p + 1 + ints[p]]
        assert p + 1 + max(ints[p], 0) == data["offsets"][i + 1]
        out.append(u)
    return out


# ---- Markdown ----

def test_markdown_counts_and_commands(hostile):
    text = markdown.render_markdown(hostile)
    s = hostile["summary"]
    c = s["cloud_users"]
    total = c["ready"] + c["at_risk"] + c["blocked"]
    assert f"{c['ready']:,} of {total:,} cloud users ready, {c['blocked']:,} blocked, {c['at_risk']:,} at risk" in text
    assert f"| {total:,} | {c['blocked']:,} ({markdown.percent(c['blocked'], total)}) |" in text
    assert "`syncready fix --select proxy-superset` |" in text
    assert "`syncready fix --select cloud-only --unsafe`" in text
    row = next(line for line in text.splitlines() if line.startswith("| `upn-unique`"))
    assert row.endswith("| manual |") and "syncready fix" not in row
    assert f"- **{len(s['baseline']['new']):,}** new failures" in text
    assert f"- **{len(s['baseline']['fixed']):,}** fixed" in text
    assert "1 expired" in text


def test_markdown_escapes_values(hostile):
    text = markdown.render_markdown(hostile, max_blocked=1000)
    assert "<img" not in text and "<script" not in text and "</script" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "Pipe \\| Table \\| Breaker" in text
    assert "[link](javascript" not in text
    tables = re.findall(r"(?m)(?:^\|.*\n)+", text)
    assert len(tables) == 3
    for table in tables:
        widths = {len(UNESCAPED_PIPE.findall(line)) for line in table.splitlines()}
        assert len(widths) == 1, table


def test_markdown_lists_first_blocked(hostile):
    text = markdown.render_markdown(hostile, max_blocked=5)
    blocked = [s for s in hostile["subjects"] if s["readiness"] == "blocked" and not s.get("already_synchronized")]
    assert f"### Blocked subjects (first 5 of {len(blocked):,})" in text
    section = text.split("### Blocked subjects")[1].split("###")[0]
    assert len([line for line in section.splitlines() if line.startswith("| ") and "Subject" not in line]) == 5
    first = blocked[0]
    failing = [cid for cid, r in first["results"].items() if r["status"] in ("fail", "error")]
    assert f"`{failing[0]}`" in section


def test_markdown_ready_and_empty():
    results = resultsgen.generate(20, seed=9)
    for s in results["subjects"]:
        s["results"] = {cid: {"status": "pass"} for cid in s["results"]}
        s["readiness"] = "ready"
    results["summary"].update(ready=len(results["subjects"]), at_risk=0, blocked=0)
    del results["summary"]["cloud_users"]
    text = markdown.render_markdown(results)
    assert "cloud users ready, 0 blocked, 0 at risk** — every selected check passes" in text
    assert "Blocked subjects" not in text
    assert markdown.render_markdown({}).startswith("## Directory sync readiness")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_markdown_escape_is_one_inert_cell(value):
    cell = markdown.escape(value, limit=10_000)
    assert "\n" not in cell and "\r" not in cell
    assert "<" not in cell and ">" not in cell
    assert not UNESCAPED_PIPE.search(cell)
    assert not re.search(r"(?<!\\)[`*_\[\]]", cell)


# ---- JUnit ----

def _junit(results, tmp_path) -> ET.Element:
    path = tmp_path / "junit.xml"
    junit.write_junit(results, path)
    return ET.parse(path).getroot()


def test_junit_groups_by_check(hostile, tmp_path):
    root = _junit(hostile, tmp_path)
    overview, *rest = root.findall("testsuite")
    assert overview.get("tests") == "0" and overview.get("name") == root.get("name")
    assert overview.get("name").startswith("syncready: ") and " cloud users ready, " in overview.get("name")
    suites = {s.get("name"): s for s in rest}
    by_check = hostile["summary"]["by_check"]
    assert set(suites) == {cid for cid, n in by_check.items() if any(n.values())}
    for cid, suite in suites.items():
        n = by_check[cid]
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert {c.get("classname") for c in cases} == {cid}
        assert len(suite.findall("testcase/failure")) == n["fail"] == int(suite.get("failures"))
        assert len(suite.findall("testcase/error")) == n["error"] == int(suite.get("errors"))
        props = {p.get("name"): p.get("value") for p in suite.find("properties")}
        assert int(props["subjects-pass"]) == n["pass"]
        assert int(props["subjects-skip"]) == n["skip"]
        if n["pass"]:
            assert cases[-1].get("name") == f"{n['pass']:,} subjects passed"
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in suites.values())
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites.values())


def test_junit_failure_carries_message_evidence_and_fix(hostile, tmp_path):
    root = _junit(hostile, tmp_path)
    subject = next(s for s in hostile["subjects"] if s["results"].get("mail-primary-smtp", {}).get("status") == "fail")
    case = root.find(f"testsuite[@name='mail-primary-smtp']/testcase[@name='{subject['subject']}']")
    failure = case.find("failure")
    result = subject["results"]["mail-primary-smtp"]
    assert failure.get("message") == result["message"]
    assert failure.get("type") == "blocker"
    assert result["evidence"]["onprem_mail"] in failure.text
    assert "fix (syncready fix --select mail-primary-smtp):" in failure.text
    assert f"onprem mail: {result['evidence']['onprem_mail']} -> " in failure.text


def test_junit_waived_and_skipped(hostile, tmp_path):
    root = _junit(hostile, tmp_path)
    waived = root.findall("testsuite[@name='no-admin-role']/testcase/skipped[@message]")
    notes = [w.get("message") for w in waived if w.get("message").startswith("waived: ")]
    assert notes and all("(expires 2027-03-31)" in m for m in notes)
    assert SCRIPT in notes[0]
    grouped = root.find("testsuite[@name='proxy-superset']/testcase/skipped[@message='no single on-premises counterpart']/..")
    assert grouped.get("name").endswith("subjects skipped: no single on-premises counterpart")
    listed = grouped.find("system-out").text.splitlines()
    expected = [s["subject"] for s in hostile["subjects"]
                if s["results"].get("proxy-superset", {}).get("message") == "no single on-premises counterpart"]
    assert listed == expected


def test_junit_escapes_and_strips_control_characters(tmp_path):
    results = resultsgen.generate(5, seed=2)
    s = results["subjects"][0]
    s["subject"] = 'a"b<c>&d\x00e\x1bf\ud800'
    s["results"]["upn-exists"] = {"status": "error", "message": "boom \x07 ]]> <![CDATA[ x",
                                  "evidence": {"k\x01": "v\x0c", "n": [1, None]}}
    root = _junit(results, tmp_path)
    case = root.find("testsuite[@name='upn-exists']/testcase/error/..")
    assert case.get("name") == 'a"b<c>&d\\x00e\\x1bf\\ud800'
    assert case.find("error").get("message") == "boom \\x07 ]]> <![CDATA[ x"
    assert "k\\x01: v\\x0c" in case.find("error").text


@settings(max_examples=150, deadline=None)
@given(st.text(), st.text())
def test_junit_any_text_is_valid_xml(tmp_path_factory, subject, message):
    results = resultsgen.generate(2, seed=1)
    results["subjects"][0]["subject"] = subject
    results["subjects"][0]["results"]["attribute-drift"] = {"status": "fail", "message": message,
                                                            "evidence": {message: subject}}
    path = tmp_path_factory.mktemp("j") / "j.xml"
    junit.write_junit(results, path)
    case = ET.parse(path).getroot().find("testsuite[@name='attribute-drift']/testcase/failure/..")
    assert case.get("name") == junit._legal(subject)


# ---- HTML ----

def test_html_escapes_everything(hostile, tmp_path):
    for compress in (False, True):
        page = html.render_html_string(hostile, compress=compress)
        assert "<img" not in page
        assert page.count("</script>") == 2
        assert "alert(1)</script>" not in page
        assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
        names = {u["cloud"]["displayName"] for u in subjects(embedded(page)) if u.get("cloud")}
        assert IMG in names and SCRIPT in names


def test_html_is_self_contained(hostile):
    page = html.render_html_string(hostile)
    assert "default-src 'none'" in page
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page, re.I)
    assert not re.search(r"<[^>]*\bsrc\s*=", page, re.I)
    assert "@import" not in page and "url(" not in page
    assert not re.search(r"""(?i)\b(fetch|XMLHttpRequest|innerHTML|outerHTML|insertAdjacentHTML|eval)\s*\(""",
                         (html.TEMPLATES / "report.js").read_text())
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert hrefs and all(h.startswith("#") or h.startswith("https://learn.microsoft.com/") for h in hrefs)


def test_html_script_hash_matches_csp(hostile):
    import hashlib

    page = html.render_html_string(hostile)
    script = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(script) == 1
    digest = base64.b64encode(hashlib.sha256(script[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page


def test_html_reference_urls_only_http(hostile):
    results = copy.deepcopy(hostile)
    results["checks"][0]["references"] = [{"title": "evil", "url": "javascript:alert(1)"},
                                          {"title": "ok", "url": "https://learn.microsoft.com/x"}]
    page = html.render_html_string(results)
    assert 'href="javascript:' not in page
    assert 'href="https://learn.microsoft.com/x"' in page


def test_html_header_summary_and_sources(hostile):
    results = copy.deepcopy(hostile)
    results["sources"]["onprem"] = "ldaps://admin:S3cret@dc1.contoso.com/?password=x"
    page = html.render_html_string(results)
    assert "S3cret" not in page and "password=x" not in page
    assert "ldaps://dc1.contoso.com/" in page
    assert resultsgen.TENANT_ID in page and "27 Nov 2026, 09:00 UTC" in page and "0.1.0" in page
    s = results["summary"]
    c = s["cloud_users"]
    total = c["ready"] + c["at_risk"] + c["blocked"]
    for key in ("ready", "at_risk", "blocked"):
        assert f'<div class="card-value">{c[key]:,}</div><div class="card-pct">{markdown.percent(c[key], total)}' in page
    assert "<code class=\"cmd\">syncready fix --select attribute-valid --unsafe</code>" in page
    assert "expired — failures count again" in page
    assert f"New failures</div><div class=\"card-value\">{len(s['baseline']['new']):,}" in page


@pytest.mark.parametrize("compress", [False, True])
def test_html_packing_round_trips(hostile, compress):
    data = embedded(html.render_html_string(hostile, compress=compress))
    decoded = subjects(data)
    assert len(decoded) == len(hostile["subjects"])
    by_subject = {s["subject"]: s for s in hostile["subjects"]}
    for u in decoded:
        original = by_subject[u["subject"]]
        assert u["id"] == original["id"] and u["kind"] == original["kind"]
        non_pass = {cid: r for cid, r in original["results"].items() if r["status"] != "pass"}
        assert {cid: r["status"] for cid, r in u["results"].items()} == {cid: r["status"] for cid, r in non_pass.items()}
        for cid, r in non_pass.items():
            assert u["results"][cid]["message"] == r.get("message")
            assert u["results"][cid]["evidence"] == r.get("evidence")
            assert u["results"][cid]["fix"] == r.get("fix")
        for side in ("cloud", "onprem"):
            assert u.get(side) == original.get(side)
        assert u["passes"] is None
    order = [u["readiness"] for u in decoded]
    assert order[0] == "blocked" and order[-1] == "synced"


def test_html_tolerates_sparse_results(tmp_path):
    results = {"schema": "syncready/results/1", "subjects": [
        {"subject": "x@contoso.com", "kind": "cloud-user", "readiness": "blocked",
         "onprem": {"dn": "CN=a\\,b,OU=x\x01y", "proxyAddresses": ["noprefix", "X500:/o=a:b"]},
         "results": {"made-up": {"status": "error", "message": "crashed"}, "upn-exists": {"status": "pass"}}},
        {"subject": "y@contoso.com", "kind": "cloud-user", "readiness": "ready", "results": {}}]}
    path = tmp_path / "r.html"
    html.render_html(results, path)
    page = path.read_text()
    assert "made-up" in page
    for compress in (False, True):
        u, empty = subjects(embedded(html.render_html_string(results, compress=compress)))
        assert u["results"] == {"made-up": {"status": "error", "message": "crashed", "evidence": None, "fix": None}}
        assert u["onprem"]["dn"] == "CN=a\\,b,OU=x\x01y"
        assert u["onprem"]["proxyAddresses"] == ["noprefix", "X500:/o=a:b"]
        assert u["passes"] == [1] and "cloud" not in u
        assert empty["passes"] is None and empty["results"] == {}


class Lazy:
    """Subjects made as they are iterated, as the engine hands them over; counts the passes."""

    def __init__(self, items):
        self.items, self.passes = items, 0

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        self.passes += 1
        return (copy.deepcopy(s) for s in self.items)


def test_renderers_read_lazy_subjects_once(hostile, tmp_path):
    results = dict(hostile, subjects=Lazy(hostile["subjects"]))
    html.render_html(results, tmp_path / "r.html")
    assert results["subjects"].passes == 1
    junit.write_junit(results, tmp_path / "r.xml")
    assert results["subjects"].passes == 2
    assert markdown.render_markdown(results) == markdown.render_markdown(hostile)
    assert (tmp_path / "r.html").read_text() == html.render_html_string(hostile)


def test_html_100k_subjects_under_25_mb(tmp_path):
    results = resultsgen.generate(100_000, seed=11, baseline=True)
    path = tmp_path / "big.html"
    html.render_html(results, path)
    size = path.stat().st_size
    print(f"100k-subject report: {size / 1e6:.1f} MB")
    assert size <= 25_000_000
    assert 'data-encoding="gzip-base64"' in path.read_text()
