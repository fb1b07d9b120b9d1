"""The Graph test server against Graph's published metadata (graphserver/graph-schema-2026-08.json, an
extract of microsoftgraph/msgraph-metadata of 2026-08-20): the server's types name exactly the
schema's properties, navigation properties and collections, and what it answers has the schema's
types, so a reader tested against it cannot rely on a property or a shape real Graph lacks."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from graphserver import GraphServer, schema  # noqa: E402

pytestmark = pytest.mark.live  # starts the local Graph server

SCHEMA = json.loads((Path(__file__).parent / "graphserver" / "graph-schema-2026-08.json").read_text("utf-8"))
SID = "S-1-5-21-3623811015-3361044348-30300820-1013"
SERVER_TYPES = {
    "user": schema.USER, "group": schema.GROUP, "orgContact": schema.ORG_CONTACT, "domain": schema.DOMAIN,
    "unifiedRoleAssignment": schema.ROLE_ASSIGNMENT, "unifiedRoleEligibilitySchedule": schema.ROLE_ELIGIBILITY_SCHEDULE,
    "unifiedRoleDefinition": schema.ROLE_DEFINITION, "onPremisesDirectorySynchronization": schema.SYNC,
    "onPremisesSyncBehavior": schema.SYNC_BEHAVIOR, "mailboxSettings": schema.MAILBOX_SETTINGS,
}
EDM = {
    "Edm.String": lambda v: isinstance(v, str),
    "Edm.Boolean": lambda v: isinstance(v, bool),
    "Edm.Int32": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Edm.Int64": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Edm.Double": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "Edm.Guid": lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-fA-F-]{36}", v) is not None,
    "Edm.DateTimeOffset": lambda v: isinstance(v, str) and re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", v) is not None,
    "Edm.Date": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v) is not None,
    "Edm.TimeOfDay": lambda v: isinstance(v, str) and re.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?", v) is not None,
}


def members(version: str, name: str) -> tuple[dict, dict]:
    """(properties, navigation) of a type with everything it inherits."""
    props: dict = {}
    navigation: dict = {}
    while name:
        found = SCHEMA[version][name]
        props.update(found.get("properties", {}))
        navigation.update(found.get("navigation", {}))
        name = found.get("base")
    return props, navigation


def problems(value, type_name: str, version: str, where: str, collection: bool = False,
             nullable: bool = True) -> list[str]:
    """How `value` departs from the schema's type (empty when it conforms)."""
    if value is None:
        return [] if nullable and not collection else [f"{where}: null where the schema allows none"]
    if collection:
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__} where the schema has a collection"]
        return [p for n, item in enumerate(value) for p in problems(item, type_name, version, f"{where}[{n}]",
                                                                     nullable=False)]
    if type_name in EDM:
        return [] if EDM[type_name](value) else [f"{where}: {value!r} is not {type_name}"]
    name = type_name.removeprefix("microsoft.graph.")
    declared = SCHEMA[version].get(name)
    assert declared is not None, f"{where}: type {type_name} is not in the schema extract"
    if declared["kind"] == "enum":
        return [] if value in declared["members"] else [f"{where}: {value!r} is not a {name} member"]
    if not isinstance(value, dict):
        return [f"{where}: {value!r} where the schema has the {declared['kind']} type {name}"]
    props, _ = members(version, name)
    found = []
    for key, item in value.items():
        if key.startswith("@odata."):
            continue
        if key not in props:
            found.append(f"{where}.{key}: not a property of {name} in {version}")
            continue
        spec = props[key]
        found += problems(item, spec["type"], version, f"{where}.{key}", spec["collection"], spec["nullable"])
    return found


