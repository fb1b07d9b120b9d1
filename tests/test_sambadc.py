"""Tests against a real Samba AD DC (tests/sambadc.py): binds, TLS validation, the error results
the product has to handle, loading with fixed GUIDs, copies, and process clean-up.
The load and read benchmarks are in bench/bench_ldap.py.
"""
from __future__ import annotations

import datetime
import signal
import ssl
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sambadc  # noqa: E402

import ldap3  # noqa: E402
from ldap3 import BASE, MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE, SUBTREE  # noqa: E402
from ldap3.core import exceptions as lx  # noqa: E402

pytestmark = pytest.mark.live  # the Samba AD DC harness itself


@pytest.fixture(autouse=True)
def _samba_is_installed():
    """CI installs Samba (tools/setup.sh): its absence is a failure, never a skip."""
    missing = sambadc.samba_missing()
    if missing:
        pytest.fail(f"a Samba AD DC is needed for these tests: {missing}")

GUID_ALICE = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
GUID_BOB = uuid.UUID("11111111-2222-3333-4444-555555555555")
ANCHOR_BOB = uuid.UUID("99999999-8888-7777-6666-555555555555")
USER_OC = ["top", "person", "organizationalPerson", "user"]


def seed(base: str) -> list:
    """A small directory: nested OUs that are not listed themselves, users with fixed GUIDs,
    a group whose member is added after it, a contact."""
    return [
        (f"CN=Staff,OU=Sales,OU=Corp,{base}", {
            "objectClass": ["top", "group"], "sAMAccountName": ["Staff"],
            "member": [f"CN=Alice Adams,OU=People,OU=Corp,{base}",
                       f"CN=Bob Brown,OU=People,OU=Corp,{base}"],
            "mail": ["staff@contoso.test"], "mailNickname": ["staff"],
            "proxyAddresses": ["SMTP:staff@contoso.test"]}),
        (f"CN=Alice Adams,OU=People,OU=Corp,{base}", {
            "objectClass": USER_OC, "sAMAccountName": ["alice"],
            "userPrincipalName": ["alice@contoso.test"], "givenName": ["Alice"], "sn": ["Adams"],
            "displayName": ["Alice Adams"], "mail": ["alice@contoso.test"],
            "mailNickname": ["alice"],
            "proxyAddresses": ["SMTP:alice@contoso.test", "smtp:a.adams@contoso.test"],
            "objectGUID": [GUID_ALICE], "userAccountControl": [512],
            "unicodePwd": ["Alice-Passw0rd!"]}),
        (f"CN=Bob Brown,OU=People,OU=Corp,{base}", {
            "objectClass": USER_OC, "sAMAccountName": ["bob"],
            "userPrincipalName": ["bob@contoso.test"], "givenName": ["Bob"], "sn": ["Brown"],
            "displayName": ["Bob Brown"], "mail": ["bob@contoso.test"],
            "proxyAddresses": ["SMTP:bob@contoso.test"],
            "objectGUID": [GUID_BOB], "mS-DS-ConsistencyGuid": [ANCHOR_BOB.bytes_le],
            "userAccountControl": [514]}),
        (f"CN=Carol Contact,OU=Contacts,OU=Corp,{base}", {
            "objectClass": ["top", "person", "organizationalPerson", "contact"],
            "mail": ["carol@fabrikam.test"], "proxyAddresses": ["SMTP:carol@fabrikam.test"],
            "mailNickname": ["carol"], "displayName": ["Carol Contact"]}),
    ]


@pytest.fixture(scope="module")
def dc(tmp_path_factory):
    root = tmp_path_factory.mktemp("samba")
    started = time.monotonic()
    dc = sambadc.start_session_dc(root, populate=seed("DC=contoso,DC=test"))
    print(f"\nsession DC on {dc.ip} in {time.monotonic() - started:.1f}s; "
          f"template {_fmt(sambadc._SESSION['template'].timings)}; session {_fmt(dc.timings)}")
    yield dc
    sambadc.stop_session()


@pytest.fixture(scope="module")
def scratch(dc):
    """One writable copy shared by the tests in this module that change the directory."""
    copy = sambadc.fresh_copy("scratch")
    print(f"\nscratch copy on {copy.ip}: {_fmt(copy.timings)}")
    yield copy
    copy.stop()


def _fmt(timings: dict) -> str:
    return ", ".join(f"{k} {v:.2f}s" for k, v in timings.items())


# -- names, certificate, binds ------------------------------------------------------------------

