"""No check passes on data that was not read (SPEC §8): absent files and properties, manifest.json,
`[sources] known_empty`, roles held through groups, and exports that only look complete."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from syncready.cli import main
from syncready.config import Config, load_config
from syncready.engine import Engine
from syncready.registry import all_checks
from syncready.results import read_results
from syncready.sources.admap import FIELDS, NO_EXCHANGE_SCHEMA
from syncready.sources.snapshot import read_snapshot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
CONFIG = EXAMPLE / "syncready.toml"
CLOUD_CHECKS = tuple(c.id for c in all_checks() if c.meta.subject == "cloud-user")

# Microsoft's own example response of "List users" (GET /users without $select), as the docs print it.
LIST_USERS_EXAMPLE = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
    "value": [
        {"businessPhones": [], "displayName": "Conf Room Adams", "givenName": None, "jobTitle": None,
         "mail": "Adams@contoso.com", "mobilePhone": None, "officeLocation": None, "preferredLanguage": None,
         "surname": None, "userPrincipalName": "Adams@contoso.com", "id": "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0"},
        {"businessPhones": ["425-555-0100"], "displayName": "MOD Administrator", "givenName": "MOD",
         "jobTitle": None, "mail": None, "mobilePhone": "425-555-0101", "officeLocation": None,
         "preferredLanguage": "en-US", "surname": "Administrator", "userPrincipalName": "admin@contoso.com",
         "id": "4562bcc8-c436-4f95-b7c0-4f8ce89dca5d"},
    ],
}


@pytest.fixture
def snap(tmp_path) -> Path:
    """A copy of the example snapshot to take files away from."""
    folder = tmp_path / "snap"
    shutil.copytree(EXAMPLE, folder)
    return folder


def cloud(folder: Path, name: str) -> Path:
    return folder / "cloud" / f"{name}.json"


def users(folder: Path) -> list[dict]:
    return json.loads(cloud(folder, "users").read_text(encoding="utf-8"))["value"]


def write_users(folder: Path, records) -> None:
    cloud(folder, "users").write_text(json.dumps({"value": records}), encoding="utf-8")


def check(folder: Path, tmp_path: Path, *extra: str, config: Path = CONFIG) -> tuple[int, dict]:
    out = tmp_path / "results.json"
    code = main(["check", "--snapshot", str(folder), "--config", str(config), "--json", str(out), "-q", *extra])
    return code, read_results(out) if out.exists() else {}


def results(doc: dict, check_id: str) -> dict[str, dict]:
    return {s["subject"]: s["results"][check_id] for s in doc["subjects"] if check_id in s["results"]}


def statuses(doc: dict, check_id: str) -> set[str]:
    return {r["status"] for r in results(doc, check_id).values()}


def config_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "syncready.toml"
    path.write_text(CONFIG.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


# Absent properties and files -----------------------------------------------------------------------

def test_users_exported_without_select_is_exit_2_naming_the_properties(snap, tmp_path, capsys):
    cloud(snap, "users").write_text(json.dumps(LIST_USERS_EXAMPLE), encoding="utf-8")
    code, _ = check(snap, tmp_path)
    err = one_line_error(capsys)
    assert code == 2
    for prop in ("proxyAddresses", "onPremisesImmutableId", "onPremisesSyncEnabled", "userType", "accountEnabled"):
        assert prop in err
    assert "$select=" in err and "Get-MgUser -All -Property" in err


def test_an_absent_optional_property_errors_only_the_checks_that_read_it(snap, tmp_path):
    records = users(snap)
    for record in records:
        record.pop("department", None)
    write_users(snap, records)
    _, doc = check(snap, tmp_path)
    assert doc["coverage"]["collections"]["users"]["missing_properties"] == ["department"]
    drift = results(doc, "attribute-drift")
    assert {r["status"] for r in drift.values()} <= {"error", "skip"}
    assert all(r["message"].startswith("not read: users.department") for r in drift.values() if r["status"] == "error")
    assert drift["alice.johnson@contoso.com"]["evidence"] == {"unread": [
        "users.department (absent or empty in every record: not selected in the export)"]}
    assert statuses(doc, "proxy-superset") >= {"pass", "fail"}


def test_without_groups_json_upn_and_proxy_uniqueness_error_and_the_rest_still_decide(snap, tmp_path):
    cloud(snap, "groups").unlink()
    code, doc = check(snap, tmp_path)
    assert code == 1
    # Rachel's UPN is an alias of the cloud group Sales: that conflict is invisible without groups.json.
    for check_id in ("upn-unique", "proxy-unique"):
        rachel = results(doc, check_id)["rachel.adams@contoso.com"]
        assert rachel["status"] == "error"
        assert rachel["message"].startswith("not read: groups (cloud/groups.json absent")
        assert "Group.Read.All" in rachel["message"] and rachel["evidence"]["unread"][0].startswith("groups")
        assert statuses(doc, check_id) <= {"error", "skip"}
    assert results(doc, "upn-exists")["rachel.adams@contoso.com"]["status"] == "pass"
    assert statuses(doc, "mail-primary-smtp") >= {"pass", "fail"}
    assert doc["coverage"]["collections"]["groups"]["status"] == "not-read"


def test_without_role_eligibility_no_admin_role_errors_and_known_empty_clears_it(snap, tmp_path, capsys):
    cloud(snap, "roleEligibilitySchedules").unlink()
    _, doc = check(snap, tmp_path)
    yara = results(doc, "no-admin-role")["yara.said@contoso.com"]     # eligible User Administrator
    assert yara["status"] == "error" and yara["message"].startswith("not read: roleEligibilitySchedules")
    assert "known_empty" in yara["message"]
    assert results(doc, "no-admin-role")["xavier.dupont@contoso.com"]["status"] == "error"
    assert statuses(doc, "upn-exists") >= {"pass", "fail"}

    declared = config_with(tmp_path, '[sources]\nknown_empty = ["roleEligibilitySchedules"]\n')
    _, doc = check(snap, tmp_path, config=declared)
    assert results(doc, "no-admin-role")["yara.said@contoso.com"]["status"] == "pass"
    assert results(doc, "no-admin-role")["xavier.dupont@contoso.com"]["status"] == "fail"
    assert doc["coverage"]["collections"]["roleEligibilitySchedules"]["status"] == "empty"


# The checks that declare the role collections (the predicted match never joins an admin).
ROLE_READERS = tuple(c.id for c in all_checks() if "roleAssignments" in c.meta.inputs)
# The example's ad.ldif predates SPEC §10's AD attributes (objectSid, pwdLastSet, ...): not read either.
AD_2026_READERS = tuple(c.id for c in all_checks()
                        if any(i.startswith("ad") and i.partition(".")[2] in FIELDS for i in c.meta.inputs))


def test_without_role_assignments_only_the_checks_that_need_roles_error(snap, tmp_path):
    assert {"no-admin-role", "single-match", "orphan-onprem"} <= set(ROLE_READERS)
    cloud(snap, "roleAssignments").unlink()
    _, doc = check(snap, tmp_path)
    for check_id in ROLE_READERS:
        assert statuses(doc, check_id) <= {"error", "skip"}, check_id
    bob = results(doc, "no-admin-role")["bob.smith@contoso.com"]
    assert bob["message"].startswith("not read: roleAssignments (cloud/roleAssignments.json absent")
    assert "RoleManagement.Read.Directory" in bob["message"] and bob["evidence"]["unread"][0].startswith("roleAss")
    for check_id in CLOUD_CHECKS:
        if check_id not in ROLE_READERS and check_id not in AD_2026_READERS:
            assert "error" not in statuses(doc, check_id), check_id


def test_an_admin_is_not_predicted_to_match_on_unread_roles(snap, tmp_path):
    """With roles read, the example's admins fail single-match (Entra won't join them); without the
    role file the prediction is unknown: error, never the pass the old code gave."""
    _, with_roles = check(snap, tmp_path)
    admins = {upn for upn, r in results(with_roles, "no-admin-role").items() if r["status"] == "fail"}
    assert admins and all(results(with_roles, "single-match")[upn]["status"] != "pass" for upn in admins)
    cloud(snap, "roleAssignments").unlink()
    _, doc = check(snap, tmp_path)
    assert {results(doc, "single-match")[upn]["status"] for upn in admins} == {"error"}
    new_users = doc["summary"]["onprem_users"]["new_cloud_users"]
    assert new_users == 0 and statuses(doc, "orphan-onprem") == {"error"}


def test_a_waiver_never_covers_data_that_was_not_read(snap, tmp_path):
    cloud(snap, "groups").unlink()
    waiver = '[[waivers]]\ncheck = "upn-unique"\nsubjects = ["*"]\nreason = "accepted (CHG-1)"\n'
    _, doc = check(snap, tmp_path, config=config_with(tmp_path, waiver))
    assert statuses(doc, "upn-unique") <= {"error", "skip"}


def test_without_any_optional_file_every_affected_check_errors_and_none_passes(snap, tmp_path):
    for name in ("groups", "contacts", "domains", "sync", "roleAssignments", "roleEligibilitySchedules"):
        cloud(snap, name).unlink()
    _, doc = check(snap, tmp_path)
    for check_id in ("upn-unique", "proxy-unique", "single-match", "no-admin-role", "attribute-valid",
                     "tenant-sync-features", "orphan-onprem"):
        assert "pass" not in statuses(doc, check_id), check_id
    assert statuses(doc, "proxy-superset") >= {"pass", "fail"}


# Roles held through groups -----------------------------------------------------------------------------

HELPDESK = "5b7a0c1e-0000-4000-8000-00000000aaaa"


def add_group_role(folder: Path, member_upn: str, expanded: bool = False, members: bool = True) -> None:
    """A PIM-for-Groups setup: the role-assignable group Helpdesk Admins is eligible for a role."""
    member = next(u for u in users(folder) if u["userPrincipalName"] == member_upn)
    record = {"id": "pim-1", "principalId": HELPDESK, "roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
              "directoryScopeId": "/", "roleDefinition": {"displayName": "Helpdesk Administrator"}}
    if expanded:
        record["principal"] = {"@odata.type": "#microsoft.graph.group", "id": HELPDESK,
                               "displayName": "Helpdesk Admins"}
    else:
        groups = json.loads(cloud(folder, "groups").read_text(encoding="utf-8"))
        groups.append({"id": HELPDESK, "displayName": "Helpdesk Admins", "mail": None, "mailEnabled": False,
                       "proxyAddresses": []})
        cloud(folder, "groups").write_text(json.dumps(groups), encoding="utf-8")
    eligible = json.loads(cloud(folder, "roleEligibilitySchedules").read_text(encoding="utf-8"))
    cloud(folder, "roleEligibilitySchedules").write_text(json.dumps(eligible + [record]), encoding="utf-8")
    if members:
        cloud(folder, "groupMembers").write_text(json.dumps({"value": [
            {"id": HELPDESK, "members": [{"@odata.type": "#microsoft.graph.user", "id": member["id"]}]}]}))


@pytest.mark.parametrize("expanded", [False, True], ids=["group-in-groups.json", "expanded-principal"])
def test_a_role_held_through_a_group_fails_its_members_naming_the_group(snap, tmp_path, expanded):
    add_group_role(snap, "alice.johnson@contoso.com", expanded=expanded)
    _, doc = check(snap, tmp_path)
    alice = results(doc, "no-admin-role")["alice.johnson@contoso.com"]
    assert alice["status"] == "fail"
    assert "Helpdesk Administrator (eligible, through group Helpdesk Admins" in alice["message"]
    assert alice["evidence"]["roles"] == [{"role": "Helpdesk Administrator", "eligible": True, "via_group": HELPDESK}]
    assert results(doc, "no-admin-role")["bob.smith@contoso.com"]["status"] == "pass"
    assert doc["subjects"][[s["subject"] for s in doc["subjects"]].index("alice.johnson@contoso.com")][
        "readiness"] == "blocked"


@pytest.mark.parametrize("expanded", [False, True], ids=["group-in-groups.json", "expanded-principal"])
def test_a_role_held_by_a_group_whose_members_were_not_read_clears_nobody(snap, tmp_path, expanded):
    add_group_role(snap, "alice.johnson@contoso.com", expanded=expanded, members=False)
    _, doc = check(snap, tmp_path)
    found = results(doc, "no-admin-role")
    assert found["alice.johnson@contoso.com"]["status"] == "error"
    assert found["bob.smith@contoso.com"]["status"] == "error"
    message = found["bob.smith@contoso.com"]["message"]
    assert message.startswith("not read: groupMembers") and "Helpdesk Admins" in message
    assert found["xavier.dupont@contoso.com"]["status"] == "error"         # blocked, as every user
    assert doc["coverage"]["collections"]["groupMembers"]["status"] == "not-read"


def test_a_group_missing_from_group_members_json_is_an_error_not_a_pass(snap, tmp_path):
    add_group_role(snap, "alice.johnson@contoso.com", members=False)
    cloud(snap, "groupMembers").write_text(json.dumps([{"id": "another-group", "members": []}]))
    _, doc = check(snap, tmp_path)
    bob = results(doc, "no-admin-role")["bob.smith@contoso.com"]
    assert bob["status"] == "error" and "Helpdesk Admins" in bob["message"]
    assert bob["evidence"]["unread"][0].startswith("groupMembers of group Helpdesk Admins")


def test_an_unknown_principal_without_groups_json_clears_nobody(snap, tmp_path):
    add_group_role(snap, "alice.johnson@contoso.com", expanded=False, members=False)
    cloud(snap, "groups").unlink()
    _, doc = check(snap, tmp_path)
    assert statuses(doc, "no-admin-role") <= {"error", "fail", "skip"}
    assert "pass" not in statuses(doc, "no-admin-role")


# manifest.json -------------------------------------------------------------------------------------------

def write_manifest(folder: Path, collections: dict) -> None:
    (folder / "manifest.json").write_text(json.dumps({"schema": "syncready/manifest/1", "collections": collections}))


def test_manifest_unavailable_wins_over_an_empty_file(snap, tmp_path):
    cloud(snap, "roleEligibilitySchedules").write_text("[]")
    write_manifest(snap, {"roleEligibilitySchedules": {
        "status": "unavailable", "reason": "403 Forbidden: RoleEligibilitySchedule.Read.Directory missing"}})
    _, doc = check(snap, tmp_path)
    bob = results(doc, "no-admin-role")["bob.smith@contoso.com"]
    assert bob["status"] == "error" and "RoleEligibilitySchedule.Read.Directory missing" in bob["message"]
    assert doc["coverage"]["collections"]["roleEligibilitySchedules"]["status"] == "not-read"


def _example_counts(snap) -> tuple[int, int]:
    """How many cloud users and AD users the example folder holds (read from its files, not assumed)."""
    users = json.loads(cloud(snap, "users").read_text(encoding="utf-8"))["value"]
    ldif = (snap / "onprem" / "ad.ldif").read_text(encoding="utf-8")
    return len(users), ldif.count("objectClass: user\n")


def test_manifest_not_requested_and_counts(snap, tmp_path, capsys):
    users, ad_users = _example_counts(snap)
    write_manifest(snap, {"users": {"status": "read", "count": users}, "groups": {"status": "not requested"},
                          "adUsers": {"status": "read", "count": ad_users}})
    _, doc = check(snap, tmp_path)
    assert doc["coverage"]["collections"]["groups"]["status"] == "not-read"
    assert statuses(doc, "upn-unique") <= {"error", "skip"}
    capsys.readouterr()

    write_manifest(snap, {"users": {"status": "read", "count": users + 1}})
    code, _ = check(snap, tmp_path)
    err = one_line_error(capsys)
    assert code == 2 and "cloud/users.json" in err and str(users) in err and str(users + 1) in err

    write_manifest(snap, {"groupMembers": {"status": "read", "count": 1}})
    code, _ = check(snap, tmp_path)
    assert code == 2 and "groupMembers.json is missing" in one_line_error(capsys)

    (snap / "manifest.json").write_text('{"collections": {"users": {"status": "maybe"}}}')
    code, _ = check(snap, tmp_path)
    assert code == 2 and "manifest.json" in one_line_error(capsys)


# Exports that look complete but are not, and records of the wrong shape ---------------------------------

def get_mguser_export(folder: Path) -> None:
    """Get-MgUser -All | ConvertTo-Json without -Property: every key, but the unselected ones empty."""
    records = []
    for user in users(folder):
        records.append({"Id": user["id"], "UserPrincipalName": user["userPrincipalName"], "Mail": user["mail"],
                        "DisplayName": user["displayName"], "GivenName": user["givenName"],
                        "Surname": user["surname"], "MailNickname": None, "ProxyAddresses": [],
                        "OnPremisesImmutableId": None, "OnPremisesSyncEnabled": None, "AccountEnabled": None,
                        "UserType": None, "Department": None, "JobTitle": None, "AdditionalProperties": {}})
    cloud(folder, "users").write_text(json.dumps(records), encoding="utf-8")


def test_get_mguser_without_property_warns_once_and_readies_nobody(snap, tmp_path, capsys):
    """Graph always fills accountEnabled and userType, and setting mail adds it to proxyAddresses: all
    of them empty in every record is an export that did not select them, so nothing passes on them."""
    get_mguser_export(snap)
    _, doc = check(snap, tmp_path)
    out, err = capsys.readouterr()
    assert err == ""                                       # the reader records, the output says it once
    notes = [line for line in out.splitlines() if line.startswith("Note: cloud/users.json")]
    assert len(notes) == 1 and "accountEnabled is null for every user" in notes[0]
    assert "Get-MgUser -All -Property" in notes[0] and "proxyAddresses" in notes[0]
    assert any("proxyAddresses" in note for note in doc["coverage"]["notes"])
    assert {"proxyAddresses", "accountEnabled", "userType"} <= set(
        doc["coverage"]["collections"]["users"]["missing_properties"])
    for check_id in ("proxy-superset", "mail-primary-smtp", "account-enabled"):
        assert statuses(doc, check_id) <= {"error", "skip"}, check_id
    assert doc["summary"]["cloud_users"]["ready"] == 0


def test_a_reader_prints_nothing_its_notes_are_in_coverage(snap, capsys):
    get_mguser_export(snap)
    directory = read_snapshot(snap)
    assert capsys.readouterr().err == ""
    assert len([n for n in directory.coverage.notes if not n.startswith(NO_EXCHANGE_SCHEMA)]) == 1


def test_ad_users_whose_match_could_not_be_decided_are_not_counted_as_matched(snap, tmp_path, capsys):
    """Without roleAssignments orphan-onprem cannot decide: the terminal must not say "0 AD users would
    create new cloud users (0 of 51 in scope match a cloud user)" as if all of them were fine."""
    _, complete = check(snap, tmp_path)
    in_scope = complete["summary"]["onprem_users"]["total"]
    capsys.readouterr()
    cloud(snap, "roleAssignments").unlink()
    _, doc = check(snap, tmp_path)
    out = capsys.readouterr().out
    onprem = doc["summary"]["onprem_users"]
    assert (onprem["total"], onprem["matched"], onprem["new_cloud_users"]) == (in_scope, 0, 0)
    assert "would create new cloud users (0 of" not in out
    assert f"could not tell whether the {in_scope} AD users in scope would create new cloud users" in out


