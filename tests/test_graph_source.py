"""The live cloud source against the local Graph server, through the real msgraph-sdk client: the same
Directory as the snapshot, faults survived, failures as one line, every --auth wiring that can run
here, and no secret in any output."""
from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import uuid
from pathlib import Path

import pytest

from fixtures_graph import CONTOSO, graph_args
from graphserver import GraphServer, load_snapshot
from syncready.cli import build_parser, main
from syncready.config import load_config
from syncready.errors import ConfigError, SourceError
from syncready.model import Directory
from syncready.options import from_args
from syncready.results import read_results
from syncready.sources.graphread import read_cloud
from syncready.sources.graphsession import open_session
from syncready.sources.graphauth import graph_target
from syncready.sources.snapshot import read_snapshot, write_snapshot

# how many users the example tenant has (the Graph test server serves them); read, not assumed
EXAMPLE_USERS = len(json.loads((CONTOSO / "cloud" / "users.json").read_text(encoding="utf-8"))["value"])

pytestmark = pytest.mark.live  # reads the local Graph server, started here per test

CONFIG = load_config(str(CONTOSO / "syncready.toml"))
CLOUD_FIELDS = ("cloud_users", "cloud_groups", "cloud_contacts", "domains", "features", "role_assignments",
                "roles_known", "tenant_id")
CLIENT_ID = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
SECRET = "s3cret~Value.0123456789"


def snapshot_cloud() -> Directory:
    return read_snapshot(CONTOSO, extra_graph=CONFIG.extra_graph, parts=("cloud",))


def live(server, **options) -> Directory:
    return read_cloud(graph_args(server, **options), into=Directory(), extra=CONFIG.extra_graph)


def assert_same_cloud(found: Directory, expected: Directory) -> None:
    for name in CLOUD_FIELDS:
        assert getattr(found, name) == getattr(expected, name), name


def many_users(count: int) -> dict:
    data = load_snapshot(CONTOSO)
    for n in range(count):
        data["users"].append({
            "id": str(uuid.UUID(int=n + 1)), "userPrincipalName": f"user{n:05d}@contoso.com",
            "mail": f"user{n:05d}@contoso.com", "mailNickname": f"user{n:05d}", "givenName": "User",
            "surname": f"N{n}", "displayName": f"User {n}", "department": "Sales",
            "proxyAddresses": [f"SMTP:user{n:05d}@contoso.com"], "onPremisesImmutableId": None,
            "onPremisesSyncEnabled": None, "accountEnabled": True, "userType": "Member"})
    return data


@pytest.fixture(scope="module")
def paged_server():
    with GraphServer(many_users(2500)) as server:
        yield server


@pytest.fixture(scope="module")
def paged_expected(paged_server):
    """What a clean read of the paged server gives (the reference for the fault tests)."""
    token = paged_server.issue_token()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNCREADY_GRAPH_TOKEN", token)
        return live(paged_server)


@pytest.fixture
def paged(paged_server, paged_expected, monkeypatch):
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", paged_server.token)
    paged_server.requests.clear()
    yield paged_server, paged_expected
    paged_server.faults.clear()


def one_line_error(exc_info) -> str:
    text = str(exc_info.value)
    assert "\n" not in text and text.strip() == text and text
    return text


# --- the same directory as the snapshot ----------------------------------------------------------

def test_live_read_equals_snapshot(graph_server):
    directory = live(graph_server)
    assert_same_cloud(directory, snapshot_cloud())
    assert directory.sources["cloud"] == f"graph:{graph_server.url}"
    assert len(directory.cloud_users) == EXAMPLE_USERS and directory.roles_known and directory.features.known


def test_select_names_every_property_graph_omits_by_default(graph_server):
    with open_session(graph_args(graph_server)) as session:
        default = session.get_json("/users", {"$top": 1})["value"][0]
    assert "onPremisesImmutableId" not in default and "proxyAddresses" not in default
    graph_server.requests.clear()
    directory = live(graph_server)
    users = [r.target for r in graph_server.requests if r.target.startswith("/v1.0/users?")]
    assert len(users) == 1
    for prop in ("onPremisesImmutableId", "onPremisesSyncEnabled", "proxyAddresses", "accountEnabled",
                 "userType", "mailNickname", "department"):
        assert prop in users[0]
    assert "$top=999" in users[0]
    stamped = [u for u in directory.cloud_users if u.immutable_id]
    assert stamped and any(u.extra.get("department") for u in directory.cloud_users)
    assert any(u.proxy_addresses for u in directory.cloud_users)


