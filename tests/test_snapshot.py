"""Snapshot folders: Graph JSON in every shape Microsoft's tools write, the AD LDIF, the mapping to
the model, the writer, and one-line errors naming the file and the record."""
from __future__ import annotations

import base64
import codecs
import copy
import io
import json
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncready.errors import SourceError
from syncready.model import CloudObject, CloudUser, Domain, OnPremObject, RoleAssignment, SyncFeatures
from syncready.results import read_results
from syncready.sources.admap import AD_ATTRIBUTES, ad_attributes, onprem_from_attributes
from syncready.sources.graphmap import (CONTACT_SELECT, GROUP_SELECT, USER_SELECT, USER_SELECT_2026,
                                        cloud_contact_from_graph, cloud_group_from_graph, cloud_user_from_graph,
                                        domain_from_graph, features_from_graph, role_assignment_from_graph,
                                        tenant_id_from_sync, user_select)
from syncready.sources.ldif import write_ldif
from syncready.sources.snapshot import SNAPSHOT_FILES, read_snapshot, write_snapshot

TENANT = "0e3ad8d5-1b36-4b6b-9f43-5b0a0a1d9c11"
BOB_GUID = uuid.UUID("88666888-0101-1111-bbbb-1234567890ab")
CONSISTENCY = uuid.UUID("11111111-2222-3333-4444-555555555555")


def graph_user(n: int, **changes) -> dict:
    user = {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "userPrincipalName": f"user{n}@contoso.com",
        "mail": f"user{n}@contoso.com",
        "mailNickname": f"user{n}",
        "givenName": "User",
        "surname": f"Number {n}",
        "displayName": f"User Number {n}",
        "proxyAddresses": [f"SMTP:user{n}@contoso.com", f"smtp:user{n}@contoso.onmicrosoft.com"],
        "onPremisesImmutableId": None,
        "onPremisesSyncEnabled": None,
        "accountEnabled": True,
        "userType": "Member",
        "jobTitle": "Agent",
    }
    user.update(changes)
    return user


USERS = [graph_user(n) for n in range(5)]
GROUPS = [{"id": "g1", "displayName": "Sales", "mail": "sales@contoso.com", "mailEnabled": True,
           "proxyAddresses": ["SMTP:sales@contoso.com"]},
          {"id": "g2", "displayName": "Security only", "mail": None, "mailEnabled": False, "proxyAddresses": []}]
CONTACTS = [{"id": "c1", "displayName": "Partner", "mail": "p@fabrikam.com", "proxyAddresses": ["SMTP:p@fabrikam.com"]}]
DOMAINS = [{"id": "contoso.com", "isVerified": True, "authenticationType": "Managed", "isInitial": False},
           {"id": "contoso.onmicrosoft.com", "isVerified": True, "authenticationType": "Managed", "isInitial": True},
           {"id": "fed.contoso.com", "isVerified": True, "authenticationType": "Federated", "isInitial": False}]
SYNC = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directory/onPremisesSynchronization",
        "value": [{"id": TENANT, "configuration": {"accidentalDeletionPrevention": None},
                   "features": {"softMatchOnUpnEnabled": True, "blockSoftMatchEnabled": False,
                                "blockCloudObjectTakeoverThroughHardMatchEnabled": True,
                                "synchronizeUpnForManagedUsersEnabled": False,
                                "passwordSyncEnabled": False}}]}
ROLES = [{"id": "r1", "principalId": USERS[1]["id"], "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
          "roleDefinition": {"id": "62e90394-69f5-4237-9190-012177145e10", "displayName": "Global Administrator"}},
         {"id": "r2", "principalId": USERS[2]["id"], "roleDefinitionId": "fe930be7-5e62-47db-91af-98c3a49a38b1"}]
ELIGIBLE = [{"id": "e1", "principalId": USERS[3]["id"], "roleDefinitionId": "x",
             "roleDefinition": {"displayName": "User Administrator"}}]
GROUP_MEMBERS = [{"id": "g2", "members": [{"@odata.type": "#microsoft.graph.user", "id": USERS[4]["id"]}]}]
# Get-EXOMailbox | ConvertTo-Json records (PascalCase, Id as Exchange gives it)
MAILBOXES = [{"Id": "user1", "UserPrincipalName": USERS[1]["userPrincipalName"], "RecipientTypeDetails": "UserMailbox",
              "PrimarySmtpAddress": USERS[1]["userPrincipalName"],
              "ExchangeGuid": "2c3f5b1e-7a0d-4e4b-9a52-3f2d6e0b7c11",
              "LegacyExchangeDN": "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/"
                                  "cn=0a1b2c3d4e5f-user1",
              "EmailAddresses": [f"SMTP:{USERS[1]['userPrincipalName']}"]}]


