"""syncready verify on snapshots: check → simulated first sync (tests/graphserver/firstexport.py, an
independent model of Entra's documented rules) → verify, for every outcome.

The model and syncready's predictor are separate code: where they disagree (a prediction made
wrong on purpose, a tenant feature changed after the run, two AD users predicted onto one cloud
user), verify must report a failure, so these tests fail when verify just echoes the prediction.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clirun import run_main  # noqa: E402
from graphserver.firstexport import export_data  # noqa: E402
from graphserver.snapshot import load_snapshot  # noqa: E402

from syncready.results import read_results  # noqa: E402
from syncready.sources.ldif import iter_ldif  # noqa: E402
from syncready.verifyrules import Outcome, error_name, quarantined  # noqa: E402

CONTOSO = Path(__file__).resolve().parent.parent / "examples" / "contoso"
SCOPE = ["OU=Staff,DC=contoso,DC=test", "OU=Contractors,DC=contoso,DC=test"]
NINA = "CN=Nina Petrova,OU=Staff,DC=contoso,DC=test"
QUINN2 = "CN=Quinn Baker (contractor),OU=Contractors,DC=contoso,DC=test"
ALICE = "CN=Alice Johnson,OU=Staff,DC=contoso,DC=test"


@pytest.fixture(scope="module")
def before(tmp_path_factory) -> Path:
    """The pre-cutover run's results JSON."""
    path = tmp_path_factory.mktemp("run") / "results.json"
    proc = run_main("check", "--snapshot", str(CONTOSO), "--json", str(path), "-q")
    assert proc.returncode in (0, 1), proc.stderr
    return path


def synced(tmp: Path, include=SCOPE, features: dict | None = None, edit_ad=None):
    """A copy of the demo after the model's first export; returns (folder, export log)."""
    folder = tmp / "after"
    shutil.copytree(CONTOSO, folder)
    data = load_snapshot(folder)
    if features:
        data["sync"]["features"].update(features)
    records = list(iter_ldif(folder / "onprem" / "ad.ldif"))
    log = export_data(data, records, include=include)
    (folder / "cloud" / "users.json").write_text(json.dumps(data["users"]), encoding="utf-8")
    if edit_ad is not None:
        edit_ad(folder / "onprem" / "ad.ldif")
    return folder, log


def verify(expected: Path, folder: Path, *extra: str):
    out = folder.parent / "verify.json"
    proc = run_main("verify", "--expected", str(expected), "--snapshot", str(folder), "--json", str(out), "-q",
                    *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return proc, json.loads(out.read_text(encoding="utf-8"))


def by_dn(doc: dict, outcome: str | None = None) -> dict[str, dict]:
    return {f["onprem_dn"]: f for f in doc["findings"]
            if f.get("onprem_dn") and (outcome is None or f["outcome"] == outcome)}


def test_every_outcome_of_the_demo_agrees_with_the_model(before, tmp_path):
    folder, log = synced(tmp_path)
    proc, doc = verify(before, folder)
    assert proc.returncode == 1                                   # duplicates and provisioning errors
    predictions = {e["subject"]: e["prediction"] for e in read_results(before)["subjects"]
                   if e["kind"] == "onprem-user"}
    matched = by_dn(doc, Outcome.MATCHED)
    for dn, (cloud_id, _how) in log.joined.items():               # the model's joins, as verify saw them
        predicted = (predictions[dn].get("cloud_id"), predictions[dn].get("contested_id"))
        assert (dn in matched) == (cloud_id in predicted), dn
    duplicates = by_dn(doc, Outcome.DUPLICATE)
    assert set(duplicates) == {NINA, QUINN2}
    assert all(quarantined(f["cloud"]["upn"]) and f["evidence"]["quarantined_upn"] for f in duplicates.values())
    # Nina: the run predicted no match (warned); the two Quinn Bakers: the run predicted neither onto the
    # cloud user both land on (single-match warned that only the first exported joins it), the model joined
    # the Staff one first and refused the contractor (InvalidSoftMatch) — warned, so not against syncready
    assert not duplicates[NINA]["against_syncready"] and not duplicates[QUINN2]["against_syncready"]
    assert not any(f.get("against_syncready") for f in doc["findings"]), doc["summary"]
    assert log.errors[QUINN2] == "InvalidSoftMatch"
    steps = duplicates[NINA]["remediation"]
    assert any("Remove-MgDirectoryDeletedItem" in s for s in steps) and any("OnPremisesImmutableId" in s
                                                                           for s in steps)
    created = by_dn(doc, Outcome.CREATED)
    assert set(created) == set(log.created) - {NINA, QUINN2}
    unmatched = by_dn(doc, Outcome.UNMATCHED)
    assert set(unmatched) == {dn for dn, e in log.errors.items() if e == "ExistingAdminRoleConflict"}
    errors = [f for f in doc["findings"] if f["outcome"] == Outcome.PROVISIONING_ERROR]
    assert errors and {f["error"] for f in errors} == {"AttributeValueMustBeUnique"}
    assert any(f["subject"] == duplicates[NINA]["cloud"]["upn"] and f["evidence"]["property"] == "UserPrincipalName"
               for f in errors)
    summary = doc["summary"]
    assert summary["ad_users"] == len(predictions)
    assert summary["by_outcome"]["matched"] == len(matched)
    assert f"{len(matched)} of {len(predictions)} AD users matched as predicted" in proc.stdout
    assert "VERIFICATION FAILED" in proc.stdout


def test_a_prediction_wrong_on_purpose_is_a_wrong_merge(before, tmp_path):
    doc = read_results(before)
    entries = {e["subject"]: e for e in doc["subjects"]}
    alice_id = entries[ALICE]["prediction"]["cloud_id"]
    bob = entries["CN=Bob Smith,OU=Staff,DC=contoso,DC=test"]["prediction"]
    entries[ALICE]["prediction"].update(cloud_id=bob["cloud_id"], cloud_upn=bob["cloud_upn"])
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(doc))
    folder, _ = synced(tmp_path)
    proc, result = verify(wrong, folder)
    assert proc.returncode == 1
    finding = by_dn(result)[ALICE]
    assert finding["outcome"] == Outcome.WRONG_MERGE and finding["against_syncready"]
    assert finding["cloud"]["id"] == alice_id and finding["predicted"]["cloud_id"] == bob["cloud_id"]
    assert "alice.johnson@contoso.com" in finding["message"] and "bob.smith@contoso.com" in finding["message"]
    assert finding["evidence"]["onPremisesImmutableId"] == finding["evidence"]["anchor"]