def test_raw_sink_is_what_graph_returned_and_round_trips(graph_server, tmp_path):
    raw: dict = {}
    directory = read_cloud(graph_args(graph_server), into=Directory(), extra=CONFIG.extra_graph, raw_sink=raw)
    assert set(raw) == {"cloud/users.json", "cloud/groups.json", "cloud/contacts.json", "cloud/domains.json",
                        "cloud/sync.json", "cloud/roleAssignments.json", "cloud/roleEligibilitySchedules.json",
                        "cloud/groupMembers.json"}
    assert raw["cloud/sync.json"]["id"] == directory.tenant_id
    assert all("roleDefinition" in r for r in raw["cloud/roleAssignments.json"])
    write_snapshot(tmp_path, raw)
    again = read_snapshot(tmp_path, extra_graph=CONFIG.extra_graph, parts=("cloud",))
    assert_same_cloud(again, directory)


def test_pages_follow_next_link_as_an_opaque_absolute_url(paged):
    server, expected = paged
    assert_same_cloud(live(server), expected)
    assert len(expected.cloud_users) == EXAMPLE_USERS + 2500
    users = [r.target for r in server.requests if r.target.startswith("/v1.0/users?")]
    assert len(users) == 3 and "$skiptoken=" in users[1] and "$skiptoken=" in users[2]
    assert len({u.id for u in expected.cloud_users}) == EXAMPLE_USERS + 2500


def test_fresh_headers_per_request(paged):
    server, _ = paged
    live(server)
    sent = [r for r in server.requests if not r.batch_item]     # $batch items ride on their POST's headers
    auth = [r.headers.get("authorization") for r in sent]
    assert auth and all(a == f"Bearer {server.token}" for a in auth)
    ids = [r.headers.get("client-request-id") for r in sent]
    assert len(set(ids)) == len(ids)


# --- faults mid-read -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [429, 503, 504, "drop"])
def test_faults_mid_read_give_identical_results(paged, kind):
    server, expected = paged
    fault = server.faults.add("/users", kind, after=1, seconds=1 if kind in (429, 503) else None)
    assert_same_cloud(live(server), expected)
    assert fault.fired == 1
    retried = [r for r in server.requests if r.target.startswith("/v1.0/users?")]
    assert len(retried) == 4
    if kind != "drop":
        assert retried[2].headers.get("retry-attempt") == "1"


def test_several_faults_on_several_endpoints(paged):
    server, expected = paged
    server.faults.add("/users", 429, after=2, seconds=1)
    server.faults.add("/groups", 503, seconds=1)
    server.faults.add("/roleManagement", "drop")
    assert_same_cloud(live(server), expected)


def test_persistent_throttling_ends_as_one_line_naming_the_endpoint(paged, monkeypatch):
    server, _ = paged
    server.faults.add("/domains", 429, count=None, seconds=0)
    monkeypatch.setattr("syncready.sources.graphsession.MAX_RETRIES", 1)
    with pytest.raises(SourceError) as caught:
        live(server)
    text = one_line_error(caught)
    assert "GET /domains" in text and "429 TooManyRequests" in text


# --- failures: one line each ---------------------------------------------------------------------

def test_missing_token_names_the_variable(graph_server, monkeypatch):
    monkeypatch.delenv("SYNCREADY_GRAPH_TOKEN")
    with pytest.raises(ConfigError) as caught:
        live(graph_server)
    assert "SYNCREADY_GRAPH_TOKEN" in one_line_error(caught)


def test_no_usable_token_is_refused(graph_server, monkeypatch):
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", "not-a-token")
    with pytest.raises(SourceError) as caught:
        live(graph_server)
    text = one_line_error(caught)
    assert "GET /users" in text and "401 InvalidAuthenticationToken" in text and "not-a-token" not in text


def test_expired_token_is_said_to_have_expired(graph_server, monkeypatch):
    token = graph_server.issue_token(expires_in=-60)
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", token)
    with pytest.raises(SourceError) as caught:
        live(graph_server)
    text = one_line_error(caught)
    assert "expired" in text and "GET /users" in text and token not in text


def test_forbidden_names_the_permission(graph_server, monkeypatch):
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", graph_server.issue_token(permissions={"Domain.Read.All"}))
    with pytest.raises(SourceError) as caught:
        live(graph_server)
    text = one_line_error(caught)
    assert "GET /users" in text and "403 Authorization_RequestDenied" in text and "User.Read.All" in text