def test_fix_plans_nothing_on_inputs_not_read_and_says_what_is_missing(snap, capsys):
    """No manual step with a fixer's guidance for a failure that was never seen; the plan says once
    what was not read and refuses each unread result (exit 1, not "nothing to fix")."""
    cloud(snap, "groups").unlink()
    code = main(["fix", "--snapshot", str(snap), "--config", str(CONFIG), "--select", "upn-unique,proxy-unique"])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    assert out.count("Not read: groups: cloud/groups.json absent") == 1
    assert "manual —" not in out and "change the UPN or address on the other ()" not in out
    assert "upn-unique: not planned — could not check, not read: groups (cloud/groups.json absent" in out
    assert " 0 manual step(s)" in out


@pytest.mark.parametrize("change, needle", [
    ({"proxyAddresses": [1, 2]}, "proxyAddresses holds a number"),
    ({"userType": ["Member"]}, "userType is an array"),
    ({"accountEnabled": "false"}, 'accountEnabled is a string "false"'),
    ({"onPremisesSyncEnabled": "false"}, "onPremisesSyncEnabled is a string"),
    ({"mail": 7}, "mail is a number"),
    ({"userPrincipalName": 1}, "userPrincipalName is a number"),
])
def test_cloud_values_of_the_wrong_type_are_one_line_exit_2(snap, tmp_path, capsys, change, needle):
    records = users(snap)
    records[3].update(change)
    write_users(snap, records)
    code, _ = check(snap, tmp_path)
    err = one_line_error(capsys)
    assert code == 2 and "cloud/users.json: record 3" in err and needle in err