def test_certificate_names_the_dc_and_chains_to_ca_file(dc):
    ctx = ssl.create_default_context(cafile=dc.ca_file)
    ctx.check_hostname = False
    import socket
    with socket.create_connection((dc.ip, 636), timeout=5) as raw, \
            ctx.wrap_socket(raw, server_hostname=dc.tls_name) as tls:
        subject = dict(x[0] for x in tls.getpeercert()["subject"])
    assert subject["commonName"].lower() == dc.tls_name.lower() == "dc1.contoso.test"
    assert dc.ca_file.endswith("private/tls/ca.pem")
    assert dc.base_dn == "DC=contoso,DC=test"
    assert dc.ldaps_url == f"ldaps://{dc.ip}:636" and dc.ldap_url == f"ldap://{dc.ip}:389"


@pytest.mark.parametrize("user", ["admin_dn", "admin_user", "admin_upn"])
@pytest.mark.parametrize("starttls", [False, True], ids=["ldaps", "starttls"])
def test_simple_bind_names_with_validated_tls(dc, user, starttls):
    server = dc.server(starttls=starttls)
    assert server.tls.validate == ssl.CERT_REQUIRED
    conn = ldap3.Connection(server, getattr(dc, user), dc.admin_password)
    conn.open()
    if starttls:
        assert conn.start_tls()
    assert conn.bind(), conn.result
    assert conn.search(dc.admin_dn, "(objectClass=user)", BASE, attributes=["objectSid"])
    assert conn.response[0]["attributes"]["objectSid"].endswith("-500")
    conn.unbind()


def test_bare_sam_account_name_is_not_a_bind_name(dc):
    conn = ldap3.Connection(dc.server(), "Administrator", dc.admin_password)
    assert not conn.bind()
    assert conn.result["result"] == 49


def test_simple_bind_without_tls_is_refused(dc):
    conn = ldap3.Connection(ldap3.Server(dc.ldap_url), dc.admin_user, dc.admin_password)
    assert not conn.bind()
    assert conn.result["result"] == 8 and conn.result["description"] == "strongerAuthRequired"


def test_ldap3_ntlm_bind_is_not_supported_by_samba(dc):
    """ldap3's NTLM is the Sicily bind, which Samba does not implement: it drops the session."""
    conn = ldap3.Connection(dc.server(), dc.admin_user, dc.admin_password,
                            authentication=ldap3.NTLM)
    with pytest.raises(lx.LDAPSessionTerminatedByServerError):
        conn.bind()


def test_wrong_password(dc):
    conn = ldap3.Connection(dc.server(), dc.admin_user, "wrong")
    assert not conn.bind()
    assert conn.result["result"] == 49 and conn.result["description"] == "invalidCredentials"
    assert "data 52e" in conn.result["message"]
    with pytest.raises(lx.LDAPInvalidCredentialsResult):
        ldap3.Connection(dc.server(), dc.admin_user, "wrong", raise_exceptions=True).bind()
    with pytest.raises(lx.LDAPBindError):
        ldap3.Connection(dc.server(), dc.admin_user, "wrong", auto_bind=True)


def test_unreachable_port(dc):
    server = ldap3.Server(f"ldaps://{dc.ip}:1636", use_ssl=True, tls=dc.tls(), connect_timeout=3)
    with pytest.raises(lx.LDAPSocketOpenError):
        ldap3.Connection(server, dc.admin_user, dc.admin_password, auto_bind=True)


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Other Test CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path = tmp_path_factory.mktemp("ca") / "other-ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


def test_other_ca_is_rejected_over_ldaps(dc, other_ca):
    with pytest.raises(lx.LDAPSocketOpenError, match="CERTIFICATE_VERIFY_FAILED"):
        ldap3.Connection(dc.server(ca_file=other_ca), dc.admin_user, dc.admin_password,
                         auto_bind=True)


def test_other_ca_is_rejected_by_starttls(dc, other_ca):
    conn = ldap3.Connection(dc.server(starttls=True, ca_file=other_ca), dc.admin_user,
                            dc.admin_password)
    conn.open()
    with pytest.raises(lx.LDAPStartTLSError, match="CERTIFICATE_VERIFY_FAILED"):
        conn.start_tls()


def test_name_not_in_certificate_is_rejected(dc):
    server = ldap3.Server(dc.ldaps_url, use_ssl=True,
                          tls=dc.tls(valid_names=["other.contoso.test"]), connect_timeout=5)
    with pytest.raises(lx.LDAPSocketOpenError, match="doesn't match"):
        ldap3.Connection(server, dc.admin_user, dc.admin_password, auto_bind=True)