def test_unreadable_sync_features_and_eligibility_are_warnings(graph_server, monkeypatch, capsys):
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", graph_server.issue_token(permissions={"Directory.Read.All"}))
    directory = live(graph_server)
    expected = snapshot_cloud()
    # Directory.Read.All covers neither per-user read (onPremisesSyncBehavior needs its ReadWrite
    # permission, mailboxSettings MailboxSettings.Read): those fields stay unknown, and coverage says why
    for user in expected.cloud_users:
        user.cloud_managed = user.mailbox_purpose = None
    assert directory.cloud_users == expected.cloud_users
    for name, permission in (("onPremisesSyncBehavior", "User-OnPremisesSyncBehavior.ReadWrite.All"),
                             ("mailboxSettings", "MailboxSettings.Read")):
        entry = directory.coverage.get(f"users.{name}")
        assert entry.status == "not-read" and permission in (entry.how or ""), (name, entry)
    assert directory.features.known is False
    assert directory.roles_known is False
    assert directory.role_assignments == [r for r in expected.role_assignments if not r.eligible]
    assert directory.tenant_id == "contoso.onmicrosoft.com"
    assert "OnPremDirectorySynchronization.Read.All" in directory.coverage.get("sync").how
    assert directory.coverage.get("roleEligibilitySchedules").how == "grant RoleEligibilitySchedule.Read.Directory"
    assert capsys.readouterr().err == ""      # a reader records, the outputs say it (once)


def test_unreadable_role_assignments_leave_roles_unknown(graph_server, capsys):
    graph_server.faults.add("/roleManagement/directory/roleAssignments", 403)
    directory = live(graph_server)
    assert directory.roles_known is False and directory.role_assignments == []
    assert directory.coverage.get("roleAssignments").how == "grant RoleManagement.Read.Directory"
    eligibility = directory.coverage.get("roleEligibilitySchedules")
    assert eligibility.status == "not-read" and not eligibility.reason.startswith("not read")
    assert capsys.readouterr().err == ""


def test_unreachable_host():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = type("Closed", (), {"url": f"http://127.0.0.1:{port}/v1.0"})()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNCREADY_GRAPH_TOKEN", "x.y.z")
        with pytest.raises(SourceError) as caught:
            live(server)
    text = one_line_error(caught)
    assert f"cannot connect to 127.0.0.1:{port}" in text and "GET /users" in text


@pytest.fixture(scope="module")
def tls_server():
    with GraphServer(load_snapshot(CONTOSO), tls=True, apps={CLIENT_ID: SECRET}) as server:
        yield server


@pytest.fixture
def tls_env(tls_server, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", tls_server.ca_file)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", tls_server.authority)
    for name in ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    return tls_server


def test_tls_with_the_right_ca(tls_env, monkeypatch):
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", tls_env.token)
    assert_same_cloud(live(tls_env), snapshot_cloud())


def test_tls_with_the_wrong_ca_is_one_line(tls_env, monkeypatch, tmp_path):
    from graphserver.tls import _generate

    other = _generate("127.0.0.1")
    monkeypatch.setenv("SSL_CERT_FILE", other.ca_file)
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", tls_env.token)
    with pytest.raises(SourceError) as caught:
        live(tls_env)
    text = one_line_error(caught)
    assert "TLS" in text and "certificate verify failed" in text and "SSL_CERT_FILE" in text


def test_ca_file_from_config(tls_env, monkeypatch, tmp_path):
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", tls_env.token)
    config = tmp_path / "syncready.toml"
    config.write_text((CONTOSO / "syncready.toml").read_text()
                      + f"\n[sources]\ngraph_ca_file = {json.dumps(tls_env.ca_file)}\n")
    args = build_parser().parse_args(["check", "--graph-url", tls_env.url, "--auth", "token", "--config", str(config)])
    graph = from_args(args).sources.graph
    assert graph is not None and graph.ca_file == tls_env.ca_file
    directory = read_cloud(graph, into=Directory())
    assert len(directory.cloud_users) == EXAMPLE_USERS


# --- --auth methods ------------------------------------------------------------------------------

