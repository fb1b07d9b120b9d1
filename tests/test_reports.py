"""The report renderers: escaping, counts, valid XML, and size at 100k subjects."""
from __future__ import annotations

import base64
import copy
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

import resultsgen
from pagedata import embedded, said, subjects

from syncready.reports import html, junit, markdown
from syncready.breakdown import breakdowns
from syncready.results import read_results

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@pytest.fixture(scope="module")
def hostile():
    results = resultsgen.generate(300, seed=3, hostile=True, baseline=True, tenant_fail=True)
    blocked = [s for s in results["subjects"] if s["readiness"] == "blocked" and s.get("cloud")]
    for subject, name in zip(blocked, resultsgen.HOSTILE_NAMES, strict=False):
        subject["cloud"]["displayName"] = name
    return results


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
    assert len(tables) == 3 + len(breakdowns(hostile))     # people, checks, blocked; one per breakdown
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
    grouped = root.find("testsuite[@name='proxy-superset']/testcase"
                        "/skipped[@message='no single on-premises counterpart']/..")
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
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page, re.IGNORECASE)
    assert not re.search(r"<[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert "@import" not in page and "url(" not in page
    assert not re.search(r"""(?i)\b(fetch|XMLHttpRequest|innerHTML|outerHTML|insertAdjacentHTML|eval)\s*\(""",
                         (html.TEMPLATES / "report.js").read_text() + (html.TEMPLATES / "search.js").read_text())
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert hrefs and all(h.startswith(("#", "https://learn.microsoft.com/")) for h in hrefs)


def test_html_script_hash_matches_csp(hostile):
    import hashlib

    page = html.render_html_string(hostile)
    script = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
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
        assert (f'<div class="card-value">{c[key]:,}</div>'
                f'<div class="card-pct">{markdown.percent(c[key], total)}') in page
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
        assert ({cid: r["status"] for cid, r in u["results"].items()}
                == {cid: r["status"] for cid, r in non_pass.items()})
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


@pytest.mark.slow  # a real-size report, ~20 s: outside the unit tier
def test_html_100k_subjects_under_25_mb(tmp_path):
    """100k cloud users and, as the engine lists them, their AD users as subjects of their own."""
    results = resultsgen.generate(100_000, seed=11, baseline=True, pairs=True)
    path = tmp_path / "big.html"
    html.render_html(results, path)
    size = path.stat().st_size
    print(f"100k-subject report: {size / 1e6:.1f} MB")
    assert size <= 25_000_000
    assert 'data-encoding="gzip-base64"' in path.read_text()


# ---- people, not subjects (SPEC §9) and coverage (SPEC §8), from the real engine ----

def _people_run(n=6, orphans=2, scope=None, waivers=(), features=None, coverage=None, config_path=None):
    """n people, each a cloud user and its AD user, every one blocked (an alias missing on-prem),
    plus AD users with no cloud match."""
    from builders import cloud, directory, onprem

    from syncready.config import Config, Scope
    from syncready.engine import Engine

    users, ad = [], []
    for i in range(n):
        upn = f"user{i}@contoso.com"
        users.append(cloud(upn, proxies=(f"SMTP:{upn}", f"smtp:alias{i}@contoso.com")))
        ad.append(onprem(upn))
    ad += [onprem(f"svc{i}@contoso.com", cn=f"Service {i}") for i in range(orphans)]
    kw = {"features": features} if features is not None else {}
    if coverage is not None:
        kw["coverage"] = coverage
    d = directory(users, ad, tenant_id=resultsgen.TENANT_ID, roles_known=True, **kw)
    config = Config(path=config_path, scope=scope or Scope(), waivers=tuple(waivers))
    return Engine(d, config).run()


def _doc(run):
    from syncready.results import results_document

    doc = results_document(run)
    return dict(doc, subjects=list(doc["subjects"]))


def _terminal(doc) -> str:
    import io

    from syncready.reports.terminal import print_summary

    out = io.StringIO()
    print_summary(doc, out)
    return out.getvalue()


def test_summary_counts_people_not_subjects():
    doc = _doc(_people_run(n=6, orphans=2))
    s = doc["summary"]
    assert (s["blocked"], s["ready"], s["at_risk"]) == (6, 7, 2)     # every subject, as before
    assert s["cloud_users"] == {"total": 6, "ready": 0, "at_risk": 0, "blocked": 6, "could_not_check": 0,
                                "already_synchronized": 0, "out_of_scope": 0}
    onprem = s["onprem_users"]
    assert (onprem["total"], onprem["matched"], onprem["new_cloud_users"]) == (8, 6, 2)
    assert s["tenant"]["total"] == 1 and s["tenant"]["ready"] == 1 and not s["tenant"]["blockers"]


def test_every_output_leads_with_cloud_users(tmp_path):
    doc = _doc(_people_run(n=6, orphans=2))
    lead = "0 of 6 cloud users ready, 6 blocked, 0 at risk"
    apart = "2 AD users would create new cloud users (6 of 8 in scope match a cloud user)"
    text = _terminal(doc)
    assert lead in text and apart in text and "subjects" not in text.split("CHECK")[0]
    md = markdown.render_markdown(doc)
    first = next(line for line in md.splitlines() if line.startswith("**"))
    assert lead in first and "subjects" not in first
    assert apart in md and "| 6 | 6 (100%) | 0 (0%) | 0 (0%) | 0 |" in md
    page = html.render_html_string(doc)
    verdict = re.search(r'<p class="verdict[^"]*" id="lead">(.*?)</p>', page, re.DOTALL).group(1)
    assert lead in verdict
    assert '<div class="card-value">6</div><div class="card-pct">100%</div>' in page
    assert apart in page and "without a cloud match candidate" not in page
    root = _junit(doc, tmp_path)
    assert root.get("name") == f"syncready: {lead}"
    props = {p.get("name"): p.get("value") for p in root.find("testsuite").iter("property")}
    assert props["cloud-users-blocked"] == "6" and props["ad-users-new-cloud-users"] == "2"


def test_tenant_blocker_is_a_banner(tmp_path):
    from syncready.model import SyncFeatures

    features = SyncFeatures(block_soft_match=True, block_cloud_object_takeover_through_hard_match=True)
    doc = _doc(_people_run(n=3, orphans=0, features=features))
    tenant = doc["summary"]["tenant"]
    assert tenant["blocked"] == 1 and tenant["blockers"][0]["check"] == "tenant-sync-features"
    banner = "soft match is blocked for the whole tenant"
    assert tenant["blockers"][0]["banner"].startswith(banner)
    assert f"TENANT BLOCKER: {banner}" in _terminal(doc)
    assert f"> :no_entry: **Tenant blocker: {banner}" in markdown.render_markdown(doc)
    page = html.render_html_string(doc)
    assert re.search(r'<p class="banner banner-tenant" role="alert"><strong>Tenant blocker:</strong> ' + banner, page)
    props = [(p.get("name"), p.get("value")) for p in _junit(doc, tmp_path).find("testsuite").iter("property")]
    assert ("tenant-blocked", "1") in props and any(k == "tenant-blocker" and banner in v for k, v in props)


def _unread_doc():
    """roleAssignments not read: no-admin-role is `error` with the unread marker for everyone, while
    proxy-superset really fails for all."""
    from syncready.checkapi import Result

    run = _people_run(n=5, orphans=0)
    phrase = "roleAssignments (no file cloud/roleAssignments.json; export it with Save-Graph)"
    for subject in run.subjects:
        if subject.kind == "cloud-user":
            subject.results["no-admin-role"] = Result("error", f"not read: {phrase}", {"unread": [phrase]})
    return _doc(run)


def test_unread_inputs_are_could_not_check_not_the_main_blocker(tmp_path):
    doc = _unread_doc()
    s = doc["summary"]
    phrase = "roleAssignments (no file cloud/roleAssignments.json; export it with Save-Graph)"
    assert s["unread_checks"] == [{"check": "no-admin-role", "kind": "cloud-user", "subjects": 5, "unread": [phrase]}]
    assert s["cloud_users"]["could_not_check"] == 5 and s["cloud_users"]["ready"] == 0
    line = ("could not check: roleAssignments not read (no file cloud/roleAssignments.json; export it with "
            "Save-Graph) — no-admin-role for 5 cloud users")
    assert line in _terminal(doc)
    assert markdown.escape(line, 1000) in markdown.render_markdown(doc)
    page = html.render_html_string(doc)
    assert f'<p class="unread" role="note">{line}</p>' in page
    verdict = re.search(r'<p class="verdict[^"]*" id="lead">(.*?)</p>', page, re.DOTALL).group(1)
    assert "proxy-superset" in verdict and "no-admin-role" not in verdict
    props = [(p.get("name"), p.get("value")) for p in _junit(doc, tmp_path).find("testsuite").iter("property")]
    assert ("could-not-check", line) in props


def _coverage_run():
    from syncready.config import Scope, Waiver
    from syncready.coverage import Coverage

    cov = Coverage.from_reader()
    cov.read("users", 6, source="snap/cloud/users.json")
    cov.read("adUsers", 8, source="snap/onprem/ad.ldif")
    for name in ("roleAssignments", "groups", "contacts", "domains", "sync", "groupMembers", "adGroups", "adContacts"):
        cov.read(name, 0)
    cov.not_read("roleEligibilitySchedules", "no file cloud/roleEligibilitySchedules.json",
                 how="export roleManagement/directory/roleEligibilitySchedules")
    cov.notes.append("every user with a mailbox has no proxyAddresses")
    scope = Scope(include=("OU=Staff,DC=contoso,DC=test", "OU=Nowhere,DC=contoso,DC=test"),
                  exclude=("OU=Gone,OU=Staff,DC=contoso,DC=test",))
    waivers = (Waiver("upn-unique", ("ghost@contoso.com",), "left in 2025"),
               Waiver("upn-unique", ("user1@contoso.com",), "shared mailbox"))
    return _people_run(n=3, orphans=1, scope=scope, waivers=waivers, coverage=cov, config_path="snap/syncready.toml")


NOTES = ("scope include OU OU=Nowhere,DC=contoso,DC=test matches no AD object",
         "scope exclude OU OU=Gone,OU=Staff,DC=contoso,DC=test matches no AD object",
         "waiver for upn-unique (ghost@contoso.com) matches no subject in this run",
         "waiver for upn-unique (user1@contoso.com) waived nothing")


def test_coverage_in_results_json():
    cov = _doc(_coverage_run())["coverage"]
    assert cov["config"] == "snap/syncready.toml"
    assert cov["scope"]["include"] == ["OU=Staff,DC=contoso,DC=test", "OU=Nowhere,DC=contoso,DC=test"]
    assert cov["scope"]["unmatched"] == ["OU=Nowhere,DC=contoso,DC=test", "OU=Gone,OU=Staff,DC=contoso,DC=test"]
    assert cov["collections"]["users"] == {"status": "read", "count": 6, "source": "snap/cloud/users.json"}
    assert cov["collections"]["roleEligibilitySchedules"]["status"] == "not-read"
    assert cov["notes"][0] == "every user with a mailbox has no proxyAddresses"
    for note in NOTES:
        assert any(n.startswith(note) for n in cov["notes"]), note
    assert _doc(_people_run())["coverage"]["config"] is None


def test_coverage_in_every_output(tmp_path):
    doc = _doc(_coverage_run())
    text = _terminal(doc)
    header = text.split("CHECK")[0]
    assert "Config: snap/syncready.toml" in header
    assert "Scope: include OU=Staff,DC=contoso,DC=test; OU=Nowhere,DC=contoso,DC=test, exclude OU=Gone" in header
    read = " ".join(header.split("Read: ")[1].split("Not read:")[0].split())     # wrapped to the terminal
    assert "users 6 (snap/cloud/users.json)" in read and "adUsers 8 (snap/onprem/ad.ldif)" in read
    assert "Not read: roleEligibilitySchedules: no file cloud/roleEligibilitySchedules.json (export " in header
    md = markdown.render_markdown(doc).split("### What was read")[1].split("###")[0]
    assert "- Config: snap/syncready.toml" in md and "- **Not read:** roleEligibilitySchedules" in md
    page = html.render_html_string(doc)
    assert '<dd class="mono" id="config-used">snap/syncready.toml</dd>' in page
    assert '<p class="cov-missing"><span class="cov-label">Not read</span> roleEligibilitySchedules' in page
    props = [(p.get("name"), p.get("value")) for p in _junit(doc, tmp_path).find("testsuite").iter("property")]
    assert ("config", "snap/syncready.toml") in props and ("read", "users 6 (snap/cloud/users.json)") in props
    for note in NOTES:
        assert note in header and markdown.escape(note, 1000) in md and note in page
        assert any(k == "note" and v.startswith(note) for k, v in props)
    assert "Config: none (defaults" in _terminal(_doc(_people_run()))


def test_scope_ous_that_match_are_not_reported():
    from syncready.config import Scope

    doc = _doc(_people_run(scope=Scope(include=("ou=staff, dc=contoso,dc=test",))))
    assert doc["coverage"]["scope"]["unmatched"] == [] and doc["coverage"]["notes"] == []


def test_old_results_files_still_render(tmp_path):
    from syncready.cli import main

    old = resultsgen.generate(60, seed=4, pairs=True, tenant_fail=True)
    expected = old["summary"]["cloud_users"]
    del old["coverage"]
    for key in ("cloud_users", "onprem_users", "tenant", "unread_checks", "out_of_scope"):
        del old["summary"][key]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["report", str(path), "--html", f"{out}.html", "--markdown", f"{out}.md", "--junit", f"{out}.xml"])
    assert code == 0
    c = expected
    lead = f"{c['ready']} of {c['ready'] + c['at_risk'] + c['blocked']} cloud users ready, {c['blocked']} blocked"
    md = Path(f"{out}.md").read_text()
    assert lead in md and "Not recorded (results from an older syncready)." in md
    assert "Tenant blocker: soft match is blocked for the whole tenant" in md
    page = Path(f"{out}.html").read_text()
    assert lead in page and "these results come from an older syncready" in page
    assert ET.parse(f"{out}.xml").getroot().get("name").startswith(f"syncready: {lead}")
    assert "Coverage: not recorded" in _terminal(old)


def test_terminal_escapes_directory_values():
    doc = _doc(_people_run(n=2, orphans=0))
    blocked = next(s for s in doc["subjects"] if s["readiness"] == "blocked")
    blocked["subject"] = "evil\x1b]0;pwned\x07@contoso.com"
    blocked["results"]["proxy-superset"]["message"] = "line\rhidden\x1b[2K"
    doc["coverage"]["notes"] = ["note \x1b[8mconcealed"]
    text = _terminal(doc)
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "evil\\x1b]0;pwned\\x07@contoso.com" in text and "line\\x0dhidden\\x1b[2K" in text


def _example_results(tmp_path) -> dict:
    """The engine's results for the bundled example tenant (two attribute-valid advisories)."""
    from syncready.cli import main

    example = Path(__file__).resolve().parent.parent / "examples" / "contoso"
    out = tmp_path / "example.json"
    assert main(["check", "--snapshot", str(example), "--json", str(out), "-q", "--fail-on", "never"]) == 0
    return read_results(out)


def test_markdown_shows_advisories_of_passing_results(tmp_path):
    doc = _example_results(tmp_path)
    sam = next(s for s in doc["subjects"] if s["subject"] == "sam.o'brien@contoso.com")
    advisory = sam["results"]["attribute-valid"]
    assert advisory["status"] == "pass" and advisory["message"].startswith("advisory: ")
    assert "1 value breaks a rule Microsoft states" in advisory["message"]
    md = markdown.render_markdown(doc)
    assert "### Advisories (2)" in md
    row = next(line for line in md.splitlines() if line.startswith("| sam.o'brien@contoso.com | `attribute-valid`"))
    assert "sAMAccountName" in row and "advisory: sync accepts" in row
    limited = markdown.render_markdown(doc, max_blocked=1)
    assert "### Advisories (first 1 of 2)" in limited


def test_html_packs_advisories_and_keeps_them_passed(tmp_path):
    doc = _example_results(tmp_path)
    data = embedded(html.render_html_string(doc))
    assert any(s.startswith("advisory: sync accepts the values of CN=Sam O'Brien") for s in data["S"] if s)


def test_html_names_every_subject_kind_from_one_table(hostile):
    """The page's kind labels and its kind filter come from SubjectKind, so a new kind needs one label."""
    from syncready.vocab import SubjectKind, values

    page = html.render_html_string(hostile, compress=False)
    data = embedded(page)
    assert data["kinds"] == list(values(SubjectKind))
    assert data["kindLabels"][:3] == ["Cloud user", "On-premises user", "Tenant"]
    assert all(label and label not in data["kinds"] for label in data["kindLabels"])
    options = re.search(r'<select id="f-kind">(.*?)</select>', page).group(1)
    found = re.findall(r'<option value="(\d*)">([^<]+)</option>', options)
    assert found[:4] == [("", "All"), ("0", "Cloud users"), ("1", "On-premises users"), ("2", "Tenant")]
    assert [int(i) for i, _ in found[1:]] == list(range(len(data["kinds"])))


def _odd_values(results: dict) -> dict:
    """Values a results file may hold that packing must treat exactly as before: numbers and
    booleans as text, lists and objects where a string belongs, the same outcome with its keys in
    another order, messages that are numbers, an outcome that is not an object."""
    doc = copy.deepcopy(results)
    cloud = [s for s in doc["subjects"] if s.get("cloud")]
    for subject, value in zip(cloud, (5, True, "1", 1.0), strict=False):
        subject["cloud"]["displayName"] = value
    cloud[4]["cloud"]["mail"] = ["a@b.c"]
    cloud[5]["cloud"]["givenName"] = {"x": 1}
    for k, subject in enumerate(cloud[6:40]):
        first = next(iter(subject["results"]))
        subject["results"][first] = {"message": "m", "status": "pass"} if k % 2 else {"status": "pass", "message": "m"}
    for subject, value in zip(cloud[40:52], [7] * 4 + [7.0] * 4 + ["broken"] * 4, strict=True):
        first = next(iter(subject["results"]))
        subject["results"][first] = value if value == "broken" else {"status": "skip", "message": value}
    return doc


# SHA-256 of the decoded payload (header, strings, integers) as this packing writes it (the searched
# strings apart, format 3), and of what it says (pagedata.said: every subject decoded in full), as
# the packing of 8e6ee25 and of every later commit up to 38fb0ae said it
PAYLOAD_DIGESTS = {
    ("hostile", False): "c2f2e9ee0923b215f65ebbd9307cb9343c76e3e7222b5f3a7d188ae317203e16",
    ("hostile", True): "bb18f278bb6e9da35f4e6552232be4ff191c29471fd3ccf050eadbcf73552095",
    ("odd values", False): "a7f46b8c41dfdc76d254652a632984bc3efa132c62b5767fa6d176edd9cf4310",
    ("odd values", True): "725cb7e5b4369e1072a5e66ea63d6a0ac70da9a4d9519cc239a76963a7f27bb2",
}
SAID_DIGESTS = {
    "hostile": "e4e603550329f8113aff35cb33a72a1a8e7f052f9e13b70aa11588f6303cba76",
    "odd values": "9cc9957c31161ed47569230f7328cafc248d93f2625caff02da19531716484ae",
}


@pytest.mark.parametrize("case", sorted(PAYLOAD_DIGESTS))
def test_html_payload_is_identical_to_before(hostile, case):
    """The packing embeds the very data the page embedded before, in both encodings: its bytes
    pinned, and what they say pinned to what the earlier packings said."""
    import hashlib

    name, compress = case
    doc = hostile if name == "hostile" else _odd_values(hostile)
    data = embedded(html.render_html_string(doc, compress=compress))
    assert hashlib.sha256(said(data).encode()).hexdigest() == SAID_DIGESTS[name]
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    assert digest == PAYLOAD_DIGESTS[case]


def test_html_csp_adds_only_blob_workers(hostile):
    """The search Worker starts from a blob: URL; the policy is otherwise as strict as before."""
    page = html.render_html_string(hostile)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert re.fullmatch(r"default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                        r"script-src 'sha256-[A-Za-z0-9+/=]+'; worker-src blob:; base-uri 'none'; "
                        r"form-action 'none'", policy), policy


def test_gzipped_payload_is_gzip_of_the_pieces(hostile):
    """The page's blob, compressed piece by piece, is gzip.compress of the whole binary payload at
    level 4 with no mtime, and inflates back to it."""
    import gzip

    from syncready.reports import html_data
    from syncready.reports.partials import Partials

    data, _ = html_data.pack(hostile, html_data.report_checks(hostile), Partials(hostile))
    whole = b"".join(html_data.binary(data))
    blob = html_data.gzipped(data)
    assert blob == gzip.compress(whole, 4, mtime=0)
    assert gzip.decompress(blob) == whole
