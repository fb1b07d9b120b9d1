"""The HTML verification view (reports/verify_html.py) in real headless Chromium.

The page is made the way an admin gets it: check on the demo → the independent model's first export
(users, groups and contacts; tests/test_verify_objects.py's post-sync snapshot) → verify --html. A
hostile value (markup and a script in a group's provisioning error) rides along. The page has no
script and no search: its filter is the counts table, whose links open the outcome's section.
Screenshots go to tests/artifacts/ for a human to look at.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import Watched, chromium  # noqa: E402
from clirun import run_main  # noqa: E402
from test_verify import before as _run  # noqa: E402
from test_verify_objects import _after  # noqa: E402

from syncready.reports.verify_formats import LABELS, ORDER  # noqa: E402

before = _run                       # the pre-cutover run's results (a module fixture of test_verify)
HOSTILE = "<img src=https://evil.example/x.png onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture(scope="module")
def verified(before, tmp_path_factory) -> tuple[Path, dict]:
    """(the HTML view, its verification JSON) after the first export, with a hostile error value."""
    folder, _ = _after(tmp_path_factory.mktemp("sync"))
    groups = json.loads((folder / "cloud" / "groups.json").read_text(encoding="utf-8"))
    errored = next(g for g in groups if g.get("onPremisesProvisioningErrors"))
    errored["onPremisesProvisioningErrors"].append({"category": "PropertyConflict", "propertyCausingError": HOSTILE,
                                                    "value": HOSTILE})
    (folder / "cloud" / "groups.json").write_text(json.dumps(groups), encoding="utf-8")
    html, doc = folder.parent / "verify.html", folder.parent / "verify.json"
    proc = run_main("verify", "--expected", str(before), "--snapshot", str(folder), "-q", "--html", str(html),
                    "--json", str(doc))
    assert proc.returncode == 1, proc.stderr
    return html, json.loads(doc.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def watched(browser, verified):
    w = Watched(browser, verified[0])
    yield w
    assert not w.dialogs, w.dialogs
    assert not w.errors, w.errors
    assert w.requests == [w.url], w.requests           # nothing but the file itself: no image, no script
    w.close()


def test_each_outcome_section_shows_its_findings_with_the_right_counts(watched, verified):
    doc = verified[1]
    page = watched.page
    watched.screenshot("verify-top.png")
    counts = doc["summary"]["by_outcome"]
    assert page.inner_text("#verdict").startswith("VERIFICATION FAILED")
    shown = page.eval_on_selector_all("section.outcome", "ss => ss.map(s => s.id)")
    assert shown == [f"outcome-{o}" for o in ORDER if counts[o]]
    for outcome in ORDER:
        row = page.locator(f"#counts tr[data-outcome='{outcome}'] td")
        assert row.nth(0).inner_text() == LABELS[outcome] and row.nth(1).inner_text() == str(counts[outcome])
        if counts[outcome]:
            assert page.locator(f"#outcome-{outcome} tr.finding").count() == counts[outcome]
            assert page.inner_text(f"#outcome-{outcome} h2") == f"{LABELS[outcome]} ({counts[outcome]})"
            failing = doc["findings"][[f["outcome"] for f in doc["findings"]].index(outcome)]["failing"]
            assert ("failing" in (page.get_attribute(f"#outcome-{outcome}", "class") or "")) == failing
    assert page.inner_text("#lead").startswith(f"{counts['matched']} of {doc['summary']['ad_users']} AD users")


def test_groups_and_contacts_are_listed_apart_from_people(watched, verified):
    doc = verified[1]
    page = watched.page
    assert page.inner_text("#objects") == "Groups and contacts: 1 group and 1 contact with provisioning errors"
    badges = page.eval_on_selector_all("#outcome-provisioning-error .kind", "bs => bs.map(b => b.textContent)")
    objects = [f for f in doc["findings"] if f.get("kind") in ("group", "contact")]
    assert sorted(badges) == sorted(f["kind"] for f in objects) and len(objects) == 3   # the hostile entry too
    contact = page.locator("#outcome-provisioning-error tr.finding", has_text="alice.j@partner.example")
    assert "held by user alice.johnson@contoso.com" in contact.inner_text()
    assert "InvalidSoftMatch" in page.locator("#outcome-provisioning-error tr.finding",
                                              has_text="Sales Team").first.inner_text()


def test_a_count_link_opens_its_section(watched):
    page = watched.page
    page.click("#counts a[href='#outcome-duplicate']")
    page.wait_for_function("() => location.hash === '#outcome-duplicate'")
    assert page.evaluate("document.querySelector('section:target').id") == "outcome-duplicate"
    assert page.evaluate("document.querySelector('#outcome-duplicate').getBoundingClientRect().top") < 50
    assert page.locator("#counts a").count() == sum(1 for o in ORDER if page.locator(f"#outcome-{o}").count())
    page.click("#outcome-duplicate tr.finding summary")
    assert page.locator("#outcome-duplicate tr.finding details[open] pre").first.inner_text().startswith("{")
    watched.screenshot("verify.png")


def test_csp_is_strict_and_hostile_values_stay_text(watched):
    page = watched.page
    policy = page.get_attribute("meta[http-equiv='Content-Security-Policy']", "content")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'" and "script-src" not in directives
    assert directives["style-src"].startswith("'sha256-") and "unsafe" not in policy
    assert page.eval_on_selector(".verdict.failed", "e => getComputedStyle(e).backgroundColor") == "rgb(253, 231, 233)"
    assert page.locator("#outcome-provisioning-error img, body script").count() == 0
    assert HOSTILE in page.inner_text("#outcome-provisioning-error")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                             document.body.append(s); }""")
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in watched.csp_violations()), watched.csp_violations()
    watched.errors.clear()                             # Chromium logs the refused script: that was the test


def test_axe_core_finds_no_serious_violation(browser, verified):
    w = Watched(browser, verified[0], bypass_csp=True)
    assert w.axe_serious() == []
    w.page.eval_on_selector_all("details", "ds => ds.forEach(d => { d.open = true; })")
    assert w.axe_serious("#outcome-provisioning-error") == []
    assert not w.errors and not w.dialogs
    w.close()