def test_auth_secret_through_azure_identity_over_tls(tls_env, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    tls_env.requests.clear()
    directory = live(tls_env, auth="secret", tenant_id=tls_env.tenant_id, client_id=CLIENT_ID)
    assert_same_cloud(directory, snapshot_cloud())
    token_calls = [r for r in tls_env.requests if r.target.endswith("/oauth2/v2.0/token")]
    assert len(token_calls) == 1
    graph_tokens = {r.headers.get("authorization") for r in tls_env.requests
                    if r.target.startswith("/v1.0/") and not r.batch_item}
    assert len(graph_tokens) == 1 and graph_tokens != {f"Bearer {tls_env.token}"}


def test_auth_secret_wrong_secret_is_one_clear_line(tls_env, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "wrong-" + SECRET)
    with pytest.raises(SourceError) as caught:
        live(tls_env, auth="secret", tenant_id=tls_env.tenant_id, client_id=CLIENT_ID)
    text = one_line_error(caught)
    assert "sign-in to Microsoft Graph failed" in text and "AADSTS7000215" in text
    assert SECRET not in text and "Trace ID" not in text


def test_auth_secret_needs_its_variable_and_ids(tls_env):
    with pytest.raises(ConfigError) as caught:
        live(tls_env, auth="secret", tenant_id=tls_env.tenant_id, client_id=CLIENT_ID)
    assert "AZURE_CLIENT_SECRET" in one_line_error(caught)
    with pytest.raises(ConfigError) as caught:
        live(tls_env, auth="secret", client_id=CLIENT_ID)
    assert "--tenant-id" in one_line_error(caught)


def test_auth_certificate_through_azure_identity(tls_env, monkeypatch, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "syncready test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    pem = tmp_path / "app.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(b"pw"))
                    + cert.public_bytes(serialization.Encoding.PEM))
    monkeypatch.setitem(tls_env.apps, "cert-app", None)
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PATH", str(pem))
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PASSWORD", "pw")
    directory = live(tls_env, auth="certificate", tenant_id=tls_env.tenant_id, client_id="cert-app")
    assert len(directory.cloud_users) == EXAMPLE_USERS
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PASSWORD", "not-pw")
    with pytest.raises(ConfigError) as caught:
        live(tls_env, auth="certificate", tenant_id=tls_env.tenant_id, client_id="cert-app")
    assert "AZURE_CLIENT_CERTIFICATE_PASSWORD" in one_line_error(caught)