def ad_entries() -> list[tuple[str, dict]]:
    base = "OU=Staff,DC=contoso,DC=com"
    return [
        ("DC=contoso,DC=com", {"objectClass": ["top", "domain", "domainDNS"], "dc": "contoso"}),
        (base, {"objectClass": ["top", "organizationalUnit"], "ou": "Staff"}),
        (f"CN=Bob,{base}", {
            "objectClass": ["top", "person", "organizationalPerson", "user"],
            "objectGUID": [BOB_GUID.bytes_le], "mS-DS-ConsistencyGuid": [CONSISTENCY.bytes_le],
            "userPrincipalName": "user0@contoso.com", "sAMAccountName": "bob", "mail": "user0@contoso.com",
            "mailNickname": "user0", "proxyAddresses": ["SMTP:user0@contoso.com", "smtp:bob@contoso.com"],
            "givenName": "Bob", "sn": "Smith", "displayName": "Bob Smith", "userAccountControl": "514",
            "department": "Sales"}),
        (f"CN=Åsa Öberg,{base}", {
            "objectClass": ["top", "person", "organizationalPerson", "user", "inetOrgPerson"],
            "objectGUID": [uuid.UUID(int=7).bytes_le], "userPrincipalName": "asa@contoso.com",
            "givenName": "Åsa", "sn": "Öberg", "userAccountControl": "512"}),
        (f"CN=WS01,{base}", {"objectClass": ["top", "person", "organizationalPerson", "user", "computer"],
                             "objectGUID": [uuid.UUID(int=8).bytes_le], "sAMAccountName": "WS01$"}),
        (f"CN=Sales,{base}", {"objectClass": ["top", "group"], "objectGUID": [uuid.UUID(int=9).bytes_le],
                              "mail": "sales@contoso.com", "proxyAddresses": "SMTP:sales@contoso.com"}),
        (f"CN=Partner,{base}", {"objectClass": ["top", "person", "organizationalPerson", "contact"],
                                "mail": "p@fabrikam.com"}),
        ("CN=Administrator,CN=Users,DC=contoso,DC=com", {
            "objectClass": ["top", "person", "organizationalPerson", "user"],
            "objectGUID": [uuid.UUID(int=10).bytes_le], "sAMAccountName": "Administrator",
            "isCriticalSystemObject": "TRUE", "userAccountControl": "66048"}),
    ]


def full_raw() -> dict:
    return {"cloud/users.json": copy.deepcopy(USERS), "cloud/groups.json": GROUPS, "cloud/contacts.json": CONTACTS,
            "cloud/domains.json": DOMAINS, "cloud/sync.json": SYNC, "cloud/roleAssignments.json": ROLES,
            "cloud/roleEligibilitySchedules.json": ELIGIBLE, "cloud/groupMembers.json": GROUP_MEMBERS,
            "cloud/mailboxes.json": MAILBOXES, "onprem/ad.ldif": ad_entries()}


def make_snapshot(folder: Path, **files) -> Path:
    """A snapshot folder; each keyword is a file (users_json="..." is cloud/users.json, ad_ldif=...)
    given as text or bytes, written as is."""
    for key, content in files.items():
        stem, ext = key.rsplit("_", 1)
        path = folder / ("onprem" if ext == "ldif" else "cloud") / f"{stem}.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return folder


def ldif_text(entries) -> str:
    buffer = io.StringIO()
    write_ldif(buffer, entries)
    return buffer.getvalue()