def test_soft_match_blocked_after_the_run_gives_duplicates_against_the_prediction(before, tmp_path):
    folder, log = synced(tmp_path, features={"blockSoftMatchEnabled": True})
    proc, doc = verify(before, folder)
    duplicates = by_dn(doc, Outcome.DUPLICATE)
    assert proc.returncode == 1
    assert ALICE in duplicates and duplicates[ALICE]["against_syncready"]
    assert ALICE in log.created and ALICE not in log.joined
    assert "smtp match with alice.johnson@contoso.com" in duplicates[ALICE]["message"]


def test_a_cloud_user_expected_to_stay_cloud_only_taken_over(before, tmp_path):
    folder, log = synced(tmp_path, include=SCOPE + ["OU=Leavers,DC=contoso,DC=test"])
    proc, doc = verify(before, folder)
    erin = "CN=Erin Davis,OU=Leavers,DC=contoso,DC=test"
    assert erin in log.joined
    takeovers = [f for f in doc["findings"] if f["outcome"] == Outcome.UNEXPECTED_TAKEOVER]
    assert [(f["subject"], f["onprem_dn"]) for f in takeovers] == [("erin.davis@contoso.com", erin)]
    assert proc.returncode == 1


def test_before_the_first_sync_everything_is_pending(before, tmp_path):
    folder = tmp_path / "after"
    shutil.copytree(CONTOSO, folder)
    text = (folder / "onprem" / "ad.ldif").read_text(encoding="utf-8")
    start = text.index(f"dn: {ALICE}")
    (folder / "onprem" / "ad.ldif").write_text(text[:start] + text[text.index("\n\n", start) + 2:], encoding="utf-8")
    proc, doc = verify(before, folder)
    assert proc.returncode == 0                                   # pending is not a failure by default
    assert by_dn(doc)[ALICE]["outcome"] == Outcome.FILTERED
    pending = by_dn(doc, Outcome.NOT_EXPORTED)
    assert "CN=Bob Smith,OU=Staff,DC=contoso,DC=test" in pending
    assert doc["summary"]["failing"] == 0
    proc, _ = verify(before, folder, "--fail-on", "pending")
    assert proc.returncode == 1