def test_duplicate_cloud_ids_are_one_line_exit_2(snap, tmp_path, capsys):
    records = users(snap)
    records.append(copy.deepcopy(records[0]) | {"userPrincipalName": "twin@contoso.com"})
    write_users(snap, records)
    code, _ = check(snap, tmp_path)
    err = one_line_error(capsys)
    assert code == 2 and f"record {len(records) - 1}" in err and records[0]["id"] in err and "record 0" in err

    write_users(snap, records[:-1])
    groups = json.loads(cloud(snap, "groups").read_text(encoding="utf-8"))
    groups.append({"id": records[5]["id"], "displayName": "Clash"})
    cloud(snap, "groups").write_text(json.dumps(groups))
    code, _ = check(snap, tmp_path)
    err = one_line_error(capsys)
    assert code == 2 and "cloud/groups.json" in err and "cloud/users.json" in err


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000, '[{"id": 1' + "0" * 10_000 + "}]"])
def test_json_beyond_the_parser_limits_is_one_line_exit_2(snap, tmp_path, capsys, content):
    cloud(snap, "users").write_text(content)
    code, _ = check(snap, tmp_path)
    assert code == 2 and "cloud/users.json" in one_line_error(capsys)


# Both front ends see the same unread inputs ---------------------------------------------------------------