def snapshot_error(folder: Path, **kwargs) -> str:
    with pytest.raises(SourceError) as info:
        read_snapshot(folder, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


# Reading a complete snapshot.

def test_full_snapshot(tmp_path):
    write_snapshot(tmp_path, full_raw())
    d = read_snapshot(tmp_path, extra_graph=("jobTitle",), extra_ldap=("department",))
    assert d.sources == {"cloud": f"snapshot:{tmp_path}", "onprem": f"snapshot:{tmp_path}"}
    assert d.tenant_id == TENANT
    assert d.cloud_users[0] == CloudUser(
        id=USERS[0]["id"], upn="user0@contoso.com", mail="user0@contoso.com", mail_nickname="user0",
        given_name="User", surname="Number 0", display_name="User Number 0",
        proxy_addresses=("SMTP:user0@contoso.com", "smtp:user0@contoso.onmicrosoft.com"),
        immutable_id=None, sync_enabled=None, account_enabled=True, user_type="Member",
        extra={"jobTitle": "Agent"})
    assert len(d.cloud_users) == 5
    assert d.cloud_groups == [
        CloudObject("g1", "group", "Sales", "sales@contoso.com", True, ("SMTP:sales@contoso.com",)),
        CloudObject("g2", "group", "Security only", None, False, ())]
    assert d.cloud_contacts == [
        CloudObject("c1", "contact", "Partner", "p@fabrikam.com", None, ("SMTP:p@fabrikam.com",))]
    assert d.domains == [Domain("contoso.com", True, "Managed", False),
                         Domain("contoso.onmicrosoft.com", True, "Managed", True),
                         Domain("fed.contoso.com", True, "Federated", False)]
    assert d.features == SyncFeatures(soft_match_on_upn=True, block_soft_match=False,
                                      block_cloud_object_takeover_through_hard_match=True,
                                      synchronize_upn_for_managed_users=False,
                                      raw=SYNC["value"][0]["features"], known=True)
    assert d.roles_known
    assert d.role_assignments == [RoleAssignment(USERS[1]["id"], "Global Administrator", False),
                                  RoleAssignment(USERS[2]["id"], "fe930be7-5e62-47db-91af-98c3a49a38b1", False),
                                  RoleAssignment(USERS[3]["id"], "User Administrator", True)]
    by_dn = {o.dn: o for o in d.onprem}
    assert sorted((o.object_class, o.dn.split(",")[0]) for o in d.onprem) == [
        ("contact", "CN=Partner"), ("group", "CN=Sales"), ("user", "CN=Administrator"),
        ("user", "CN=Bob"), ("user", "CN=Åsa Öberg")]
    assert by_dn["CN=Bob,OU=Staff,DC=contoso,DC=com"] == OnPremObject(
        dn="CN=Bob,OU=Staff,DC=contoso,DC=com", object_class="user", object_guid=BOB_GUID.bytes_le,
        consistency_guid=CONSISTENCY.bytes_le, upn="user0@contoso.com", sam="bob", mail="user0@contoso.com",
        mail_nickname="user0", proxy_addresses=("SMTP:user0@contoso.com", "smtp:bob@contoso.com"),
        given_name="Bob", sn="Smith", display_name="Bob Smith", uac=514, critical=False,
        extra={"department": "Sales"})
    bob = by_dn["CN=Bob,OU=Staff,DC=contoso,DC=com"]
    assert bob.anchor == base64.b64encode(CONSISTENCY.bytes_le).decode() and bob.enabled is False
    asa = by_dn["CN=Åsa Öberg,OU=Staff,DC=contoso,DC=com"]
    assert (asa.given_name, asa.sn, asa.extra) == ("Åsa", "Öberg", {"department": None})
    assert by_dn["CN=Administrator,CN=Users,DC=contoso,DC=com"].critical is True


def test_parts_are_read_independently(tmp_path):
    make_snapshot(tmp_path / "c", users_json=json.dumps(USERS))
    d = read_snapshot(tmp_path / "c", parts=("cloud",))
    assert list(d.sources) == ["cloud"] and len(d.cloud_users) == 5 and d.onprem == []
    make_snapshot(tmp_path / "o", ad_ldif=ldif_text(ad_entries()))
    d = read_snapshot(tmp_path / "o", parts=["onprem"])
    assert list(d.sources) == ["onprem"] and d.cloud_users == [] and len(d.onprem) == 5
    with pytest.raises(ValueError, match="unknown snapshot part"):
        read_snapshot(tmp_path / "o", parts=("ad",))


def test_optional_cloud_files(tmp_path):
    make_snapshot(tmp_path, users_json=json.dumps(USERS))
    d = read_snapshot(tmp_path, parts=("cloud",))
    assert d.features.known is False
    assert (d.roles_known, d.role_assignments, d.cloud_groups, d.cloud_contacts, d.domains) == (False, [], [], [], [])
    assert d.tenant_id == "tenant"


def test_tenant_from_initial_domain_when_sync_is_missing(tmp_path):
    make_snapshot(tmp_path, users_json=json.dumps(USERS), domains_json=json.dumps({"value": DOMAINS}))
    assert read_snapshot(tmp_path, parts=("cloud",)).tenant_id == "contoso.onmicrosoft.com"


def test_eligibility_alone_does_not_make_roles_known(tmp_path):
    make_snapshot(tmp_path, users_json=json.dumps(USERS), roleEligibilitySchedules_json=json.dumps(ELIGIBLE))
    d = read_snapshot(tmp_path, parts=("cloud",))
    assert d.roles_known is False
    assert d.role_assignments == [RoleAssignment(USERS[3]["id"], "User Administrator", True)]


def test_empty_role_assignments_make_roles_known(tmp_path):
    make_snapshot(tmp_path, users_json=json.dumps(USERS), roleAssignments_json='{"value": []}')
    d = read_snapshot(tmp_path, parts=("cloud",))
    assert d.roles_known is True and d.role_assignments == []


@pytest.mark.parametrize("sync", [
    SYNC,
    SYNC["value"][0],
    [SYNC["value"][0]],
    json.dumps(SYNC["value"][0]) + "\n",
])
def test_sync_shapes(tmp_path, sync):
    make_snapshot(tmp_path, users_json="[]", sync_json=sync if isinstance(sync, str) else json.dumps(sync))
    d = read_snapshot(tmp_path, parts=("cloud",))
    assert d.tenant_id == TENANT
    assert d.features.block_cloud_object_takeover_through_hard_match is True


def test_empty_optional_files_are_empty_json_lines(tmp_path):
    make_snapshot(tmp_path, users_json="[]", groups_json="", contacts_json="\n", sync_json="",
                  roleAssignments_json="")
    d = read_snapshot(tmp_path, parts=("cloud",))
    assert (d.cloud_groups, d.cloud_contacts, d.features.known, d.roles_known) == ([], [], False, True)


def test_empty_sync_collection_is_unknown(tmp_path):
    make_snapshot(tmp_path, users_json="[]", sync_json='{"value": []}')
    assert read_snapshot(tmp_path, parts=("cloud",)).features.known is False


# The shapes of users.json.

def page(records, next_link=False) -> dict:
    result = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": records}
    if next_link:
        result["@odata.nextLink"] = "https://graph.microsoft.com/v1.0/users?$skiptoken=X"
    return result


def pages_of(users, size):
    chunks = [users[i:i + size] for i in range(0, len(users), size)] or [[]]
    return [page(chunk, next_link=i < len(chunks) - 1) for i, chunk in enumerate(chunks)]


def shapes(users, size=2) -> dict[str, bytes]:
    """users.json written every way SPEC §2 allows, plus what PowerShell writes."""
    array = json.dumps(users)
    return {
        "array": array.encode(),
        "array-indented": json.dumps(users, indent=4).encode(),
        "page": json.dumps(page(users)).encode(),
        "pages": json.dumps(pages_of(users, size)).encode(),
        "json-lines": "".join(json.dumps(u) + "\n" for u in users).encode(),
        "json-lines-crlf-no-final-newline": "\r\n".join(json.dumps(u) for u in users).encode(),
        "page-per-line": "".join(json.dumps(p) + "\n" for p in pages_of(users, size)).encode(),
        "concatenated-pretty": "".join(json.dumps(u, indent=2) + "\n" for u in users).encode(),
        "utf8-bom": codecs.BOM_UTF8 + array.encode(),
        "utf16-bom (Windows PowerShell Out-File)": codecs.BOM_UTF16_LE + array.encode("utf-16-le"),
        "powershell-pascal-case": json.dumps([{k[0].upper() + k[1:]: v for k, v in u.items()}
                                              for u in users]).encode(),
    }


@pytest.mark.parametrize("shape", list(shapes(USERS)))
def test_every_users_json_shape_gives_the_same_users(tmp_path, shape):
    expected = [cloud_user_from_graph(u, ("jobTitle",)) for u in USERS]
    make_snapshot(tmp_path, users_json=shapes(USERS)[shape])
    assert read_snapshot(tmp_path, extra_graph=["jobTitle"], parts=("cloud",)).cloud_users == expected


def test_single_user_object(tmp_path):
    make_snapshot(tmp_path, users_json=json.dumps(USERS[0]))
    assert read_snapshot(tmp_path, parts=("cloud",)).cloud_users == [cloud_user_from_graph(USERS[0])]


def test_powershell_objects_for_every_file(tmp_path):
    def pascal(value):
        if isinstance(value, dict):
            return {k[0].upper() + k[1:]: pascal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [pascal(v) for v in value]
        return value

    raw = full_raw()
    for rel in SNAPSHOT_FILES[:-1]:
        raw[rel] = pascal(raw[rel]["value"][0] if rel.endswith("sync.json") else raw[rel])
    write_snapshot(tmp_path / "ps", raw)
    write_snapshot(tmp_path / "graph", full_raw())
    ps, graph = read_snapshot(tmp_path / "ps"), read_snapshot(tmp_path / "graph")
    graph.sources = ps.sources
    assert ps == graph


GRAPH_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
GRAPH_USERS = st.lists(st.builds(
    lambda n, name, proxies, enabled, immutable: graph_user(n, displayName=name, proxyAddresses=proxies,
                                                            accountEnabled=enabled, onPremisesImmutableId=immutable),
    st.integers(0, 10**6), GRAPH_TEXT, st.lists(GRAPH_TEXT, max_size=3), st.sampled_from([True, False, None]),
    st.one_of(st.none(), GRAPH_TEXT)), max_size=8, unique_by=lambda u: u["id"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GRAPH_USERS, st.integers(1, 4))
def test_all_shapes_agree_for_any_users(users, size):
    expected = [cloud_user_from_graph(u) for u in users]
    with tempfile.TemporaryDirectory() as folder:
        for shape, content in shapes(users, size).items():
            if not content.strip():
                continue
            make_snapshot(Path(folder), users_json=content)
            assert read_snapshot(folder, parts=("cloud",)).cloud_users == expected, shape


# write_snapshot.

def test_write_then_read_round_trip(tmp_path):
    paths = write_snapshot(tmp_path, full_raw())
    assert sorted(p.relative_to(tmp_path).as_posix() for p in paths) == sorted(SNAPSHOT_FILES)
    assert not list(tmp_path.rglob("*.partial"))
    lines = (tmp_path / "cloud/users.json").read_text(encoding="utf-8").split("\n")
    assert lines[0] == "[" and lines[-2:] == ["]", ""] and len(lines) == len(USERS) + 3
    assert json.loads(lines[1].rstrip(",")) == USERS[0]
    assert json.loads((tmp_path / "cloud/sync.json").read_text()) == SYNC
    d = read_snapshot(tmp_path)
    assert [u.upn for u in d.cloud_users] == [u["userPrincipalName"] for u in USERS]
    assert len(d.onprem) == 5


def test_write_empty_and_streamed_lists(tmp_path):
    write_snapshot(tmp_path, {"cloud/users.json": iter([]), "cloud/groups.json": (g for g in GROUPS)})
    assert json.loads((tmp_path / "cloud/users.json").read_text()) == []
    d = read_snapshot(tmp_path, parts=("cloud",))
    assert d.cloud_users == [] and len(d.cloud_groups) == 2


def test_write_keeps_non_ascii_readable(tmp_path):
    write_snapshot(tmp_path, {"cloud/users.json": [graph_user(1, displayName="Åsa Öberg")]})
    assert "Åsa Öberg" in (tmp_path / "cloud/users.json").read_text(encoding="utf-8")


def test_rewriting_a_part_removes_its_stale_files_only(tmp_path):
    write_snapshot(tmp_path, full_raw())
    write_snapshot(tmp_path, {"cloud/users.json": USERS[:1]})
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == [
        "cloud/users.json", "onprem/ad.ldif"]
    d = read_snapshot(tmp_path)
    assert len(d.cloud_users) == 1 and not d.roles_known and len(d.onprem) == 5


def test_write_refuses_unknown_files_and_a_cloud_part_without_users(tmp_path):
    with pytest.raises(ValueError, match="not snapshot files: \\['cloud/secrets.json'\\]"):
        write_snapshot(tmp_path, {"cloud/users.json": [], "cloud/secrets.json": []})
    with pytest.raises(ValueError, match="needs cloud/users.json"):
        write_snapshot(tmp_path, {"cloud/groups.json": []})
    assert not list(tmp_path.iterdir())


# Errors: one line naming the file and the record.

def test_missing_folder_and_required_files(tmp_path):
    assert snapshot_error(tmp_path / "nope") == f"snapshot folder {tmp_path / 'nope'} does not exist"
    (tmp_path / "file").write_text("x")
    assert snapshot_error(tmp_path / "file") == f"snapshot {tmp_path / 'file'} is not a folder"
    assert snapshot_error(tmp_path) == f"snapshot folder {tmp_path} has no cloud/users.json"
    make_snapshot(tmp_path, users_json="[]")
    assert snapshot_error(tmp_path) == f"snapshot folder {tmp_path} has no onprem/ad.ldif"


def test_relative_folder_is_named_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert snapshot_error(Path("snap")) == f"snapshot folder {tmp_path / 'snap'} does not exist"


def test_invalid_json_position(tmp_path):
    make_snapshot(tmp_path, users_json='[\n{"id": "a"},\n{"id" "b"}\n]')
    assert snapshot_error(tmp_path, parts=("cloud",)) == (
        "cloud/users.json: not valid JSON at line 3 column 7 (Expecting ':' delimiter)")


def test_invalid_json_lines_position(tmp_path):
    make_snapshot(tmp_path, users_json=json.dumps(USERS[0]) + "\n" + json.dumps(USERS[1]) + "\n{\"id\": }\n")
    assert snapshot_error(tmp_path, parts=("cloud",)) == (
        "cloud/users.json: not valid JSON at line 3 column 8 (Expecting value)")


@pytest.mark.parametrize("content, message", [
    ("", "cloud/users.json: the file is empty"),
    (" \n", "cloud/users.json: the file is empty"),
    ("42", "cloud/users.json: expected a JSON array or object, found 42"),
    (b"[\"\xff\"]", "cloud/users.json: not UTF-8 text (byte 0xff at offset 2)"),
    ("[1]", "cloud/users.json: record 0: expected a JSON object, found a number"),
    ('{"id": "x"}', "cloud/users.json: the object: missing userPrincipalName"),
    ('[{"value": []}, {"id": "x"}]', 'cloud/users.json: page 1: expected a Graph page {"value": [...]} like page 0'),
])
def test_malformed_users_json(tmp_path, content, message):
    make_snapshot(tmp_path, users_json=content)
    assert snapshot_error(tmp_path, parts=("cloud",)) == message


def test_missing_upn_names_the_array_index(tmp_path):
    users = [copy.deepcopy(u) for u in USERS * 4]
    del users[17]["userPrincipalName"]
    make_snapshot(tmp_path, users_json=json.dumps(users))
    assert snapshot_error(tmp_path, parts=("cloud",)) == "cloud/users.json: record 17: missing userPrincipalName"


def test_bad_record_in_a_page_list_names_page_and_record(tmp_path):
    users = copy.deepcopy(USERS)
    users[3]["id"] = 3
    make_snapshot(tmp_path, users_json=json.dumps(pages_of(users, 2)))
    assert snapshot_error(tmp_path, parts=("cloud",)) == (
        "cloud/users.json: page 1 record 1: id is a number, expected a string")


def test_bad_record_in_json_lines_names_the_line(tmp_path):
    users = copy.deepcopy(USERS)
    users[2]["proxyAddresses"] = "SMTP:x@contoso.com"
    make_snapshot(tmp_path, users_json="\n".join(json.dumps(u) for u in users))
    assert snapshot_error(tmp_path, parts=("cloud",)) == (
        "cloud/users.json: line 3: proxyAddresses is a string, expected an array of strings")
    make_snapshot(tmp_path, users_json="\n".join(json.dumps(p) for p in pages_of(users, 2)))
    assert snapshot_error(tmp_path, parts=("cloud",)) == (
        "cloud/users.json: line 2 record 0: proxyAddresses is a string, expected an array of strings")


@pytest.mark.parametrize("file, content, message", [
    ("groups_json", '[{"displayName": "x"}]', "cloud/groups.json: record 0: missing id"),
    ("contacts_json", '{"value": [{"id": "c"}, null]}',
     "cloud/contacts.json: record 1: expected a JSON object, found null"),
    ("domains_json", '[{"isInitial": true}]', "cloud/domains.json: record 0: missing id"),
    ("roleAssignments_json", '[{"principalId": "p"}]',
     "cloud/roleAssignments.json: record 0: missing roleDefinition.displayName and roleDefinitionId"),
    ("roleEligibilitySchedules_json", '[{"roleDefinitionId": "r"}]',
     "cloud/roleEligibilitySchedules.json: record 0: missing principalId"),
    ("sync_json", '{"id": "t", "features": {"blockSoftMatchEnabled": "yes"}}',
     "cloud/sync.json: features.blockSoftMatchEnabled is 'yes', expected true or false"),
    ("sync_json", '{"value": [{"id": "a", "features": {}}, {"id": "b", "features": {}}]}',
     "cloud/sync.json: expected one onPremisesDirectorySynchronization object, found 2"),
    ("sync_json", '{"id": "t"}', "cloud/sync.json: no 'features' in the onPremisesDirectorySynchronization object"),
    ("sync_json", '{"id": "t", "features": }', "cloud/sync.json: not valid JSON at line 1 column 25 (Expecting value)"),
])
def test_malformed_optional_files(tmp_path, file, content, message):
    make_snapshot(tmp_path, users_json="[]", **{file: content})
    assert snapshot_error(tmp_path, parts=("cloud",)) == message


def test_short_object_guid_names_line_and_dn(tmp_path):
    entries = ad_entries()
    entries[3][1]["objectGUID"] = [bytes(15)]
    text = ldif_text(entries)
    line = text.split("\n").index("dn:: " + base64.b64encode(entries[3][0].encode()).decode()) + 1
    make_snapshot(tmp_path, ad_ldif=text)
    assert snapshot_error(tmp_path, parts=("onprem",)) == (
        f"onprem/ad.ldif line {line} (CN=Åsa Öberg,OU=Staff,DC=contoso,DC=com): objectGUID is 15 bytes, expected 16")


@pytest.mark.parametrize("attrs, message", [
    ({"objectClass": "user", "userAccountControl": "abc"}, "userAccountControl 'abc' is not an integer"),
    ({"objectClass": "user", "isCriticalSystemObject": "yes"},
     "isCriticalSystemObject 'YES' is neither TRUE nor FALSE"),
    ({"objectClass": "user", "displayName": b"Bj\xf6rn"},
     "displayName is not valid UTF-8 text (byte 0xf6 at offset 2)"),
    ({"cn": "no class"}, "no objectClass (include objectClass in the export)"),
])
def test_bad_ad_values_name_line_and_dn(tmp_path, attrs, message):
    make_snapshot(tmp_path, ad_ldif="# export\n\n" + ldif_text([("CN=A,DC=x", {"objectClass": "user"}),
                                                               ("CN=Bob,OU=Staff,DC=x", attrs)]))
    assert snapshot_error(tmp_path, parts=("onprem",)) == f"onprem/ad.ldif line 6 (CN=Bob,OU=Staff,DC=x): {message}"


def test_ldif_syntax_error_is_named_relative_to_the_snapshot(tmp_path):
    make_snapshot(tmp_path, ad_ldif="dn: CN=A,DC=x\nobjectClass: user\nchangetype: delete\n")
    assert snapshot_error(tmp_path, parts=("onprem",)) == (
        "onprem/ad.ldif line 3 (CN=A,DC=x): changetype: delete is not supported; "
        "a snapshot holds entries (changetype: add)")


def test_ldifde_export_with_bom_and_crlf(tmp_path):
    text = ("\r\ndn: CN=Bob,OU=Staff,DC=contoso,DC=com\r\nchangetype: add\r\nobjectClass: top\r\n"
            "objectClass: user\r\nobjectGUID:: " + base64.b64encode(BOB_GUID.bytes_le).decode() + "\r\n"
            "userPrincipalName: bob@contoso.com\r\n\r\n")
    make_snapshot(tmp_path, ad_ldif=codecs.BOM_UTF8 + text.encode())
    (bob,) = read_snapshot(tmp_path, parts=("onprem",)).onprem
    assert (bob.upn, bob.object_guid) == ("bob@contoso.com", BOB_GUID.bytes_le)


# The mapping functions on their own.

def test_select_lists():
    assert USER_SELECT[:2] == ("id", "userPrincipalName") and len(USER_SELECT) == 12
    assert set(GROUP_SELECT) == {"id", "displayName", "mail", "mailEnabled", "proxyAddresses",
                                 "onPremisesProvisioningErrors"}
    assert set(CONTACT_SELECT) == {"id", "displayName", "mail", "proxyAddresses", "onPremisesProvisioningErrors"}
    assert user_select(["jobTitle", "onPremisesExtensionAttributes/extensionAttribute1", "mail"]) == [
        *USER_SELECT, *USER_SELECT_2026, "jobTitle", "onPremisesExtensionAttributes"]


def test_user_extras_and_nested_properties():
    user = graph_user(1, onPremisesExtensionAttributes={"extensionAttribute1": "E1"})
    mapped = cloud_user_from_graph(user, ("jobTitle", "department", "onPremisesExtensionAttributes/extensionAttribute1",
                                          "jobTitle/x"))
    assert mapped.extra == {"jobTitle": "Agent", "department": None,
                            "onPremisesExtensionAttributes/extensionAttribute1": "E1", "jobTitle/x": None}
    assert cloud_user_from_graph(user).extra == {}


@pytest.mark.parametrize("obj, message", [
    ({}, "missing id and userPrincipalName"),
    ({"id": "x", "userPrincipalName": ""}, "missing userPrincipalName"),
    ({"id": "x", "userPrincipalName": ["a"]}, "userPrincipalName is an array, expected a string"),
    ("x", "expected a JSON object, found a string"),
])
def test_user_errors(obj, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        cloud_user_from_graph(obj)


def test_group_contact_domain_defaults():
    assert cloud_group_from_graph({"id": "g"}) == CloudObject("g", "group")
    assert cloud_contact_from_graph({"id": "c", "proxyAddresses": None}) == CloudObject("c", "contact")
    assert domain_from_graph({"id": "d", "authenticationType": None}) == Domain("d", False, "Managed", False)


def test_features_variants():
    obj = SYNC["value"][0]
    assert features_from_graph(SYNC) == features_from_graph(obj) == features_from_graph(obj["features"])
    assert features_from_graph({"value": []}) == SyncFeatures(known=False)
    defaults = features_from_graph({"id": "t", "features": {"softMatchOnUpnEnabled": None}})
    assert defaults == SyncFeatures(raw={"softMatchOnUpnEnabled": None})
    assert features_from_graph({"features": {"blockSoftMatchEnabled": True}}).block_soft_match is True
    assert tenant_id_from_sync(SYNC) == TENANT and tenant_id_from_sync({"value": []}) is None
    with pytest.raises(ValueError, match="'features' is an array"):
        features_from_graph({"features": []})


def test_role_assignment_variants():
    assert role_assignment_from_graph(ROLES[0], False) == RoleAssignment(USERS[1]["id"], "Global Administrator")
    assert role_assignment_from_graph({**ROLES[0], "roleDefinition": None}, True) == RoleAssignment(
        USERS[1]["id"], ROLES[0]["roleDefinitionId"], True)


def test_ad_attribute_list():
    assert set(AD_ATTRIBUTES) >= {"distinguishedName", "objectClass", "objectGUID", "mS-DS-ConsistencyGuid",
                                  "userPrincipalName", "sAMAccountName", "mail", "mailNickname", "proxyAddresses",
                                  "givenName", "sn", "displayName", "userAccountControl", "isCriticalSystemObject"}
    assert ad_attributes(["department", "MAIL", "Department"]) == [*AD_ATTRIBUTES, "department"]


def test_onprem_any_case_str_values_and_case_variants():
    attrs = {"OBJECTCLASS": ["top", "user"], "objectguid": [str(BOB_GUID)], "ProxyAddresses": ["SMTP:a@x"],
             "proxyaddresses": ["smtp:b@x"], "UserAccountControl": ["512"], "Department": ["Sales"]}
    obj = onprem_from_attributes("CN=A,DC=x", attrs, ["DEPARTMENT"])
    assert obj.object_guid == BOB_GUID.bytes_le
    assert sorted(obj.proxy_addresses) == ["SMTP:a@x", "smtp:b@x"]
    assert (obj.uac, obj.enabled, obj.extra) == (512, True, {"department": "Sales"})


@pytest.mark.parametrize("classes, expected", [
    ([b"top", b"group"], "group"),
    ([b"top", b"person", b"organizationalPerson", b"contact"], "contact"),
    ([b"top", b"person", b"organizationalPerson", b"user", b"inetOrgPerson"], "user"),
    ([b"Top", b"Person", b"InetOrgPerson"], "user"),
    ([b"top", b"person", b"organizationalPerson", b"user", b"computer"], None),
    ([b"top", b"organizationalUnit"], None),
])
def test_object_class(classes, expected):
    obj = onprem_from_attributes("CN=A,DC=x", {"objectClass": classes})
    assert (obj.object_class if obj else None) == expected


def test_guid_as_text_with_braces_and_bad_lengths():
    attrs = {"objectClass": [b"user"], "objectGUID": [("{" + str(BOB_GUID) + "}").encode()]}
    assert onprem_from_attributes("CN=A", attrs).object_guid == BOB_GUID.bytes_le
    for value in (b"", b"x" * 36, bytes(17)):
        with pytest.raises(ValueError, match=f"^objectGUID is {len(value)} bytes, expected 16$"):
            onprem_from_attributes("CN=A", {"objectClass": [b"user"], "objectGUID": [value]})


@pytest.mark.parametrize("shape", ["page", "pages", "lines"])
def test_an_export_that_stopped_before_the_last_page_is_refused(tmp_path, shape):
    users = [{"id": str(n), "userPrincipalName": f"u{n}@contoso.com"} for n in range(4)]
    first = page(users[:2], next_link=True)
    text = {"page": json.dumps(first), "pages": json.dumps([first]),
            "lines": json.dumps(page(users[:2], next_link=True)) + "\n" + json.dumps(first)}[shape]
    make_snapshot(tmp_path, users_json=text)
    with pytest.raises(SourceError, match="still has @odata.nextLink"):
        read_snapshot(tmp_path, parts=("cloud",))


# syncready snapshot writes manifest.json (SPEC §8), and reading honours it.

def test_snapshot_command_writes_a_manifest_that_check_honours(graph_server, tmp_path, capsys):
    """Cloud read live from the Graph test server into a folder whose AD part was made by hand."""
    from syncready.cli import main

    example = Path(__file__).resolve().parent.parent / "examples" / "contoso"
    out = tmp_path / "snap"
    (out / "onprem").mkdir(parents=True)
    (out / "onprem" / "ad.ldif").write_bytes((example / "onprem" / "ad.ldif").read_bytes())
    graph_server.faults.add("/roleManagement/directory/roleEligibilitySchedules", 403, count=None)
    live = ["--config", str(example / "syncready.toml"), "-q", "--graph-url", graph_server.url, "--auth", "token"]
    assert main(["snapshot", "--out", str(out), *live]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tool"]["name"] == "syncready" and manifest["generated"].endswith("Z")
    assert manifest["tenant_id"] and manifest["scope"]["include"] == [
        "OU=Staff,DC=contoso,DC=test", "OU=Contractors,DC=contoso,DC=test"]
    collections = manifest["collections"]
    served = len(json.loads((example / "cloud" / "users.json").read_text(encoding="utf-8"))["value"])
    assert collections["users"]["status"] == "read" and collections["users"]["count"] == served
    assert {"proxyAddresses", "onPremisesImmutableId", "department"} <= set(collections["users"]["properties"])
    assert collections["roleAssignments"] == {"status": "read", "count": 2, "file": "cloud/roleAssignments.json"}
    assert collections["roleEligibilitySchedules"]["status"] == "unavailable"
    assert "403" in collections["roleEligibilitySchedules"]["reason"]
    assert "adUsers" not in collections          # the hand-made AD part is left to its file
    assert graph_server.token not in (out / "manifest.json").read_text(encoding="utf-8")

    # An empty eligibility file beside the manifest does not make the roles complete.
    (out / "cloud" / "roleEligibilitySchedules.json").write_text("[]")
    results = tmp_path / "results.json"
    main(["check", "--snapshot", str(out), "--config", str(example / "syncready.toml"), "-q", "--json", str(results)])
    doc = read_results(results)
    assert doc["coverage"]["collections"]["roleEligibilitySchedules"]["status"] == "not-read"
    no_admin = {s["subject"]: s["results"]["no-admin-role"] for s in doc["subjects"] if "no-admin-role" in s["results"]}
    assert no_admin["bob.smith@contoso.com"]["status"] == "error"
    assert no_admin["bob.smith@contoso.com"]["message"].startswith("not read: roleEligibilitySchedules")
    assert doc["coverage"]["collections"]["users"]["status"] == "read"