def test_lost_values_the_run_did_not_warn_about_are_findings_against_syncready(before, tmp_path):
    doc = read_results(before)
    mia = next(e for e in doc["subjects"] if e["subject"] == "mia.garcia@contoso.com")
    assert mia["results"]["proxy-superset"]["status"] == "fail"
    mia["results"]["proxy-superset"] = {"status": "pass"}         # as if the check had missed the aliases
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc))
    folder, _ = synced(tmp_path)
    _, honest = verify(before, folder)
    proc, result = verify(tampered, folder)
    def mia_of(d):
        return [f for f in d["findings"] if f["subject"] == "mia.garcia@contoso.com"
                and f["evidence"].get("attribute") == "proxyAddresses"]
    assert [f["outcome"] for f in mia_of(honest)] == [Outcome.ATTRIBUTE_CHANGED]
    lost = mia_of(result)
    assert [f["outcome"] for f in lost] == [Outcome.ATTRIBUTE_LOST] and lost[0]["against_syncready"]
    assert "smtp:sales@contoso.com" in lost[0]["evidence"]["before"]
    assert proc.returncode == 1 and "against syncready" in proc.stdout


def test_results_without_recorded_predictions_still_verify(before, tmp_path):
    doc = read_results(before)
    for entry in doc["subjects"]:
        entry.pop("prediction", None)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc))
    folder, _ = synced(tmp_path)
    _, result = verify(old, folder)
    assert by_dn(result)[ALICE]["outcome"] == Outcome.MATCHED
    assert NINA in by_dn(result, Outcome.DUPLICATE)


def test_outputs_junit_markdown_csv_html(before, tmp_path):
    folder, _ = synced(tmp_path)
    files = {k: tmp_path / f"v.{k}" for k in ("xml", "md", "csv", "html")}
    proc = run_main("verify", "--expected", str(before), "--snapshot", str(folder), "-q", "--junit", str(files["xml"]),
                    "--markdown", str(files["md"]), "--csv", str(files["csv"]), "--html", str(files["html"]))
    assert proc.returncode == 1, proc.stderr
    suites = {s.get("name"): s for s in ET.parse(files["xml"]).getroot()}
    assert suites["duplicate"].get("failures") == "2" and suites["matched as predicted"].get("failures") == "0"
    assert "| duplicate |" in files["md"].read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(files["csv"].read_text(encoding="utf-8"))))
    assert {r["outcome"] for r in rows} >= {"matched", "duplicate", "provisioning-error"}
    html = files["html"].read_text(encoding="utf-8")
    assert 'id="outcome-duplicate"' in html and "VERIFICATION FAILED" in html and "<script" not in html


def test_html_escapes_and_csv_guards_formulas(before, tmp_path):
    folder, _ = synced(tmp_path)
    data = json.loads((folder / "cloud" / "users.json").read_text())
    for user in data:
        if user.get("onPremisesProvisioningErrors"):
            user["onPremisesProvisioningErrors"][0]["value"] = "=cmd|'/c calc'!A0<script>alert(1)</script>"
            break
    (folder / "cloud" / "users.json").write_text(json.dumps(data))
    html, table = tmp_path / "v.html", tmp_path / "v.csv"
    run_main("verify", "--expected", str(before), "--snapshot", str(folder), "-q", "--html", str(html),
             "--csv", str(table))
    assert "<script>alert" not in html.read_text(encoding="utf-8")
    assert all(not cell.startswith("=") for row in csv.reader(io.StringIO(table.read_text(encoding="utf-8")))
               for cell in row)


def test_bad_expected_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "something else"}')
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"schema": "syncready/results/1", "subjects": [
        {"subject": "x", "kind": "cloud-user", "id": "1", "results": {}, "onprem": "not an object"}]}))
    for path in (bad, odd, tmp_path / "missing.json"):
        proc = run_main("verify", "--expected", str(path), "--snapshot", str(CONTOSO))
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("error", "name"), [
    ({"category": "PropertyConflict", "propertyCausingError": "ProxyAddresses", "value": "smtp:a@b.com"},
     "AttributeValueMustBeUnique"),
    ({"category": "PropertyConflict", "propertyCausingError": "UserPrincipalName", "value": "a@b.com"},
     "AttributeValueMustBeUnique"),
    ({"category": "PropertyConflict", "propertyCausingError": "OnPremiseSecurityIdentifier", "value": "S-1-5-21"},
     "AttributeValueMustBeUnique"),
    ({"category": "InvalidSoftMatch", "propertyCausingError": "SourceAnchor", "value": "x"}, "InvalidSoftMatch"),
    ({"category": "PropertyConflict", "propertyCausingError": "SourceAnchor", "value": "x"}, "InvalidHardMatch"),
    ({"category": "Other", "propertyCausingError": "OnPremisesObjectIdentifier"}, "AttributeUpdateNotAllowed"),
    ({}, "unknown"),
])
def test_error_names(error, name):
    assert error_name(error) == name


def test_quarantined_upn_shape():
    assert quarantined("nina.petrova+6768@contoso.onmicrosoft.com")
    assert not quarantined("nina.petrova@contoso.com") and not quarantined("a+12@contoso.com")