def rich_user(**extra) -> dict:
    user = {
        "id": "u-rich", "userPrincipalName": "rich@contoso.com", "mail": "rich@contoso.com", "displayName": "Rich",
        "accountEnabled": True, "userType": "Member", "proxyAddresses": ["SMTP:rich@contoso.com"],
        "onPremisesSyncEnabled": False, "onPremisesImmutableId": "AAAAAAAAAAAAAAAAAAAAAA==",
        "onPremisesSecurityIdentifier": SID, "onPremisesLastSyncDateTime": "2025-11-02T08:15:00Z",
        "onPremisesDistinguishedName": "CN=Rich,OU=Staff,DC=contoso,DC=com", "onPremisesSamAccountName": "rich",
        "onPremisesDomainName": "contoso.com", "onPremisesUserPrincipalName": "rich@contoso.com",
        "onPremisesProvisioningErrors": [{"category": "PropertyConflict", "propertyCausingError": "ProxyAddresses",
                                          "value": "smtp:rich@contoso.com",
                                          "occurredDateTime": "2025-11-02T08:15:00Z"}],
        "passwordPolicies": "DisablePasswordExpiration", "lastPasswordChangeDateTime": "2025-10-01T12:00:00Z",
        "createdDateTime": "2024-01-01T00:00:00Z", "businessPhones": [],
        "onPremisesSyncBehavior": {"isCloudManaged": True}, "mailboxSettings": {"userPurpose": "shared"},
        "onPremisesObjectIdentifier": "5b0e4a3c-0000-4000-8000-000000000001",
    }
    user.update(extra)
    return user


@pytest.fixture(scope="module")
def server():
    with GraphServer({"users": [rich_user()]}) as started:
        yield started


def get(server: GraphServer, path: str, version: str = "v1.0") -> dict:
    response = httpx.get(f"{server.base_url}/{version}{path}", headers={"Authorization": f"Bearer {server.token}"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("name", sorted(SERVER_TYPES))
def test_server_types_name_the_schemas_properties(name):
    props, navigation = members("v1.0", name)
    served = SERVER_TYPES[name]
    assert served.properties == set(props)
    assert served.navigation == set(navigation)
    assert served.collections == {p for p, spec in props.items() if spec["collection"]}
    assert served.booleans <= {p for p, spec in props.items() if spec["type"] == "Edm.Boolean"}
    assert served.strings <= {p for p, spec in props.items() if spec["type"] in ("Edm.String", "Edm.Guid")}


def test_hidden_and_navigation_properties_are_where_the_schema_puts_them():
    for version in ("v1.0", "beta"):
        props, navigation = members(version, "user")
        assert "onPremisesObjectIdentifier" not in props and "onPremisesObjectIdentifier" not in navigation
        assert "onPremisesSyncBehavior" in navigation and "onPremisesSyncBehavior" not in props
        assert "onPremisesObjectIdentifier" not in SCHEMA["beta_prod_names"]["user"]["properties"]
    assert SCHEMA["v1.0"]["userPurpose"]["kind"] == "enum" and SCHEMA["beta"]["userPurpose"]["kind"] == "complex"


def test_a_user_with_every_property_conforms(server):
    body = get(server, "/users/u-rich?$select=*")
    assert problems(body, "user", "v1.0", "user") == []
    assert body["onPremisesSecurityIdentifier"] == SID and body["onPremisesProvisioningErrors"][0]["category"]
    assert "onPremisesObjectIdentifier" not in body and "onPremisesSyncBehavior" not in body
    page = get(server, "/users?$select=id,onPremisesProvisioningErrors,lastPasswordChangeDateTime,passwordPolicies")
    assert problems(page["value"][0], "user", "v1.0", "page") == []


def test_the_sync_object_has_every_published_feature(server):
    body = get(server, "/directory/onPremisesSynchronization")
    assert problems(body["value"][0], "onPremisesDirectorySynchronization", "v1.0", "sync") == []
    published, _ = members("v1.0", "onPremisesDirectorySynchronizationFeature")
    assert set(body["value"][0]["features"]) == set(published)


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_per_user_answers_conform(server, version):
    behavior = get(server, "/users/u-rich/onPremisesSyncBehavior", version)
    assert problems(behavior, "onPremisesSyncBehavior", version, "onPremisesSyncBehavior") == []
    assert behavior["isCloudManaged"] is True
    settings = get(server, "/users/u-rich/mailboxSettings", version)
    assert problems(settings, "mailboxSettings", version, "mailboxSettings") == []
    assert settings["userPurpose"] == ("shared" if version == "v1.0" else {"value": "shared"})


def test_the_checker_finds_departures():
    """The conformance checker itself: a wrong type, an unknown property, a bad enum member."""
    assert problems({"isCloudManaged": "true"}, "onPremisesSyncBehavior", "v1.0", "x")
    assert problems({"onPremisesObjectIdentifier": "x"}, "user", "v1.0", "x")
    assert problems({"userPurpose": {"value": "shared"}}, "mailboxSettings", "v1.0", "x")
    assert problems({"userPurpose": "shared"}, "mailboxSettings", "beta", "x")
    assert problems({"onPremisesProvisioningErrors": None}, "user", "v1.0", "x")