# -- reading ------------------------------------------------------------------------------------

def test_nonexistent_base_dn_is_no_such_object(dc):
    conn = dc.connect()
    assert not conn.search(f"OU=Nowhere,{dc.base_dn}", "(objectClass=*)")
    assert conn.result["result"] == 32 and conn.result["description"] == "noSuchObject"


def test_loaded_guids_round_trip_as_bytes_le(dc):
    conn = dc.connect()
    conn.search(dc.base_dn, "(|(sAMAccountName=alice)(sAMAccountName=bob))", SUBTREE,
                attributes=["objectGUID", "mS-DS-ConsistencyGuid", "sAMAccountName"])
    got = {e["attributes"]["sAMAccountName"]: e["raw_attributes"] for e in conn.response
           if e["type"] == "searchResEntry"}
    assert got["alice"]["objectGUID"] == [GUID_ALICE.bytes_le]
    assert got["alice"]["mS-DS-ConsistencyGuid"] == []
    assert got["bob"]["objectGUID"] == [GUID_BOB.bytes_le]
    assert got["bob"]["mS-DS-ConsistencyGuid"] == [ANCHOR_BOB.bytes_le]
    conn.search(f"<GUID={GUID_ALICE}>", "(objectClass=*)", BASE, attributes=["objectGUID"])
    assert conn.response[0]["attributes"]["objectGUID"] == f"{{{GUID_ALICE}}}"


def test_loaded_objects(dc):
    conn = dc.connect()
    conn.search(f"OU=Corp,{dc.base_dn}", "(objectClass=*)", SUBTREE,
                attributes=["objectClass", "member", "mailNickname", "proxyAddresses",
                            "userAccountControl"])
    by_dn = {e["dn"].lower(): e["attributes"] for e in conn.response}
    base = dc.base_dn.lower()
    for ou in ("ou=corp", "ou=sales,ou=corp", "ou=people,ou=corp", "ou=contacts,ou=corp"):
        assert "organizationalUnit" in by_dn[f"{ou},{base}"]["objectClass"]
    group = by_dn[f"cn=staff,ou=sales,ou=corp,{base}"]
    assert len(group["member"]) == 2 and group["mailNickname"] == "staff"
    assert "contact" in by_dn[f"cn=carol contact,ou=contacts,ou=corp,{base}"]["objectClass"]
    alice = by_dn[f"cn=alice adams,ou=people,ou=corp,{base}"]
    assert alice["userAccountControl"] == 512
    assert sorted(alice["proxyAddresses"]) == ["SMTP:alice@contoso.test", "smtp:a.adams@contoso.test"]
    assert ldap3.Connection(dc.server(), "alice@contoso.test", "Alice-Passw0rd!").bind()


def test_paged_search_with_binary_attributes(dc):
    """ldap3 2.9.1 with the installed pyasn1: paged results and binary values both decode."""
    import pyasn1
    conn = dc.connect()
    entries = list(conn.extend.standard.paged_search(
        dc.base_dn, "(objectClass=user)", SUBTREE,
        attributes=["objectGUID", "objectSid", "mS-DS-ConsistencyGuid", "userAccountControl"],
        paged_size=2, generator=True))
    entries = [e for e in entries if e["type"] == "searchResEntry"]
    assert len(entries) >= 5, pyasn1.__version__
    assert all(len(e["raw_attributes"]["objectGUID"][0]) == 16 for e in entries)
    assert conn.result["controls"]["1.2.840.113556.1.4.319"]["value"]["cookie"] == b""


# -- writing ------------------------------------------------------------------------------------

def test_duplicate_upn_is_a_constraint_violation(scratch):
    conn = scratch.connect()
    ok = conn.add(f"CN=Alice Two,OU=People,OU=Corp,{scratch.base_dn}", USER_OC,
                  {"sAMAccountName": "alice2", "userPrincipalName": "ALICE@contoso.test"})
    assert not ok
    assert conn.result["result"] == 19 and conn.result["description"] == "constraintViolation"


