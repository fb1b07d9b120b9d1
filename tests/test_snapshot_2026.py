"""Snapshot reading and writing of SPEC §10's sources: the earlier-sync and password properties of
cloud users, the per-user onPremisesSyncBehavior and mailboxSettings, the tenant's new features and
cloud/mailboxes.json (Get-EXOMailbox)."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncready.cli import main
from syncready.model import Mailbox
from syncready.sources.graphmap import (OBJECT_IDENTIFIER, USER_PER_USER, USER_SELECT, USER_SELECT_2026,
                                        cloud_user_from_graph, features_from_graph, user_select)
from syncready.sources.exomap import mailbox_from_exo
from syncready.sources.snapshot import read_snapshot, write_snapshot
from syncready.sources.snapshot_layout import EXO_COMMAND, HOW
from test_snapshot import DOMAINS, SYNC, graph_user, make_snapshot, snapshot_error

SID = "S-1-5-21-1004336348-1177238915-682003330-1105"
SPARSE = dict.fromkeys(USER_SELECT_2026)     # what an export that selects them gives a never-synced user

# Microsoft Graph's user resource, as "Get a user" documents it with $select of the on-premises
# properties (values of a user an earlier Connect Sync run created).
LEARN_USER = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,...)/$entity",
    "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
    "userPrincipalName": "AdeleV@contoso.com",
    "mail": "AdeleV@contoso.com",
    "mailNickname": "AdeleV",
    "givenName": "Adele",
    "surname": "Vance",
    "displayName": "Adele Vance",
    "proxyAddresses": ["SMTP:AdeleV@contoso.com"],
    "onPremisesImmutableId": "Nk2eLQhRgk6bWc8nr06Zbg==",
    "onPremisesSyncEnabled": False,
    "accountEnabled": True,
    "userType": "Member",
    "onPremisesSecurityIdentifier": SID,
    "onPremisesLastSyncDateTime": "2024-11-05T07:43:08Z",
    "onPremisesDistinguishedName": "CN=Adele Vance,OU=Staff,DC=contoso,DC=com",
    "onPremisesSamAccountName": "AdeleV",
    "onPremisesProvisioningErrors": [{"category": "PropertyConflict", "occurredDateTime": "2024-11-05T07:43:08Z",
                                      "propertyCausingError": "ProxyAddresses", "value": "smtp:adele@contoso.com"}],
    "passwordPolicies": "DisablePasswordExpiration",
    "lastPasswordChangeDateTime": "2024-10-01T12:00:00Z",
    "onPremisesSyncBehavior": {"isCloudManaged": True},
    "mailboxSettings": {"userPurpose": "user"},
}

# Get-EXOMailbox -ResultSize Unlimited -Properties ... | ConvertTo-Json -Depth 5, as Exchange Online
# PowerShell V3 writes it: PascalCase, the default minimum property set besides the requested ones,
# ConvertTo-Json's four-space indent and two spaces after each colon.
_LEGACY = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn="
_ORG = "contoso.onmicrosoft.com"
EXO_RECORDS = [
    {"ExternalDirectoryObjectId": "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "UserPrincipalName": "AdeleV@contoso.com",
     "Alias": "AdeleV", "DisplayName": "Adele Vance",
     "EmailAddresses": ["SMTP:AdeleV@contoso.com", f"smtp:AdeleV@{_ORG}",
                        f"X500:{_LEGACY}5e1b3a0c2d4f4b7e9a1c0f2e3d4c5b6a-AdeleV"],
     "PrimarySmtpAddress": "AdeleV@contoso.com", "RecipientType": "UserMailbox", "RecipientTypeDetails": "UserMailbox",
     "ExchangeGuid": "0e5c9b5c-7f0c-4c9d-8a2b-6d2f6c1b9e11",
     "LegacyExchangeDN": f"{_LEGACY}5e1b3a0c2d4f4b7e9a1c0f2e3d4c5b6a-AdeleV",
     "Identity": "AdeleV", "Id": "AdeleV", "ExchangeVersion": "0.20 (15.0.0.0)", "Name": "AdeleV",
     "DistinguishedName": f"CN=AdeleV,OU={_ORG},OU=Microsoft Exchange Hosted Organizations,DC=EURPR01A001,"
                          "DC=prod,DC=outlook,DC=com",
     "OrganizationId": f"EURPR01A001.prod.outlook.com/Microsoft Exchange Hosted Organizations/{_ORG}",
     "Guid": "5e1b3a0c-2d4f-4b7e-9a1c-0f2e3d4c5b6a"},
    {"UserPrincipalName": "Reception@contoso.com", "EmailAddresses": ["SMTP:Reception@contoso.com"],
     "PrimarySmtpAddress": "Reception@contoso.com", "RecipientTypeDetails": "SharedMailbox",
     "ExchangeGuid": "2b1f7c1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b", "LegacyExchangeDN": f"{_LEGACY}reception",
     "Id": "Reception"},
]
EXO_EXPORT = json.dumps(EXO_RECORDS, indent=4, separators=(",", ":  ")) + "\n"


def cloud_snapshot(folder: Path, users: list, **files) -> Path:
    write_snapshot(folder, {"cloud/users.json": users, "cloud/domains.json": DOMAINS, "cloud/sync.json": SYNC,
                            **files})
    return folder


def users_coverage(folder: Path) -> dict:
    return read_snapshot(folder, parts=("cloud",)).coverage.get("users").to_json()


# --- Microsoft's documented shapes -----------------------------------------------------------------

def test_graph_user_resource_with_the_on_premises_properties(tmp_path):
    user = read_snapshot(cloud_snapshot(tmp_path, [LEARN_USER]), parts=("cloud",)).cloud_users[0]
    assert (user.security_identifier, user.last_sync, user.onprem_dn, user.onprem_sam) == (
        SID, "2024-11-05T07:43:08Z", "CN=Adele Vance,OU=Staff,DC=contoso,DC=com", "AdeleV")
    assert user.cloud_managed is True and user.mailbox_purpose == "user" and user.previously_synced
    assert user.provisioning_errors[0]["propertyCausingError"] == "ProxyAddresses"
    assert (user.password_policies, user.last_password_change) == ("DisablePasswordExpiration",
                                                                   "2024-10-01T12:00:00Z")
    assert users_coverage(tmp_path).get("missing_properties") is None


def test_get_exomailbox_convertto_json_export(tmp_path):
    cloud_snapshot(tmp_path, [LEARN_USER])
    (tmp_path / "cloud" / "mailboxes.json").write_bytes(EXO_EXPORT.encode("utf-16"))   # Windows PowerShell's >
    directory = read_snapshot(tmp_path, parts=("cloud",))
    adele, reception = directory.mailboxes
    assert adele == Mailbox("AdeleV@contoso.com", "AdeleV@contoso.com", "UserMailbox",
                            "0e5c9b5c-7f0c-4c9d-8a2b-6d2f6c1b9e11",
                            f"{_LEGACY}5e1b3a0c2d4f4b7e9a1c0f2e3d4c5b6a-AdeleV", adele.email_addresses)
    assert adele.email_addresses[2].startswith("X500:/o=ExchangeLabs")
    assert reception.recipient_type_details == "SharedMailbox"
    assert directory.coverage.get("mailboxes").to_json() == {"status": "read", "count": 2,
                                                             "source": "cloud/mailboxes.json"}


def test_get_mguser_export_with_the_new_properties(tmp_path):
    """Get-MgUser -Property ... | ConvertTo-Json: PascalCase, Windows PowerShell's /Date(ms)/ dates."""
    ps = {"Id": "1", "UserPrincipalName": "u1@contoso.com", "Mail": None, "ProxyAddresses": [],
          "OnPremisesImmutableId": None, "OnPremisesSyncEnabled": None, "AccountEnabled": True, "UserType": "Member",
          "OnPremisesSecurityIdentifier": SID, "OnPremisesLastSyncDateTime": "/Date(1730792588000)/",
          "OnPremisesDistinguishedName": None, "OnPremisesSamAccountName": None, "OnPremisesProvisioningErrors": [],
          "PasswordPolicies": None, "LastPasswordChangeDateTime": "2024-10-01T12:00:00Z",
          "MailboxSettings": {"UserPurpose": "shared", "AdditionalProperties": {}}, "AdditionalProperties": {}}
    make_snapshot(tmp_path, users_json=json.dumps([ps]))
    user = read_snapshot(tmp_path, parts=("cloud",)).cloud_users[0]
    assert (user.security_identifier, user.last_sync, user.mailbox_purpose) == (SID, "2024-11-05T07:43:08Z", "shared")


