"""The live reader's SPEC §10 reads against the local Graph server through the real msgraph-sdk: the new
user properties in the $select, onPremisesSyncBehavior and mailboxSettings per user through $batch
(only for the users that need them, counted), a refusal recorded as not read for those users, 429s
retried, other failures one line, and the raw objects embedded so a snapshot reads back the same."""
from __future__ import annotations

import pytest

from fixtures_graph import graph_args
from graphserver import GraphServer
from syncready.coverage import CoverageStatus
from syncready.errors import SourceError
from syncready.model import Directory
from syncready.sources import graphperuser
from syncready.sources.graphread import read_cloud
from syncready.sources.snapshot import read_snapshot, write_snapshot

pytestmark = pytest.mark.live  # reads the local Graph server, started here per test

SID = "S-1-5-21-3623811015-3361044348-30300820-1013"
SYNC_RW = "User-OnPremisesSyncBehavior.ReadWrite.All"
READ_ALL = {"User.Read.All", "Domain.Read.All", "Group.Read.All", "OrgContact.Read.All",
            "RoleManagement.Read.Directory", "RoleEligibilitySchedule.Read.Directory",
            "OnPremDirectorySynchronization.Read.All", "GroupMember.Read.All"}


def user(uid: str, **props) -> dict:
    base = {"id": uid, "userPrincipalName": f"{uid}@contoso.com", "mail": None, "proxyAddresses": [],
            "accountEnabled": True, "userType": "Member", "onPremisesSyncEnabled": None,
            "onPremisesImmutableId": None}
    base.update(props)
    return base


def tenant(extra_plain: int = 0) -> dict:
    users = [
        user("moved", mail="moved@contoso.com", onPremisesSecurityIdentifier=SID,
             onPremisesLastSyncDateTime="2025-11-02T08:15:00Z",
             onPremisesDistinguishedName="CN=Moved,DC=contoso,DC=com",
             onPremisesSamAccountName="moved", passwordPolicies="DisablePasswordExpiration",
             lastPasswordChangeDateTime="2025-10-01T12:00:00Z",
             onPremisesProvisioningErrors=[{"category": "PropertyConflict", "propertyCausingError": "ProxyAddresses",
                                            "value": "smtp:moved@contoso.com",
                                            "occurredDateTime": "2025-11-02T08:15:00Z"}],
             onPremisesSyncBehavior={"isCloudManaged": True}, mailboxSettings={"userPurpose": "shared"}),
        user("left", onPremisesSyncEnabled=False, proxyAddresses=["SMTP:left@contoso.com"]),
        user("synced", onPremisesSyncEnabled=True, mail="synced@contoso.com", mailboxSettings={"userPurpose": "user"}),
        user("plain", mail="plain@contoso.com", mailboxSettings={"userPurpose": "room"}),
        user("nomail"),
        user("guest", userType="Guest", mail="g@example.org", onPremisesSyncEnabled=False),
    ]
    users += [user(f"p{n:04d}", mail=f"p{n:04d}@contoso.com") for n in range(extra_plain)]
    return {"users": users, "domains": [{"id": "contoso.com", "isVerified": True, "isDefault": True}]}


@pytest.fixture
def server():
    with GraphServer(tenant()) as started:
        yield started


def read(server: GraphServer, monkeypatch, permissions: set[str] | None = None, raw: dict | None = None) -> Directory:
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.issue_token(permissions=permissions))
    return read_cloud(graph_args(server), into=Directory(), raw_sink=raw)


def batch_items(server: GraphServer, what: str) -> list[str]:
    return [r.target.split("/")[3] for r in server.requests if r.batch_item and r.target.split("?")[0].endswith(what)]


def test_new_properties_and_per_user_reads_only_for_the_users_that_need_them(server, monkeypatch):
    directory = read(server, monkeypatch)
    users = {u.id: u for u in directory.cloud_users}
    page = next(r.target for r in server.requests if r.target.startswith("/v1.0/users?"))
    for prop in ("onPremisesSecurityIdentifier", "onPremisesLastSyncDateTime", "onPremisesProvisioningErrors",
                 "onPremisesDistinguishedName", "onPremisesSamAccountName", "passwordPolicies",
                 "lastPasswordChangeDateTime"):
        assert prop in page
    assert "onPremisesSyncBehavior" not in page and "onPremisesObjectIdentifier" not in page
    moved = users["moved"]
    assert (moved.security_identifier, moved.last_sync, moved.onprem_sam) == (SID, "2025-11-02T08:15:00Z", "moved")
    assert moved.provisioning_errors[0]["propertyCausingError"] == "ProxyAddresses"
    assert moved.password_policies == "DisablePasswordExpiration"
    assert sorted(batch_items(server, "onPremisesSyncBehavior")) == ["left", "moved"]   # earlier-sync marks only
    assert sorted(batch_items(server, "mailboxSettings")) == ["left", "moved", "plain"]  # an SMTP address, not synced
    assert not any(r.target.startswith("/v1.0/users/") and "$count" not in r.target
                   for r in server.requests if not r.batch_item)
    assert (moved.cloud_managed, users["left"].cloud_managed, users["plain"].cloud_managed) == (True, False, None)
    assert (moved.mailbox_purpose, users["plain"].mailbox_purpose, users["left"].mailbox_purpose) == \
        ("shared", "room", None)
    for prop, count in (("onPremisesSyncBehavior", 2), ("mailboxSettings", 3)):
        entry = directory.coverage.get(f"users.{prop}")
        assert (entry.status, entry.count) == (CoverageStatus.READ, count)
    assert directory.coverage.unread(["users.onPremisesSyncBehavior", "users.mailboxSettings"]) == []