def test_auth_environment_through_azure_identity(tls_env, monkeypatch):
    monkeypatch.setenv("AZURE_TENANT_ID", tls_env.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    assert len(live(tls_env, auth="environment").cloud_users) == EXAMPLE_USERS
    monkeypatch.delenv("AZURE_CLIENT_ID")
    with pytest.raises(ConfigError) as caught:
        live(tls_env, auth="environment")
    assert "AZURE_CLIENT_ID" in one_line_error(caught)


@pytest.mark.parametrize("method, kind", [("device-code", "DeviceCodeCredential"),
                                          ("browser", "InteractiveBrowserCredential"),
                                          ("managed-identity", "ManagedIdentityCredential"),
                                          ("azure-cli", "AzureCliCredential")])
def test_interactive_and_platform_methods_build_their_credential(graph_server, method, kind):
    args = graph_args(graph_server, auth=method, graph_url="https://graph.microsoft.us/v1.0",
                      tenant_id="contoso.onmicrosoft.com", client_id=CLIENT_ID)
    with open_session(args) as session:
        assert type(session.credential).__name__ == kind
        assert session.base_url == "https://graph.microsoft.us/v1.0"
        provider = session.adapter._authentication_provider.access_token_provider
        assert provider._scopes == ["https://graph.microsoft.us/.default"]
        assert provider.get_allowed_hosts_validator().get_allowed_hosts() == ["graph.microsoft.us"]
        if method in ("device-code", "browser"):
            assert session.credential._authority.endswith("//login.microsoftonline.us")


@pytest.mark.parametrize("url, scope, authority", [
    ("https://graph.microsoft.com/v1.0", "https://graph.microsoft.com/.default", "https://login.microsoftonline.com"),
    ("https://graph.microsoft.us/v1.0/", "https://graph.microsoft.us/.default", "https://login.microsoftonline.us"),
    ("https://dod-graph.microsoft.us/v1.0", "https://dod-graph.microsoft.us/.default",
     "https://login.microsoftonline.us"),
    ("https://microsoftgraph.chinacloudapi.cn/v1.0", "https://microsoftgraph.chinacloudapi.cn/.default",
     "https://login.chinacloudapi.cn"),
])
def test_national_clouds(url, scope, authority, monkeypatch):
    monkeypatch.delenv("AZURE_AUTHORITY_HOST", raising=False)
    target = graph_target(url)
    assert (target.scope, target.authority, target.known_cloud) == (scope, authority, True)
    assert not target.base_url.endswith("/")


def test_graph_url_must_be_https_except_loopback():
    with pytest.raises(ConfigError):
        graph_target("http://graph.example.com/v1.0")
    assert graph_target("http://127.0.0.1:8080/v1.0").scope == "http://127.0.0.1/.default"


@pytest.fixture
def restore_logging():
    """--verbose adds a stderr handler to the `syncready` logger for the rest of the process."""
    logger = logging.getLogger("syncready")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_no_secret_in_any_output_at_verbose(tls_env, monkeypatch, capsys, caplog, restore_logging):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    caplog.set_level(logging.DEBUG)
    for name in ("azure", "msal", "httpx", "httpcore", "kiota_http", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    live(tls_env, auth="secret", tenant_id=tls_env.tenant_id, client_id=CLIENT_ID, verbose=True, quiet=False)
    out = capsys.readouterr()
    issued = [t for t in tls_env.tokens if t != tls_env.token]
    assert "Graph GET /users?" in out.err
    everything = caplog.text + out.out + out.err
    assert caplog.text
    assert SECRET not in everything
    assert not any(token in everything for token in issued)
    assert "Bearer ey" not in everything


def test_static_token_not_in_output_at_verbose(graph_server, capsys, caplog, restore_logging):
    caplog.set_level(logging.DEBUG)
    live(graph_server, verbose=True)
    out = capsys.readouterr()
    assert graph_server.token not in caplog.text + out.out + out.err


# --- the command line ----------------------------------------------------------------------------

def test_check_with_live_cloud_and_snapshot_ad_matches_the_snapshot_run(graph_server, tmp_path):
    config = str(CONTOSO / "syncready.toml")
    code_live = main(["check", "--graph-url", graph_server.url, "--auth", "token", "--snapshot", str(CONTOSO),
                      "--config", config, "--json", str(tmp_path / "live.json"), "-q"])
    code_snap = main(["check", "--snapshot", str(CONTOSO), "--config", config, "--json", str(tmp_path / "snap.json"),
                      "-q"])
    live_doc = read_results(tmp_path / "live.json")
    snap_doc = read_results(tmp_path / "snap.json")
    assert code_live == code_snap
    assert live_doc["sources"]["cloud"] == f"graph:{graph_server.url}"
    assert live_doc["subjects"] == snap_doc["subjects"]
    assert live_doc["summary"] == snap_doc["summary"]
    assert graph_server.token not in (tmp_path / "live.json").read_text()


def test_check_command_error_is_one_line(graph_server, monkeypatch, capsys):
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", graph_server.issue_token(expires_in=-1))
    code = main(["check", "--graph-url", graph_server.url, "--auth", "token", "--snapshot", str(CONTOSO), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "expired" in err[0]


def test_sources_carry_no_secret(graph_server):
    directory = live(graph_server)
    assert graph_server.token not in json.dumps(directory.sources)
    assert Path(directory.sources["cloud"][len("graph:"):]).name == "v1.0"


# --- a server no kinder than Graph (issue 9 §1, §4) ----------------------------------------------

ALICE = "e2674f85-c98d-5f14-a70a-695e32f2643d"
BOB = "078ff7e8-3197-5ca6-a236-7e821434d3f4"
CAROL = "c6058ae4-f706-5122-be7f-270eca38a49d"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"


def check_exit(server, tmp_path, *extra) -> tuple[int, list[str], dict | None]:
    """`syncready check` with the cloud live from `server`: exit code, stderr lines, results JSON."""
    out = tmp_path / "results.json"
    code = main(["check", "--graph-url", server.url, "--auth", "token", "--snapshot", str(CONTOSO),
                 "--config", str(CONTOSO / "syncready.toml"), "--json", str(out), "-q", "--fail-on", "never",
                 *extra])
    return code, [], read_results(out) if out.exists() else None


@pytest.mark.parametrize("kind", ["loop", "back", "repeat"])
def test_paging_loops_and_repeated_ids_are_source_errors(paged, kind, capsys, tmp_path):
    server, _ = paged
    server.paging.add(kind, "/users", page=2)
    try:
        with pytest.raises(SourceError) as caught:
            live(server)
        text = one_line_error(caught)
        assert "GET /users" in text and ("loop" in text or "again" in text), text
        code = main(["check", "--graph-url", server.url, "--auth", "token", "--snapshot", str(CONTOSO), "-q"])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and "GET /users" in err[0]
    finally:
        server.paging.clear()
    assert len([r for r in server.requests if r.target.startswith("/v1.0/users?")]) < 20, "stopped at once"


def test_empty_page_with_next_link_is_followed(paged):
    server, expected = paged
    server.paging.add("empty", "/users", page=2)
    try:
        assert_same_cloud(live(server), expected)
    finally:
        server.paging.clear()


def test_page_that_ends_early_is_caught_by_the_count(paged):
    server, _ = paged
    server.paging.add("short", "/users", page=2)
    try:
        with pytest.raises(SourceError) as caught:
            live(server)
    finally:
        server.paging.clear()
    text = one_line_error(caught)
    assert "GET /users" in text and f"$count says {EXAMPLE_USERS + 2500}" in text and "1998" in text
    counts = [r for r in server.requests if r.target.startswith("/v1.0/users/$count")]
    assert counts and counts[0].headers.get("consistencylevel") == "eventual"


def test_unavailable_count_is_a_coverage_note(paged):
    server, expected = paged
    server.faults.add("/users/$count", 403, count=None)
    directory = live(server)
    assert_same_cloud(directory, expected)
    assert any("could not be cross-checked" in n and "$count" in n for n in directory.coverage.notes)


def test_live_coverage_says_what_was_read(graph_server):
    directory = live(graph_server)
    coverage = directory.coverage
    users = coverage.get("users")
    assert (users.status, users.count, users.source, users.missing) == ("read", EXAMPLE_USERS, "GET /users", ())
    for name in ("groups", "contacts", "domains", "sync", "roleAssignments", "roleEligibilitySchedules",
                 "groupMembers"):
        assert coverage.get(name).status == "read", name
    assert coverage.get("roleAssignments").count == 2 and coverage.get("groupMembers").count == 0
    assert coverage.unread(["users.proxyAddresses", "roleEligibilitySchedules", "groupMembers"]) == []


def test_a_selected_property_the_server_omits_is_missing(graph_server, monkeypatch):
    import graphserver.directory as endpoints

    real = endpoints.projector

    def without_proxies(entity, select):
        shape = real(entity, select)
        return lambda o: {k: v for k, v in shape(o).items() if k != "proxyAddresses"}

    monkeypatch.setattr(endpoints, "projector", without_proxies)
    graph_server.invalidate()
    try:
        coverage = live(graph_server).coverage
    finally:
        graph_server.invalidate()
    assert "proxyAddresses" in coverage.get("users").missing
    assert coverage.unread(["users.proxyAddresses"]) and not coverage.unread(["users.mail"])


def test_forbidden_optional_collections_are_not_read_with_the_permission(graph_server, monkeypatch, capsys):
    token = graph_server.issue_token(permissions={"User.Read.All", "Domain.Read.All", "RoleManagement.Read.Directory",
                                                  "RoleEligibilitySchedule.Read.Directory",
                                                  "OnPremDirectorySynchronization.Read.All"})
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", token)
    directory = live(graph_server)
    groups = directory.coverage.get("groups")
    assert (groups.status, groups.reason, groups.how) == ("not-read", "403 Authorization_RequestDenied",
                                                          "grant Group.Read.All")
    assert directory.coverage.get("contacts").how == "grant OrgContact.Read.All"
    assert directory.coverage.get("groupMembers").status == "not-read"
    assert directory.roles_known and directory.features.known
    members = directory.coverage.get("groupMembers")
    assert members.reason == "groups were not read, so the groups that hold roles are unknown"
    assert directory.coverage.unread(["groupMembers"]) == [
        "groupMembers (groups were not read, so the groups that hold roles are unknown; grant Group.Read.All and "
        "GroupMember.Read.All)"]
    assert capsys.readouterr().err == ""


def role_group_server(**options) -> GraphServer:
    """Contoso, plus a role-assignable group holding Global Administrator (active) and a nested group
    holding an eligible role: the usual PIM-for-Groups setup, where Graph lists the group as principal."""
    data = load_snapshot(CONTOSO)
    data["groups"] += [{"id": "g-admins", "displayName": "Tier0 Admins", "isAssignableToRole": True,
                        "securityEnabled": True, "mailEnabled": False, "proxyAddresses": []},
                       {"id": "g-helpdesk", "displayName": "Helpdesk", "isAssignableToRole": True,
                        "securityEnabled": True, "mailEnabled": False, "proxyAddresses": []}]
    data["groupMembers"] = [{"id": "g-admins", "members": [{"id": ALICE}, {"id": "g-helpdesk"}]},
                            {"id": "g-helpdesk", "members": [{"id": BOB}]}]
    data["roleAssignments"].append({"id": "ra-group", "principalId": "g-admins", "roleDefinitionId": GLOBAL_ADMIN})
    data["roleEligibilitySchedules"].append({"id": "es-group", "principalId": "g-helpdesk",
                                             "roleDefinitionId": GLOBAL_ADMIN, "status": "Provisioned",
                                             "memberType": "Direct"})
    return GraphServer(data, **options)


def test_roles_held_through_groups_read_their_transitive_members(monkeypatch, tmp_path):
    with role_group_server() as server:
        monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.token)
        raw: dict = {}
        directory = read_cloud(graph_args(server), into=Directory(), extra=CONFIG.extra_graph, raw_sink=raw)
        assert directory.group_members == {"g-admins": (ALICE, "g-helpdesk", BOB), "g-helpdesk": (BOB,)}
        members = directory.coverage.get("groupMembers")
        assert (members.status, members.count) == ("read", 2)
        assert {"g-admins", "g-helpdesk"} <= {r.principal_id for r in directory.role_assignments}
        assert raw["cloud/groupMembers.json"][0] == {"id": "g-admins", "members": [
            {"id": ALICE, "@odata.type": "#microsoft.graph.user"},
            {"id": "g-helpdesk", "@odata.type": "#microsoft.graph.group"},
            {"id": BOB, "@odata.type": "#microsoft.graph.user"}]}
        listed = [r.target for r in server.requests if "/transitiveMembers" in r.target]
        assert len(listed) == 2 and all("$select=id" in t for t in listed)


def test_unreadable_group_members_are_not_read_with_the_permission(monkeypatch, capsys):
    with role_group_server() as server:
        monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.token)
        server.faults.add("/groups/g-admins/transitiveMembers", 403)
        directory = live(server)
        members = directory.coverage.get("groupMembers")
        assert (members.status, members.reason) == ("not-read", "403 Authorization_RequestDenied")
        assert "GroupMember.Read.All" in members.how and directory.group_members == {}
        assert capsys.readouterr().err == ""


def test_role_collections_are_read_without_top_following_next_links(monkeypatch):
    with role_group_server(role_page_size=1) as server:
        monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.token)
        directory = live(server)
        roles = [r.target for r in server.requests if "/roleManagement/" in r.target]
        assert roles and not any("top=" in t.lower() for t in roles)
        assert len(directory.role_assignments) == 5 and directory.coverage.get("roleAssignments").count == 3


@pytest.mark.parametrize("message", ["The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID "
                                     "Governance license.", "Request not applicable to target tenant."])
def test_tenant_without_pim_is_keyed_on_graphs_code(monkeypatch, message, capsys):
    monkeypatch.setattr("graphserver.directory.NO_PIM_MESSAGE", message)
    with GraphServer.from_snapshot(CONTOSO, pim=False) as server:
        monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.token)
        directory = live(server)
    eligibility = directory.coverage.get("roleEligibilitySchedules")
    assert eligibility.status == "not-read" and eligibility.reason.startswith("400 AadPremiumLicenseRequired")
    assert 'known_empty = ["roleEligibilitySchedules"]' in eligibility.how
    assert directory.role_assignments == [r for r in snapshot_cloud().role_assignments if not r.eligible]
    assert directory.coverage.unread(["roleEligibilitySchedules"])
    directory.coverage.declare_empty(["roleEligibilitySchedules"])
    assert not directory.coverage.unread(["roleEligibilitySchedules"])
    assert capsys.readouterr().err == ""