def test_beta_user_purpose_object_and_the_per_user_answers():
    base = {"id": "1", "userPrincipalName": "u@contoso.com"}
    beta = {"userPurpose": {"value": "room"}}
    assert cloud_user_from_graph({**base, "mailboxSettings": beta}).mailbox_purpose == "room"
    assert cloud_user_from_graph({**base, "mailboxSettings": {"value": "equipment"}}).mailbox_purpose == "equipment"
    assert cloud_user_from_graph({**base, "mailboxSettings": {"timeZone": "UTC"}}).mailbox_purpose is None
    behaviour = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('1')/onPremisesSyncBehavior/$entity",
                 "id": "1", "isCloudManaged": False}
    assert cloud_user_from_graph({**base, "onPremisesSyncBehavior": behaviour}).cloud_managed is False


def test_the_new_tenant_features():
    features = features_from_graph({"features": {"allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled": True,
                                                 "passwordSyncEnabled": True,
                                                 "userForcePasswordChangeOnLogonEnabled": True,
                                                 "cloudPasswordPolicyForPasswordSyncedUsersEnabled": None}})
    assert (features.allow_object_identifier_update, features.password_sync,
            features.user_force_password_change_on_logon,
            features.cloud_password_policy_for_password_synced_users) == (True, True, True, False)
    with pytest.raises(ValueError, match="^features.passwordSyncEnabled is 'yes', expected true or false$"):
        features_from_graph({"features": {"passwordSyncEnabled": "yes"}})