def test_deleting_a_missing_value_is_no_such_attribute(scratch):
    conn = scratch.connect()
    dn = f"CN=Bob Brown,OU=People,OU=Corp,{scratch.base_dn}"
    assert not conn.modify(dn, {"proxyAddresses": [(MODIFY_DELETE, ["smtp:nobody@contoso.test"])]})
    assert conn.result["result"] == 16 and conn.result["description"] == "noSuchAttribute"
    assert conn.modify(dn, {"proxyAddresses": [(MODIFY_DELETE, ["SMTP:bob@contoso.test"]),
                                               (MODIFY_ADD, ["SMTP:bob.brown@contoso.test"])]})
    conn.search(dn, "(objectClass=*)", BASE, attributes=["proxyAddresses"])
    assert conn.response[0]["attributes"]["proxyAddresses"] == ["SMTP:bob.brown@contoso.test"]


def test_consistency_guid_and_mail_nickname_are_writable_over_ldap(scratch):
    conn = scratch.connect()
    dn = f"CN=Alice Adams,OU=People,OU=Corp,{scratch.base_dn}"
    anchor = uuid.uuid4()
    assert conn.modify(dn, {"mS-DS-ConsistencyGuid": [(MODIFY_REPLACE, [anchor.bytes_le])],
                            "mailNickname": [(MODIFY_REPLACE, ["alice.adams"])]}), conn.result
    conn.search(dn, "(objectClass=*)", BASE, attributes=["mS-DS-ConsistencyGuid", "mailNickname"])
    assert conn.response[0]["raw_attributes"]["mS-DS-ConsistencyGuid"] == [anchor.bytes_le]
    assert conn.response[0]["attributes"]["mailNickname"] == "alice.adams"


def test_object_guid_cannot_be_set_over_ldap(scratch):
    conn = scratch.connect()
    attrs = {"sAMAccountName": "guidtest", "objectGUID": uuid.uuid4().bytes_le}
    dn = f"CN=guidtest,OU=People,OU=Corp,{scratch.base_dn}"
    assert not conn.add(dn, USER_OC, attrs)
    assert conn.result["description"] == "unwillingToPerform"
    assert not conn.add(dn, USER_OC, attrs, controls=[(sambadc.RELAX_OID, True, None)])
    assert conn.result["description"] == "unavailableCriticalExtension"
    with pytest.raises(ValueError, match="objectGUID"):
        sambadc.load_ldif(conn, [(dn, attrs)])


def test_unicode_pwd_over_ldaps(scratch):
    conn = scratch.connect()
    dn = f"CN=New Hire,OU=People,OU=Corp,{scratch.base_dn}"
    password = "Rand0m-" + uuid.uuid4().hex[:12]
    assert conn.add(dn, USER_OC, {"sAMAccountName": "newhire",
                                  "userPrincipalName": "newhire@contoso.test",
                                  "unicodePwd": f'"{password}"'.encode("utf-16-le"),
                                  "userAccountControl": 512}), conn.result
    assert ldap3.Connection(scratch.server(), "newhire@contoso.test", password).bind()
    assert not conn.modify(dn, {"unicodePwd": [(MODIFY_REPLACE, ['"short"'.encode("utf-16-le")])]})
    assert conn.result["result"] == 19
    second = "Other-" + uuid.uuid4().hex[:12]
    assert conn.modify(dn, {"unicodePwd": [(MODIFY_REPLACE, [f'"{second}"'.encode("utf-16-le")])]})
    relogin = ldap3.Connection(scratch.server(starttls=True), "CONTOSO\\newhire", second)
    relogin.open()
    assert relogin.start_tls() and relogin.bind()


def test_load_ldif_file_over_ldap_and_locally(scratch, tmp_path):
    base = scratch.base_dn
    ldif = tmp_path / "more.ldif"
    ldif.write_text(textwrap.dedent(f"""\
        version: 1
        # an export as ldifde writes it, with attributes the DC computes
        dn: CN=Dan Dale,OU=Deep,OU=Nested,{base}
        changetype: add
        objectClass: top
        objectClass: person
        objectClass: organizationalPerson
        objectClass: user
        sAMAccountName: dan
        userPrincipalName: dan@contoso.test
        displayName:: RMOkbiBEw6Rsw6k=
        objectSid:: AQUAAAAAAAUVAAAA
        whenCreated: 20240101000000.0Z
        objectGUID:: {__import__('base64').b64encode(uuid.UUID(int=7).bytes_le).decode()}
        mS-DS-ConsistencyGuid:: {__import__('base64').b64encode(uuid.UUID(int=8).bytes_le).decode()}
        proxyAddresses: SMTP:dan@contoso.test
        proxyAddresses: smtp:dan@
         contoso.mail.onmicrosoft.com

        """))
    result = sambadc.load_ldif(scratch, ldif)
    assert result.method == "local" and result.added == [f"CN=Dan Dale,OU=Deep,OU=Nested,{base}"]
    assert result.parents == [f"OU=Nested,{base}", f"OU=Deep,OU=Nested,{base}"]
    conn = scratch.connect()
    conn.search(base, "(sAMAccountName=dan)", SUBTREE,
                attributes=["objectGUID", "mS-DS-ConsistencyGuid", "displayName", "proxyAddresses"])
    entry = conn.response[0]
    assert entry["raw_attributes"]["objectGUID"] == [uuid.UUID(int=7).bytes_le]
    assert entry["raw_attributes"]["mS-DS-ConsistencyGuid"] == [uuid.UUID(int=8).bytes_le]
    assert entry["attributes"]["displayName"] == "Dän Dälé"
    assert "smtp:dan@contoso.mail.onmicrosoft.com" in entry["attributes"]["proxyAddresses"]

    over_ldap = sambadc.load_ldif(conn, [(f"CN=Eve,OU=Deeper,OU=Deep,OU=Nested,{base}", {
        "objectClass": USER_OC, "sAMAccountName": ["eve"], "objectGUID": [uuid.uuid4()],
        "mailNickname": ["eve"]})], strip_guids=True)
    assert over_ldap.method == "ldap" and over_ldap.parents == [f"OU=Deeper,OU=Deep,OU=Nested,{base}"]


