"""The Graph test server's per-user reads and the beta object-identifier PATCH, through the real
msgraph-sdk (its request builders and models) and plain HTTP: the permission each needs, Graph's
refusals, $batch with per-item statuses and throttling, and nothing served that Graph hides."""
from __future__ import annotations

import httpx
import pytest

from graphserver import GraphServer
from test_graphserver import run_sdk

pytestmark = pytest.mark.live  # starts the local Graph server

SYNC_RW = "User-OnPremisesSyncBehavior.ReadWrite.All"
OID = "5b0e4a3c-0000-4000-8000-000000000001"
USERS = [
    {"id": "u-moved", "userPrincipalName": "moved@contoso.com", "mail": "moved@contoso.com", "userType": "Member",
     "onPremisesSyncEnabled": None, "onPremisesLastSyncDateTime": "2025-11-02T08:15:00Z",
     "onPremisesSecurityIdentifier": "S-1-5-21-1-2-3-1013",
     "onPremisesSyncBehavior": {"isCloudManaged": True}, "mailboxSettings": {"userPurpose": "shared"},
     "onPremisesObjectIdentifier": OID},
    {"id": "u-left", "userPrincipalName": "left@contoso.com", "userType": "Member", "onPremisesSyncEnabled": False},
    {"id": "u-plain", "userPrincipalName": "plain@contoso.com", "mail": "plain@contoso.com", "userType": "Member",
     "mailboxSettings": {"userPurpose": "user"}},
]


@pytest.fixture
def server():
    with GraphServer({"users": [dict(u) for u in USERS]}) as started:
        yield started


def call(server: GraphServer, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
    return httpx.request(method, server.base_url + path, headers={"Authorization": f"Bearer {token or server.token}"},
                         **kwargs)


def code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_sdk_reads_sync_behavior_and_mailbox_settings_into_its_models(server):
    from msgraph.generated.models.user_purpose import UserPurpose

    async def work(client):
        moved = client.users.by_user_id("u-moved")
        return (await moved.on_premises_sync_behavior.get(), await moved.mailbox_settings.get(),
                await client.users.by_user_id("u-left").on_premises_sync_behavior.get())

    behavior, settings, never = run_sdk(server, work)
    assert behavior.is_cloud_managed is True and never.is_cloud_managed is False
    assert settings.user_purpose == UserPurpose.Shared


def test_only_the_readwrite_permission_reads_sync_behavior(server):
    reader = server.issue_token(permissions={"User.Read.All", "Directory.Read.All", "MailboxSettings.Read"})
    assert code(call(server, "GET", "/v1.0/users/u-moved/onPremisesSyncBehavior", reader)) == \
        (403, "Authorization_RequestDenied")
    writer = server.issue_token(permissions={SYNC_RW})
    answer = call(server, "GET", "/beta/users/u-moved/onPremisesSyncBehavior?$select=isCloudManaged", writer)
    assert answer.status_code == 200 and {k: v for k, v in answer.json().items() if k[0] != "@"} == \
        {"isCloudManaged": True}
    assert code(call(server, "GET", "/v1.0/users/nobody/onPremisesSyncBehavior", writer)) == \
        (404, "Request_ResourceNotFound")


def test_navigation_and_hidden_properties_are_not_in_a_list(server):
    page = call(server, "GET", "/v1.0/users?$select=id,onPremisesSyncBehavior").json()["value"]
    assert page and all(set(row) == {"id"} for row in page)
    refused = call(server, "GET", "/v1.0/users?$select=id,onPremisesObjectIdentifier")
    assert refused.status_code == 400 and refused.json()["error"]["message"] == (
        "Parsing OData Select and Expand failed: Could not find a property named 'onPremisesObjectIdentifier' on "
        "type 'microsoft.graph.user'.")
    assert call(server, "GET", "/v1.0/users/u-moved?$select=onPremisesObjectIdentifier").status_code == 400


def test_mailbox_settings_permission_and_users_without_a_mailbox(server):
    assert call(server, "GET", "/v1.0/users/u-plain/mailboxSettings").json()["userPurpose"] == "user"
    assert call(server, "GET", "/beta/users/u-moved/mailboxSettings").json()["userPurpose"] == {"value": "shared"}
    assert code(call(server, "GET", "/v1.0/users/u-left/mailboxSettings")) == (404, "MailboxNotEnabledForRESTAPI")
    no_mail = server.issue_token(permissions={"User.Read.All"})
    assert code(call(server, "GET", "/v1.0/users/u-plain/mailboxSettings", no_mail)) == (403, "ErrorAccessDenied")
    server.state.per_user.refused.add("u-plain")           # an Exchange application access policy
    assert code(call(server, "GET", "/v1.0/users/u-plain/mailboxSettings")) == (403, "ErrorAccessDenied")
    selected = call(server, "GET", "/v1.0/users/u-moved/mailboxSettings?$select=userPurpose").json()
    assert {k for k in selected if k[0] != "@"} == {"userPurpose"}


def test_batch_reads_per_user_with_per_item_status_and_throttling(server):
    server.faults.add("/users/u-plain/mailboxSettings", 429, seconds=3)
    token = server.issue_token(permissions={"User.Read.All", "MailboxSettings.Read"})
    items = [{"id": "1", "method": "GET", "url": "/users/u-moved/mailboxSettings"},
             {"id": "2", "method": "GET", "url": "/users/u-plain/mailboxSettings"},
             {"id": "3", "method": "GET", "url": "/users/u-left/mailboxSettings"},
             {"id": "4", "method": "GET", "url": "/users/u-moved/onPremisesSyncBehavior"}]
    answer = call(server, "POST", "/v1.0/$batch", token, json={"requests": items})
    responses = {r["id"]: r for r in answer.json()["responses"]}
    assert {k: r["status"] for k, r in responses.items()} == {"1": 200, "2": 429, "3": 404, "4": 403}
    assert responses["2"]["headers"]["Retry-After"] == "3"
    assert responses["1"]["body"]["userPurpose"] == "shared"
    beta = call(server, "POST", "/beta/$batch", json={"requests": items[:1]}).json()["responses"][0]
    assert beta["body"]["userPurpose"] == {"value": "shared"}
    many = [{"id": str(n), "method": "GET", "url": "/users/u-moved/onPremisesSyncBehavior"} for n in range(21)]
    assert call(server, "POST", "/v1.0/$batch", json={"requests": many}).status_code == 400


def test_beta_patch_clears_the_object_identifier_and_accepts_only_null(server):
    identifiers = server.state.per_user.object_identifiers
    assert identifiers == {"u-moved": OID}
    plain = server.issue_token(permissions={"User.ReadWrite.All"})
    body = {"onPremisesObjectIdentifier": None}
    assert code(call(server, "PATCH", "/beta/users/u-moved", plain, json=body)) == (403, "Authorization_RequestDenied")
    writer = server.issue_token(permissions={SYNC_RW})
    assert code(call(server, "PATCH", "/beta/users/u-moved", writer, json={"onPremisesObjectIdentifier": OID})) == \
        (400, "Request_BadRequest")
    assert code(call(server, "PATCH", "/v1.0/users/u-moved", json=body)) == (400, "Request_BadRequest")
    assert identifiers == {"u-moved": OID}
    assert call(server, "PATCH", "/beta/users/u-moved", writer, json=body).status_code == 204
    assert identifiers == {}
    assert call(server, "PATCH", "/beta/users/u-plain", json={"displayName": "Plain"}).status_code == 204
    assert server.state.users["u-plain"]["displayName"] == "Plain"
    assert call(server, "GET", "/beta/users").status_code == 501     # the rest of beta is not served
