"""verify on groups and contacts: check → the independent model's first export of AD groups and contacts
(tests/graphserver/firstexport_objects.py) → verify sees their onPremisesProvisioningErrors, per object,
counted apart from people, failing the exit gate — from a snapshot and live through the Graph test server."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clirun import run_main  # noqa: E402
from graphserver.firstexport import export_data  # noqa: E402
from graphserver.snapshot import load_snapshot  # noqa: E402

from syncready.sources.graphmap import cloud_contact_from_graph, cloud_group_from_graph  # noqa: E402
from syncready.sources.ldif import iter_ldif  # noqa: E402
from syncready.verifyrules import Outcome  # noqa: E402
from test_verify import CONTOSO, SCOPE  # noqa: E402
from test_verify import before as _run  # noqa: E402

before = _run                       # the pre-cutover run's results (a module fixture of test_verify)

PARTNER = "CN=Alice Johnson (partner),OU=Staff,DC=contoso,DC=test"
SALES = "CN=Sales Team,OU=Staff,DC=contoso,DC=test"
# An AD contact carrying a cloud user's address, and a mail-enabled AD group whose address is the
# primary of a cloud group already synchronized (from another forest): InvalidSoftMatch.
EXTRA_LDIF = f"""
dn: {PARTNER}
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: contact
cn: Alice Johnson (partner)
displayName: Alice Johnson (partner)
mail: alice.j@partner.example
proxyAddresses: SMTP:alice.j@partner.example
proxyAddresses: smtp:alice.johnson@contoso.com

dn: {SALES}
objectClass: top
objectClass: group
cn: Sales Team
displayName: Sales Team
mail: sales-team@contoso.com
proxyAddresses: SMTP:sales-team@contoso.com
"""


def _records(ldif: Path) -> list:
    return list(iter_ldif(ldif))


def _after(tmp: Path) -> tuple[Path, object]:
    """The demo plus EXTRA_LDIF after the model's first export, written as a post-sync snapshot."""
    folder = tmp / "after"
    shutil.copytree(CONTOSO, folder)
    ldif = folder / "onprem" / "ad.ldif"
    ldif.write_text(ldif.read_text(encoding="utf-8").rstrip("\n") + "\n" + EXTRA_LDIF, encoding="utf-8")
    data = load_snapshot(folder)
    sales = next(g for g in data["groups"] if g["displayName"] == "Sales")
    sales["onPremisesSyncEnabled"] = True
    log = export_data(data, _records(ldif), include=SCOPE)
    for name in ("users", "groups", "contacts"):
        (folder / "cloud" / f"{name}.json").write_text(json.dumps(data[name]), encoding="utf-8")
    return folder, log