class Outcomes:
    def __init__(self):
        self.seen: dict[str, str] = {}
        self.text: dict[str, str] = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            name = report.nodeid.split("::", 1)[1]
            self.seen[name] = "xfailed" if hasattr(report, "wasxfail") else report.outcome
            self.text[name] = str(report.longrepr or "")


def test_pytest_front_end_reports_unread_inputs_as_the_engine_does(snap, tmp_path):
    cloud(snap, "roleEligibilitySchedules").unlink()
    cloud(snap, "groups").unlink()
    for config_file in (CONFIG, config_with(tmp_path, '[sources]\nknown_empty = ["roleEligibilitySchedules"]\n')):
        config = load_config(str(config_file))
        directory = read_snapshot(snap, extra_graph=config.extra_graph, extra_ldap=config.extra_ldap)
        run = Engine(directory, config).run(users=["bob.smith@contoso.com"])
        engine = {f"{check_id}[{s.name}]": result for s in run.subjects for check_id, result in s.results.items()}
        collector = Outcomes()
        pytest.main(["checks/", "--snapshot", str(snap), "--config", str(config_file),
                     "--user", "bob.smith@contoso.com", "-p", "no:cacheprovider", "-p", "no:terminal"],
                    plugins=[collector])
        assert set(collector.seen) == set(engine)
        for name, result in engine.items():
            failing = "failed" if run.severity[name.split("[", 1)[0]] == "blocker" else "xfailed"  # --fail-on blocker
            outcome = {"pass": "passed", "fail": failing, "error": failing, "skip": "skipped", "waived": "xfailed"}
            assert collector.seen[name] == outcome[result.status], name
            if result.status == "error":
                assert result.message.startswith("not read: ") and result.message in collector.text[name]
        declared = config_file != CONFIG
        assert engine["no-admin-role[bob.smith@contoso.com]"].status == ("pass" if declared else "error")
        assert engine["upn-unique[bob.smith@contoso.com]"].status == "error"