def test_select_lists_follow_the_published_schema():
    """v1.0 list-selectable only: the object identifier is in no published schema (Graph answers 400 to
    its $select), onPremisesSyncBehavior is a navigation property and mailboxSettings is per user."""
    select = user_select()
    assert select == [*USER_SELECT, *USER_SELECT_2026]
    assert OBJECT_IDENTIFIER not in select and not set(USER_PER_USER) & set(select)


# --- coverage: an absent key is not read, null is a reading ------------------------------------------

def test_absent_from_every_record_is_not_read_and_null_is_read(tmp_path):
    cloud_snapshot(tmp_path / "absent", [graph_user(1), graph_user(2)])
    missing = users_coverage(tmp_path / "absent")["missing_properties"]
    assert set(missing) == {*USER_SELECT_2026, *USER_PER_USER}
    nulls = {**SPARSE, "onPremisesSyncBehavior": None, "mailboxSettings": None}
    cloud_snapshot(tmp_path / "null", [graph_user(1, **nulls), graph_user(2, **nulls)])
    assert "missing_properties" not in users_coverage(tmp_path / "null")


def test_a_required_property_absent_from_some_records_is_not_read(tmp_path):
    """Found by review: one page exported without proxyAddresses and accountEnabled in its $select read
    as empty values, so a cloud alias AD lacks passed. As the live reader does, such a property is
    not read (for every user: coverage is per collection), and a note names it."""
    partial = {k: v for k, v in graph_user(2).items() if k not in ("proxyAddresses", "accountEnabled")}
    cloud_snapshot(tmp_path, [{"value": [graph_user(1)]}, {"value": [partial]}])
    directory = read_snapshot(tmp_path, parts=("cloud",))
    assert set(directory.coverage.get("users").missing) >= {"proxyAddresses", "accountEnabled"}
    assert any("some user records lack accountEnabled, proxyAddresses" in note for note in directory.coverage.notes)
    cloud_snapshot(tmp_path / "whole", [{"value": [graph_user(1)]}, {"value": [graph_user(2)]}])
    whole = read_snapshot(tmp_path / "whole", parts=("cloud",)).coverage
    assert not {"proxyAddresses", "accountEnabled"} & set(whole.get("users").missing)