def test_national_cloud_without_sync_object_leaves_features_not_read(monkeypatch, tmp_path, capsys):
    with GraphServer.from_snapshot(CONTOSO, cloud="usgov") as server:
        monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.token)
        directory = live(server)
        sync = directory.coverage.get("sync")
        assert sync.status == "not-read" and "national clouds" in sync.reason and "cloud/sync.json" in sync.how
        assert directory.features.known is False
        _, _, doc = check_exit(server, tmp_path)
    tenant = next(s for s in doc["subjects"] if s["kind"] == "tenant")
    assert tenant["results"]["tenant-sync-features"]["status"] == "error"


def test_503_without_retry_after_is_retried_with_backoff(paged):
    server, expected = paged
    fault = server.faults.add("/users", 503, after=1, count=2, retry_after=False)
    assert_same_cloud(live(server), expected)
    assert fault.fired == 2


def test_persistent_504_without_retry_after_is_one_line_exit_2(paged, monkeypatch, capsys):
    server, _ = paged
    server.faults.add("/domains", 504, count=None)
    monkeypatch.setattr("syncready.sources.graphsession.MAX_RETRIES", 1)
    code = main(["check", "--graph-url", server.url, "--auth", "token", "--snapshot", str(CONTOSO), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "GET /domains" in err[0] and "504 GatewayTimeout" in err[0]


def test_a_live_collection_not_read_is_said_once_in_single_words(graph_server, monkeypatch, capsys, tmp_path):
    """A 403 on /groups: the terminal says so once ("Not read: groups ..."), stderr not again, and no
    reason reads "not read: ... (not read: ...)"."""
    token = graph_server.issue_token(permissions={"User.Read.All", "Domain.Read.All", "OrgContact.Read.All",
                                                  "RoleManagement.Read.Directory",
                                                  "RoleEligibilitySchedule.Read.Directory",
                                                  "OnPremDirectorySynchronization.Read.All"})
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", token)
    _, _, doc = check_exit(graph_server, tmp_path)
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("Not read: groups: 403 Authorization_RequestDenied (grant Group.Read.All)") == 1
    assert "Not read: groupMembers: groups were not read" in out
    messages = [r["message"] for s in doc["subjects"] for r in s["results"].values() if r.get("message")]
    assert not any("(not read" in m for m in messages)


def test_snapshot_command_says_once_what_it_could_not_read(graph_server, capsys, tmp_path):
    graph_server.faults.add("/roleManagement/directory/roleEligibilitySchedules", 403)
    code = main(["snapshot", "--out", str(tmp_path / "snap"), "--graph-url", graph_server.url, "--auth", "token",
                 "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 0
    assert len(err) == 1 and err[0].startswith("syncready: warning: Not read: roleEligibilitySchedules: 403 ")
    assert "RoleEligibilitySchedule.Read.Directory" in err[0]


# --- page N is mapped while page N+1 is read (issue 14) -----------------------------------------

def _user_pages_asked(server) -> int:
    return len([r for r in server.requests if r.method == "GET" and r.target.startswith("/v1.0/users?")])


def test_a_page_is_mapped_while_the_next_one_is_read(paged, monkeypatch):
    """The first page's mapping waits until the server has been asked for the second page: the read
    ends only if the request for page 2 goes out while page 1 is mapped, and it reads the same."""
    import threading
    import time

    from syncready.sources import graphread

    server, expected = paged
    real = graphread.cloud_user_from_graph
    seen: list[int] = []
    lock = threading.Lock()

    def mapping(obj, extra_props=()):
        with lock:
            if not seen:
                deadline = time.monotonic() + 10
                while _user_pages_asked(server) < 2 and time.monotonic() < deadline:
                    time.sleep(0.01)
                seen.append(_user_pages_asked(server))
        return real(obj, extra_props=extra_props)

    monkeypatch.setattr(graphread, "cloud_user_from_graph", mapping)
    directory = live(server)
    assert seen == [2], "page 2 was not asked for while page 1 was mapped"
    assert_same_cloud(directory, expected)


def test_a_bad_record_is_named_before_the_next_page_fails(paged, monkeypatch):
    """Errors keep the order of the pages: a bad object on page 1 is the error even though the read of
    page 2 (asked for meanwhile) failed too."""
    from syncready.sources import graphread

    server, _ = paged
    real = graphread.cloud_user_from_graph
    bad = str(uuid.UUID(int=5))

    def mapping(obj, extra_props=()):
        if obj.get("id") == bad:
            raise ValueError("accountEnabled is a string")
        return real(obj, extra_props=extra_props)

    monkeypatch.setattr(graphread, "cloud_user_from_graph", mapping)
    server.faults.add("/users", 500, count=None, after=1)
    with pytest.raises(SourceError) as caught:
        live(server)
    text = one_line_error(caught)
    assert text.startswith("Graph GET /users: page 1 object ") and "accountEnabled is a string" in text, text