def test_already_synchronized_users_stay_skipped_when_inputs_were_not_read(snap):
    records = users(snap)
    records[0]["onPremisesSyncEnabled"] = True
    write_users(snap, records)
    cloud(snap, "groups").unlink()
    run = Engine(read_snapshot(snap), Config()).run(users=[records[0]["userPrincipalName"]])
    assert {r.status for r in run.subjects[0].results.values()} == {"skip"}


def test_an_export_without_user_account_control_leaves_no_user_ready_on_it(tmp_path):
    """Found by review: without userAccountControl in the LDIF, account-enabled skipped and Ben Carter,
    whose AD account is disabled (the first sync would disable his cloud user), became ready."""
    snapshot = tmp_path / "contoso"
    shutil.copytree(EXAMPLE, snapshot)
    ldif = snapshot / "onprem" / "ad.ldif"
    lines = ldif.read_text(encoding="utf-8").splitlines(keepends=True)
    ldif.write_text("".join(line for line in lines if not line.startswith("userAccountControl:")), encoding="utf-8")
    directory = read_snapshot(snapshot)
    assert "userAccountControl" in directory.coverage.get("adUsers").missing
    run = Engine(directory, load_config(None, str(snapshot))).run()
    ben = next(s for s in run.subjects if s.name == "ben.carter@contoso.com")
    result = ben.results["account-enabled"]
    assert result.status == "error" and "adUsers.userAccountControl" in result.message and ben.readiness != "ready"
    assert not [s.name for s in run.subjects if s.results.get("account-enabled") is not None
                and s.results["account-enabled"].status == "pass"]