def _verify(expected: Path, *source: str, env: dict | None = None):
    out = expected.parent / "verify.json"
    proc = run_main("verify", "--expected", str(expected), *source, "--json", str(out), "-q", env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return proc, json.loads(out.read_text(encoding="utf-8"))


def _object_errors(doc: dict) -> dict[str, dict]:
    return {f["subject"]: f for f in doc["findings"]
            if f["outcome"] == Outcome.PROVISIONING_ERROR and f.get("kind") in ("group", "contact")}


def test_group_and_contact_errors_from_a_snapshot(before, tmp_path):
    folder, log = _after(tmp_path)
    assert log.object_errors == {PARTNER: "AttributeValueMustBeUnique", SALES: "InvalidSoftMatch"}
    assert log.objects["CN=All Staff,OU=Staff,DC=contoso,DC=test"][1] == "joined"
    proc, doc = _verify(before, "--snapshot", str(folder))
    assert proc.returncode == 1
    found = _object_errors(doc)
    assert set(found) == {"alice.j@partner.example", "Sales Team"}, found
    contact, group = found["alice.j@partner.example"], found["Sales Team"]
    assert (contact["kind"], contact["error"], contact["onprem_dn"]) == ("contact", "AttributeValueMustBeUnique",
                                                                         PARTNER)
    assert contact["evidence"]["value"] == "smtp:alice.johnson@contoso.com"
    assert [h["upn"] for h in contact["evidence"]["held_by"]] == ["alice.johnson@contoso.com"]
    assert "user alice.johnson@contoso.com" in contact["message"] and contact["failing"]
    assert group["kind"] == "group" and group["evidence"]["property"] == "ProxyAddresses"
    assert [h["displayName"] for h in group["evidence"]["held_by"]] == ["Sales"]
    assert any("InvalidSoftMatch" in step for step in group["remediation"])
    assert not any("OnPremisesImmutableId" in step for step in group["remediation"])   # no hard match for groups
    summary = doc["summary"]
    assert summary["objects_failing"] == {"groups": 1, "contacts": 1} and summary["object_errors"] == 2
    assert "Sales Team" not in json.dumps(summary) and PARTNER not in {f["onprem_dn"] for f in doc["findings"]
                                                                         if f.get("kind") == "cloud-user"}
    people = {f["onprem_dn"] or f["subject"] for f in doc["findings"]
              if f["failing"] and f.get("kind") not in ("group", "contact")}
    assert summary["people_failing"] == len(people)
    assert "groups and contacts: 1 group and 1 contact with provisioning errors" in proc.stdout
    assert not any(u.startswith(("groups.", "contacts.")) for u in doc["unread"])


def test_only_group_errors_fail_the_gate_and_are_not_people(before, tmp_path):
    """Without the users' findings, a contact's error alone fails verify and counts no person."""
    folder, _ = _after(tmp_path)
    users = json.loads((folder / "cloud" / "users.json").read_text())
    for user in users:
        user["onPremisesProvisioningErrors"] = []
    (folder / "cloud" / "users.json").write_text(json.dumps(users))
    out = tmp_path / "v.md"
    proc = run_main("verify", "--expected", str(before), "--snapshot", str(folder), "-q", "--markdown", str(out),
                    "--fail-on", "failure")
    assert proc.returncode == 1, proc.stderr
    assert "with provisioning errors" in out.read_text(encoding="utf-8")


def test_an_export_without_the_property_is_not_read(before, tmp_path):
    folder, _ = _after(tmp_path)
    groups = json.loads((folder / "cloud" / "groups.json").read_text())
    for group in groups:
        group.pop("onPremisesProvisioningErrors", None)
    (folder / "cloud" / "groups.json").write_text(json.dumps(groups))
    _, doc = _verify(before, "--snapshot", str(folder))
    assert "Sales Team" not in _object_errors(doc)
    assert any(u.startswith("groups.onPremisesProvisioningErrors (absent from") for u in doc["unread"]), doc["unread"]


def test_mapping_keeps_absent_apart_from_empty():
    assert cloud_group_from_graph({"id": "g"}).provisioning_errors is None
    assert cloud_contact_from_graph({"id": "c", "onPremisesProvisioningErrors": []}).provisioning_errors == ()
    with pytest.raises(ValueError, match="onPremisesProvisioningErrors"):
        cloud_group_from_graph({"id": "g", "onPremisesProvisioningErrors": "x"})


def test_group_and_contact_errors_live(fresh_graph_server, tmp_path):
    """Live: syncready selects onPremisesProvisioningErrors on /groups and /contacts through msgraph-sdk."""
    server = fresh_graph_server
    env = {"SYNCREADY_GRAPH_TOKEN": server.token}
    live = ("--graph-url", server.url, "--auth", "token", "--snapshot", str(CONTOSO))
    results = tmp_path / "results.json"
    assert run_main("check", *live, "--json", str(results), "-q", env=env).returncode in (0, 1)
    extra = tmp_path / "extra.ldif"
    extra.write_text(EXTRA_LDIF.lstrip("\n"), encoding="utf-8")
    sales = next(g for g in server.state.groups.values() if g["displayName"] == "Sales")
    sales["onPremisesSyncEnabled"] = True
    log = server.first_export.run(_records(CONTOSO / "onprem" / "ad.ldif") + _records(extra), include=SCOPE)
    assert set(log.object_errors) == {PARTNER, SALES}
    proc, doc = _verify(results, *live, env=env)
    assert proc.returncode == 1
    assert {(f["kind"], f["error"]) for f in _object_errors(doc).values()} == {
        ("contact", "AttributeValueMustBeUnique"), ("group", "AttributeValueMustBeUnique")}
    selects = [path for _method, path, _headers in server.requests if path.startswith(("/v1.0/groups",
                                                                                        "/v1.0/contacts"))]
    assert selects and all("onPremisesProvisioningErrors" in p for p in selects), selects
    # the snapshot writer keeps the property: a post-sync snapshot verifies the same
    folder = tmp_path / "snap"
    proc = run_main("snapshot", "--out", str(folder), "--graph-url", server.url, "--auth", "token", "-q", env=env)
    assert proc.returncode == 0, proc.stderr
    written = json.loads((folder / "cloud" / "groups.json").read_text(encoding="utf-8"))
    assert all("onPremisesProvisioningErrors" in g for g in written)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "onPremisesProvisioningErrors" in json.dumps(manifest["collections"]["contacts"])
    after = tmp_path / "after"                      # the demo's AD beside the cloud part just written
    shutil.copytree(CONTOSO, after)
    shutil.rmtree(after / "cloud")
    shutil.copytree(folder / "cloud", after / "cloud")
    _, offline = _verify(results, "--snapshot", str(after))
    assert {f["subject"]: f["error"] for f in _object_errors(offline).values()} == {
        f["subject"]: f["error"] for f in _object_errors(doc).values()}


def test_the_test_server_serves_the_property_as_graph_does(graph_server):
    """v1.0 has onPremisesProvisioningErrors on group and orgContact (a collection: [] when empty), but no
    onPremisesImmutableId there (Graph's 400), and contacts have no mailEnabled."""
    import httpx

    def get(path: str, select: str) -> httpx.Response:
        return httpx.get(f"{graph_server.url}{path}", params={"$select": select},
                         headers={"Authorization": f"Bearer {graph_server.token}"})

    for path in ("/groups", "/contacts"):
        answer = get(path, "id,onPremisesProvisioningErrors")
        assert answer.status_code == 200
        assert all(o["onPremisesProvisioningErrors"] == [] for o in answer.json()["value"])
        refused = get(path, "id,onPremisesImmutableId")
        assert refused.status_code == 400 and "onPremisesImmutableId" in refused.json()["error"]["message"]
    assert get("/contacts", "id,mailEnabled").status_code == 400