def test_a_per_user_property_on_some_users_is_read_and_the_others_stay_none(tmp_path):
    synced = graph_user(1, **SPARSE, onPremisesSyncEnabled=False, onPremisesSyncBehavior={"isCloudManaged": True},
                        mailboxSettings={"userPurpose": "shared"})
    cloud_snapshot(tmp_path, [synced, graph_user(2, **SPARSE)])
    directory = read_snapshot(tmp_path, parts=("cloud",))
    assert [(u.cloud_managed, u.mailbox_purpose) for u in directory.cloud_users] == [(True, "shared"), (None, None)]
    assert "missing_properties" not in directory.coverage.get("users").to_json()


def test_a_per_user_property_some_users_that_need_it_lack_is_not_read(tmp_path):
    """Found by review: bob@'s record lacked mailboxSettings while alice@'s had it, and bob@ read as having
    no mailbox, so the Exchange checks skipped him. Without a manifest that claims the read, it is not read."""
    alice = graph_user(1, **SPARSE, mailboxSettings={"userPurpose": "user"})
    cloud_snapshot(tmp_path, [alice, graph_user(2, **SPARSE)])
    entry = read_snapshot(tmp_path, parts=("cloud",)).coverage.collections.get("users.mailboxSettings")
    assert entry is not None and entry.to_json()["status"] == "not-read" and "1 user(s)" in entry.reason
    mailless = graph_user(2, **SPARSE) | {"mail": None, "proxyAddresses": []}
    cloud_snapshot(tmp_path / "mailless", [alice, mailless])       # no address: no mailbox to read
    assert "users.mailboxSettings" not in read_snapshot(tmp_path / "mailless", parts=("cloud",)).coverage.collections