def test_a_waiver_never_covers_a_check_that_could_not_look_itself():
    """Found by review: a refused per-user read (onPremisesSyncBehavior, 403) makes cloud-managed and
    single-match return `not read` errors of their own, and a waiver of every check for the user
    turned them into waived, so the user became ready on data nobody read."""
    from syncready.config import Waiver
    from syncready.model import CloudUser, Directory, Domain, OnPremObject

    ann = CloudUser(id="c0", upn="ann@contoso.com", mail="ann@contoso.com", proxy_addresses=("SMTP:ann@contoso.com",),
                    account_enabled=True, user_type="Member", sync_enabled=False)
    ad = OnPremObject(dn="CN=ann,OU=Staff,DC=contoso,DC=test", object_class="user", object_guid=b"\1" * 16,
                      upn="ann@contoso.com", sam="ann", mail="ann@contoso.com", uac=512)
    directory = Directory(cloud_users=[ann], onprem=[ad], roles_known=True, domains=[Domain("contoso.com", True)])
    directory.coverage.not_read("users.onPremisesSyncBehavior", "403 Authorization_RequestDenied for 1 of 1 users")
    waived = Config(waivers=(Waiver("*", ("ann@*",), "accepted (CHG-2)"),))
    subject = next(s for s in Engine(directory, waived).run().subjects if s.name == ann.upn)
    errors = {cid: r.status for cid, r in subject.results.items() if r.status == "error"}
    assert "cloud-managed" in errors and subject.readiness != "ready", errors