def test_copies_are_isolated_and_run_side_by_side(dc, scratch):
    assert dc.running and scratch.running and dc.ip != scratch.ip
    conn = scratch.connect()
    assert conn.add(f"OU=OnlyInScratch,{scratch.base_dn}", "organizationalUnit")
    session = dc.connect()
    assert not session.search(f"OU=OnlyInScratch,{dc.base_dn}", "(objectClass=*)", BASE)
    session.search(f"<GUID={GUID_ALICE}>", "(objectClass=*)", BASE, attributes=["objectGUID"])
    assert session.response and conn.search(f"<GUID={GUID_ALICE}>", "(objectClass=*)", BASE)


def test_stop_is_idempotent_and_leaves_no_process(dc):
    copy = sambadc.fresh_copy()
    pid = copy.pid
    assert copy.running and _alive(pid)
    copy.stop()
    copy.stop()
    assert not copy.running and not _alive(pid)
    with pytest.raises(sambadc.SambaDCError):
        _ = copy.ip  # reading the property is what raises: a stopped DC has no address


def test_killed_test_process_takes_its_dc_along(dc, tmp_path):
    template = sambadc._SESSION["template"]
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
        import sambadc
        dc = sambadc.SambaDC({str(template.workdir)!r}).clone({str(tmp_path / 'orphan')!r})
        print(dc.pid, flush=True)
        time.sleep(600)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        samba_pid = int(child.stdout.readline())
        assert _alive(samba_pid)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 10
    while _alive(samba_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(samba_pid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


# -- Kerberos (krb5-user's kinit and the gssapi package, both installed by tools/setup.sh) ---------

def test_kerberos_bind_over_ldaps_and_starttls(dc, tmp_path, monkeypatch):
    import gssapi  # noqa: F401
    assert sambadc._which("kinit"), "kinit (krb5-user) is not installed; tools/setup.sh installs it"
    copy = sambadc.SambaDC(sambadc._SESSION["template"].workdir).clone(
        tmp_path / "kdc", start=False)
    copy.start(services=("ldap", "kdc"), options=sambadc.KERBEROS_OPTIONS)
    try:
        monkeypatch.setenv("KRB5_CONFIG", copy.write_krb5_conf(tmp_path / "krb5.conf"))
        monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path / 'ccache'}")
        kinit = subprocess.run(["kinit", f"Administrator@{copy.realm}"], capture_output=True,
                               input=copy.admin_password + "\n", text=True)
        assert kinit.returncode == 0, kinit.stderr
        for starttls in (False, True):
            conn = ldap3.Connection(copy.server(starttls=starttls), authentication=ldap3.SASL,
                                    sasl_mechanism=ldap3.KERBEROS, sasl_credentials=(copy.tls_name,))
            conn.open()
            if starttls:
                assert conn.start_tls()
            assert conn.bind(), conn.result
            assert conn.search(copy.admin_dn, "(objectClass=*)", BASE)
        plain = ldap3.Connection(ldap3.Server(copy.ldap_url), authentication=ldap3.SASL,
                                 sasl_mechanism=ldap3.KERBEROS, sasl_credentials=(copy.tls_name,))
        assert not plain.bind() and plain.result["result"] == 8
    finally:
        copy.stop()