def test_the_manifest_says_which_per_user_reads_were_made_or_refused(tmp_path):
    cloud_snapshot(tmp_path, [graph_user(1, **SPARSE)])
    manifest = {"collections": {
        "users": {"status": "read", "count": 1, "properties": [*user_select(), "onPremisesSyncBehavior"]},
        "users.mailboxSettings": {"status": "unavailable", "reason": "403 ErrorAccessDenied",
                                  "how": "grant MailboxSettings.Read"}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    coverage = read_snapshot(tmp_path, parts=("cloud",)).coverage
    assert coverage.get("users").missing == ("mailboxSettings",)   # onPremisesSyncBehavior: read, needed by none
    refused = coverage.get("users.mailboxSettings").to_json()
    assert refused["status"] == "not-read" and "403" in refused["reason"] and "MailboxSettings.Read" in refused["how"]


def test_mailboxes_json_absent_is_not_read_with_the_export_command(tmp_path):
    coverage = read_snapshot(cloud_snapshot(tmp_path, [graph_user(1)]), parts=("cloud",)).coverage
    entry = coverage.get("mailboxes")
    assert entry.to_json()["status"] == "not-read" and entry.how == HOW["mailboxes"]
    assert EXO_COMMAND in entry.how and EXO_COMMAND == (
        "Get-EXOMailbox -ResultSize Unlimited -Properties UserPrincipalName,PrimarySmtpAddress,"
        "RecipientTypeDetails,ExchangeGuid,LegacyExchangeDN,EmailAddresses | ConvertTo-Json -Depth 5")


def test_an_unavailable_manifest_entry_beats_an_empty_mailboxes_file(tmp_path):
    cloud_snapshot(tmp_path, [graph_user(1)], **{"cloud/mailboxes.json": []})
    assert read_snapshot(tmp_path, parts=("cloud",)).coverage.get("mailboxes").to_json()["status"] == "read"
    (tmp_path / "manifest.json").write_text(json.dumps({"collections": {
        "mailboxes": {"status": "unavailable", "reason": "no --mailboxes export was given"}}}))
    entry = read_snapshot(tmp_path, parts=("cloud",)).coverage.get("mailboxes")
    assert entry.to_json()["status"] == "not-read" and "no --mailboxes export" in entry.reason


# --- malformed values: one line naming the file and the record, exit 2 ------------------------------

@pytest.mark.parametrize(("change", "expected"), [
    ({"onPremisesSyncBehavior": True}, "onPremisesSyncBehavior is a boolean, expected an object"),
    ({"onPremisesSyncBehavior": {"isCloudManaged": "true"}}, "onPremisesSyncBehavior.isCloudManaged is a string"),
    ({"mailboxSettings": "shared"}, "mailboxSettings is a string, expected an object"),
    ({"mailboxSettings": {"userPurpose": 4}}, "mailboxSettings.userPurpose is a number"),
    ({"onPremisesSecurityIdentifier": 1105}, "onPremisesSecurityIdentifier is a number, expected a string or null"),
    ({"onPremisesProvisioningErrors": "PropertyConflict"}, "onPremisesProvisioningErrors is a string, expected an"),
    ({"lastPasswordChangeDateTime": "/Date(x)/"}, "lastPasswordChangeDateTime is \"/Date(x)/\", expected an ISO"),
])
def test_a_malformed_user_value_names_file_record_and_property(tmp_path, change, expected):
    cloud_snapshot(tmp_path, [graph_user(0), graph_user(1, **change)])
    assert snapshot_error(tmp_path, parts=("cloud",)).startswith(f"cloud/users.json: record 1: {expected}")


@pytest.mark.parametrize(("record", "expected"), [
    ({"PrimarySmtpAddress": "a@contoso.com"}, "record 1: missing UserPrincipalName"),
    ({"UserPrincipalName": "a@contoso.com", "ExchangeGuid": "not-a-guid"}, "record 1: ExchangeGuid is \"not-a-guid\""),
    ({"UserPrincipalName": "a@contoso.com", "EmailAddresses": "SMTP:a@contoso.com"}, "record 1: EmailAddresses is a"),
    ({"UserPrincipalName": "a@contoso.com", "RecipientTypeDetails": 7}, "record 1: RecipientTypeDetails is a number"),
])
def test_a_malformed_mailbox_names_file_and_record(tmp_path, record, expected):
    good = {"UserPrincipalName": "b@contoso.com", "RecipientTypeDetails": 4}
    cloud_snapshot(tmp_path, [graph_user(1)], **{"cloud/mailboxes.json": [good, record]})
    assert snapshot_error(tmp_path, parts=("cloud",)).startswith(f"cloud/mailboxes.json: {expected}")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=6)
NEW_KEYS = st.sampled_from([*USER_SELECT_2026, *USER_PER_USER, OBJECT_IDENTIFIER])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(NEW_KEYS, JSON, min_size=1, max_size=4), st.dictionaries(st.sampled_from(
    ["UserPrincipalName", "PrimarySmtpAddress", "RecipientTypeDetails", "ExchangeGuid", "LegacyExchangeDN",
     "EmailAddresses"]), JSON, max_size=4))
def test_any_new_value_is_read_or_refused_in_one_line_never_a_traceback(capsys, user_values, mailbox):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        cloud_snapshot(root, [graph_user(1, **user_values)], **{"cloud/mailboxes.json": [mailbox]})
        (root / "onprem").mkdir()
        (root / "onprem" / "ad.ldif").write_text("")
        capsys.readouterr()
        code = main(["check", "--snapshot", folder, "-q"])
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if code == 2:
            assert len(err.strip().splitlines()) == 1 and "cloud/" in err
        else:
            directory = read_snapshot(root)     # what check accepted, the reader reads alike
            assert directory.cloud_users[0].id == graph_user(1)["id"]


# --- round trip: syncready snapshot's writer and the reader ------------------------------------------