def test_refused_sync_behavior_is_not_read_for_those_users_and_stops_asking(monkeypatch):
    with GraphServer(tenant()) as server:
        for n in range(45):
            server.state.users[f"old{n}"] = user(f"old{n}", onPremisesSyncEnabled=False)
        server.invalidate()
        monkeypatch.setattr(graphperuser, "SLICE", 20)
        directory = read(server, monkeypatch, READ_ALL | {"MailboxSettings.Read"})
        asked = batch_items(server, "onPremisesSyncBehavior")
    assert len(asked) == 20, "the first slice answered 403 throughout: the rest is not sent"
    assert all(u.cloud_managed is None for u in directory.cloud_users)
    entry = directory.coverage.get("users.onPremisesSyncBehavior")
    assert entry.status is CoverageStatus.NOT_READ
    assert entry.reason == "403 Authorization_RequestDenied for 47 of 47 users (27 not asked once the first 20 " \
                           "were refused)"
    assert SYNC_RW in entry.how
    assert directory.coverage.unread(["users.onPremisesSyncBehavior"]) == [f"users.onPremisesSyncBehavior "
                                                                           f"({entry.reason}; {entry.how})"]
    assert directory.coverage.get("users.mailboxSettings").status is CoverageStatus.READ


def test_a_mailbox_refused_by_an_access_policy_is_not_read_the_others_are(server, monkeypatch):
    server.state.per_user.refused.add("plain")
    directory = read(server, monkeypatch)
    users = {u.id: u for u in directory.cloud_users}
    assert users["moved"].mailbox_purpose == "shared" and users["plain"].mailbox_purpose is None
    entry = directory.coverage.get("users.mailboxSettings")
    assert entry.status is CoverageStatus.NOT_READ and entry.reason == "403 ErrorAccessDenied for 1 of 3 users"
    assert "MailboxSettings.Read" in entry.how
    assert directory.coverage.unread(["users.mailboxSettings"])      # what the Exchange checks ask


def test_throttled_batch_items_are_retried_after_retry_after(server, monkeypatch):
    server.faults.add("/users/moved/onPremisesSyncBehavior", 429, count=2, seconds=1)
    server.faults.add("/users/plain/mailboxSettings", 503, count=1, seconds=1)
    directory = read(server, monkeypatch)
    users = {u.id: u for u in directory.cloud_users}
    assert users["moved"].cloud_managed is True and users["plain"].mailbox_purpose == "room"
    assert batch_items(server, "onPremisesSyncBehavior").count("moved") == 3
    assert batch_items(server, "mailboxSettings").count("plain") == 2


@pytest.mark.parametrize("status, code", [(500, "generalException"), (404, "Request_ResourceNotFound")])
def test_other_per_user_failures_are_one_line(server, monkeypatch, status, code):
    server.faults.add("/users/left/onPremisesSyncBehavior", status, count=None)
    with pytest.raises(SourceError) as caught:
        read(server, monkeypatch)
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"Graph GET /users/left/onPremisesSyncBehavior: {status} {code}")


def test_raw_objects_are_embedded_and_a_snapshot_reads_back_the_same(server, monkeypatch, tmp_path):
    raw: dict = {}
    directory = read(server, monkeypatch, raw=raw)
    users = {u["id"]: u for u in raw["cloud/users.json"]}
    assert users["moved"]["onPremisesSyncBehavior"] == {"isCloudManaged": True}
    assert users["moved"]["mailboxSettings"] == {"userPurpose": "shared"}
    assert users["left"]["mailboxSettings"] is None                      # 404 MailboxNotEnabledForRESTAPI
    assert "onPremisesSyncBehavior" not in users["plain"] and "mailboxSettings" not in users["nomail"]
    write_snapshot(tmp_path, raw)
    again = {u.id: u for u in read_snapshot(tmp_path, parts=("cloud",)).cloud_users}
    for found in directory.cloud_users:
        back = again[found.id]
        assert (back.cloud_managed, back.mailbox_purpose, back.security_identifier, back.provisioning_errors) == \
            (found.cloud_managed, found.mailbox_purpose, found.security_identifier, found.provisioning_errors)