TEXT = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))
DATE = st.one_of(st.none(), st.datetimes(timezones=st.just(__import__("datetime").UTC)).map(
    lambda d: d.isoformat().replace("+00:00", "Z")))
NEW_USER = st.fixed_dictionaries({
    "onPremisesSecurityIdentifier": st.one_of(st.none(), st.integers(1000, 99999).map(lambda r: f"{SID[:-4]}{r}")),
    "onPremisesLastSyncDateTime": DATE, "onPremisesDistinguishedName": TEXT, "onPremisesSamAccountName": TEXT,
    "onPremisesProvisioningErrors": st.lists(st.fixed_dictionaries({"category": TEXT, "value": TEXT}), max_size=2),
    "passwordPolicies": st.sampled_from([None, "DisablePasswordExpiration", "None"]),
    "lastPasswordChangeDateTime": DATE,
}, optional={
    "onPremisesObjectIdentifier": TEXT,
    "onPremisesSyncBehavior": st.one_of(st.none(), st.builds(lambda b: {"isCloudManaged": b}, st.booleans())),
    "mailboxSettings": st.one_of(st.none(), st.builds(lambda p: {"userPurpose": p}, st.sampled_from(
        ["user", "linked", "shared", "room", "equipment", "others"]))),
})
MAILBOX = st.fixed_dictionaries({
    "UserPrincipalName": st.integers(0, 99).map(lambda n: f"mbx{n}@contoso.com"),
    "RecipientTypeDetails": st.sampled_from(["UserMailbox", "SharedMailbox", "RoomMailbox", "EquipmentMailbox"]),
    "ExchangeGuid": st.uuids().map(str), "LegacyExchangeDN": TEXT,
    "EmailAddresses": st.lists(st.text(min_size=1, max_size=10).map("smtp:{}".format), max_size=2)})


@settings(max_examples=40, deadline=None)
@given(st.lists(NEW_USER, min_size=1, max_size=5), st.lists(MAILBOX, max_size=3))
def test_round_trip_of_the_new_properties(values, mailboxes):
    users = [graph_user(n, **v) for n, v in enumerate(values)]
    with tempfile.TemporaryDirectory() as folder:
        cloud_snapshot(Path(folder), users, **{"cloud/mailboxes.json": mailboxes})
        stored = json.loads((Path(folder) / "cloud" / "users.json").read_text(encoding="utf-8"))
        directory = read_snapshot(folder, parts=("cloud",))
    assert stored == users                                   # embedded exactly as given
    assert directory.cloud_users == [cloud_user_from_graph(u) for u in users]
    assert directory.mailboxes == [mailbox_from_exo(m) for m in mailboxes]
    for user, raw in zip(directory.cloud_users, users, strict=True):
        assert user.security_identifier == raw["onPremisesSecurityIdentifier"]
        assert user.cloud_managed == (raw.get("onPremisesSyncBehavior") or {}).get("isCloudManaged")
        assert user.mailbox_purpose == (raw.get("mailboxSettings") or {}).get("userPurpose")
    missing = set(directory.coverage.get("users").missing)
    assert missing == {p for p in USER_PER_USER if all(p not in u for u in users)}


def test_a_bad_mailboxes_export_for_the_snapshot_command_is_exit_2_before_any_read(tmp_path, capsys):
    export = tmp_path / "exo.json"
    export.write_text('[{"UserPrincipalName": "a@contoso.com", "ExchangeGuid": 5}]')
    code = main(["snapshot", "--out", str(tmp_path / "snap"), "--graph-url", "https://127.0.0.1:9", "--auth", "token",
                 "--mailboxes", str(export), "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert f"{export}: record 0: ExchangeGuid is a number" in err and not (tmp_path / "snap").exists()


def test_snapshot_error_for_a_missing_mailboxes_file(tmp_path, capsys):
    code = main(["snapshot", "--out", str(tmp_path / "snap"), "--graph-url", "https://127.0.0.1:9", "--auth", "token",
                 "--mailboxes", str(tmp_path / "none.json"), "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "none.json: no such file" in err and "Get-EXOMailbox" in err


def test_manifest_of_a_snapshot_written_is_read_back_with_the_refusals(tmp_path):
    from syncready.sources.snapshot import manifest_document, write_manifest

    users = [graph_user(1, **SPARSE, onPremisesSyncEnabled=False, onPremisesSyncBehavior={"isCloudManaged": False})]
    cloud_snapshot(tmp_path, users)
    directory = read_snapshot(tmp_path, parts=("cloud",))
    directory.coverage.not_read("users.mailboxSettings", "403 ErrorAccessDenied for 1 user",
                                "grant MailboxSettings.Read")
    directory.coverage.not_read("mailboxes", "no export", HOW["mailboxes"])
    selected = {"users": [*user_select(), "onPremisesSyncBehavior"]}
    write_manifest(tmp_path, manifest_document(directory, ["cloud"], selected))
    again = read_snapshot(tmp_path, parts=("cloud",)).coverage
    assert again.get("users.mailboxSettings").reason.endswith("403 ErrorAccessDenied for 1 user)")
    assert again.get("mailboxes").to_json()["status"] == "not-read"



def test_the_mailbox_mapper_refuses_what_is_not_an_object():
    with pytest.raises(ValueError, match="^expected a JSON object, found an array$"):
        mailbox_from_exo([])


@pytest.mark.live
def test_a_live_cloud_takes_the_mailboxes_from_the_snapshot_folder(graph_server, tmp_path, capsys):
    """Graph cannot read Exchange Online mailboxes: --snapshot supplies cloud/mailboxes.json beside a live cloud."""
    example = Path(__file__).resolve().parent.parent / "examples" / "contoso"
    folder = tmp_path / "snap"
    (folder / "onprem").mkdir(parents=True)
    (folder / "onprem" / "ad.ldif").write_bytes((example / "onprem" / "ad.ldif").read_bytes())
    live = ["--snapshot", str(folder), "--config", str(example / "syncready.toml"), "-q", "--fail-on", "never",
            "--graph-url", graph_server.url, "--auth", "token", "--json"]
    assert main(["check", *live, str(tmp_path / "without.json")]) == 0
    without = json.loads((tmp_path / "without.json").read_text(encoding="utf-8"))["coverage"]["collections"]
    assert without["mailboxes"]["status"] == "not-read" and EXO_COMMAND in without["mailboxes"]["how"]
    (folder / "cloud").mkdir()
    (folder / "cloud" / "mailboxes.json").write_text(EXO_EXPORT, encoding="utf-8")
    assert main(["check", *live, str(tmp_path / "with.json")]) == 0
    doc = json.loads((tmp_path / "with.json").read_text(encoding="utf-8"))
    assert doc["coverage"]["collections"]["mailboxes"]["status"] == "read"
    assert doc["coverage"]["collections"]["mailboxes"]["count"] == 2
    assert doc["sources"]["cloud"] == f"graph:{graph_server.url}"


def test_groups_and_contacts_exported_without_addresses_are_not_read_for_them(tmp_path):
    """Found by review: groups.json of id and displayName only said no group holds any address, so the
    uniqueness checks passed. A key absent from a record was not selected (Graph returns null)."""
    bare = [{"id": "g1", "displayName": "Sales"}]
    addressed = [{"id": "g1", "displayName": "Sales", "mail": None, "proxyAddresses": []}]
    for groups, missing in ((bare, ["mail", "proxyAddresses"]), (addressed, [])):
        folder = tmp_path / str(len(missing))
        cloud_snapshot(folder, [graph_user(1)], **{"cloud/groups.json": groups, "cloud/contacts.json": []})
        coverage = read_snapshot(folder, parts=("cloud",)).coverage
        assert list(coverage.get("groups").missing) == missing
        assert coverage.unread(["groups.proxyAddresses"]) == (
            ["groups.proxyAddresses (absent or empty in every record: not selected in the export)"] if missing else [])
