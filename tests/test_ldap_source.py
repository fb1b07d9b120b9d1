"""The live on-prem source (syncready.sources.ldapconn, ldapread) and `syncready snapshot`, against a real Samba AD
DC holding the contoso example (tests/fixtures_samba.py): what it reads, how it fails, and the
end-to-end check with the cloud from a snapshot and AD live.
"""
from __future__ import annotations

import io
import json
import logging
import socket
import threading

import pytest

import sambadc
from fixtures_samba import ROOT, clone_contoso, install_test_pki, live_args, make_test_ca
from syncready.cli import main
from syncready.config import load_config
from syncready.errors import ConfigError, SourceError, SyncreadyError
from syncready.model import Directory
from syncready.progress import Progress
from syncready.registry import all_checks
from syncready.results import read_results
from syncready.sources import ldapconn, ldapread
from syncready.sources.admap import FIELDS
from syncready.sources.snapshot import read_snapshot

EXAMPLE = ROOT / "examples" / "contoso"
CONFIG = EXAMPLE / "syncready.toml"
USER_OC = ["top", "person", "organizationalPerson", "user"]
# What a DC sets on every user or group it adds (lastLogonTimestamp: on a bind), which the example's LDIF lacks.
DC_COMPUTED = ("object_sid", "pwd_last_set", "account_expires", "last_logon_timestamp", "group_type")


@pytest.fixture
def password(monkeypatch, contoso_dc):
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, contoso_dc.admin_password)
    return contoso_dc.admin_password


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory) -> str:
    """A CA that signed nothing the DC presents."""
    return str(make_test_ca(tmp_path_factory.mktemp("other-ca"), "unrelated CA")[0])


def read(options, config=None) -> Directory:
    config = config or load_config(str(CONFIG))
    return ldapread.read_onprem(options, into=Directory(), extra=config.extra_ldap)


def fields(obj) -> dict:
    return {name: getattr(obj, name) for name in obj.__slots__}


def one_line_error(args, expected=SourceError) -> str:
    with pytest.raises(expected) as info:
        read(args)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# -- what is read -------------------------------------------------------------------------------

def test_live_read_equals_the_ldif_it_was_loaded_from(contoso_dc, contoso_guid_map, password):
    config = load_config(str(CONFIG))
    live = read(live_args(contoso_dc), config)
    ldif = read_snapshot(EXAMPLE, extra_ldap=config.extra_ldap, parts=("onprem",))
    assert live.sources == {"onprem": contoso_dc.ldaps_url}
    by_dn = {o.dn.lower(): o for o in live.onprem}
    assert len(by_dn) == len(live.onprem)
    assert ldif.onprem and any(o.extra.get("department") for o in ldif.onprem)
    for expected in ldif.onprem:
        got = by_dn.pop(expected.dn.lower(), None)
        assert got is not None, expected.dn
        want = fields(expected)
        want["object_guid"] = contoso_guid_map.get(expected.object_guid, expected.object_guid)
        for name in DC_COMPUTED:        # the DC sets these on add; the loader leaves the example's values out
            want[name] = getattr(got, name)
        assert fields(got) == want, expected.dn
        if got.object_class != "contact":
            assert got.sid and got.sid.startswith("S-1-5-21-"), expected.dn
        if got.object_class == "group":
            assert got.group_type is not None and -(1 << 31) <= got.group_type < (1 << 31)
    base = contoso_dc.base_dn.lower()
    assert by_dn and all(dn.endswith((f",cn=users,{base}", f",cn=builtin,{base}")) for dn in by_dn), \
        "only the DC's built-in users and groups are not in the example"
    assert not any(o.object_class == "user" and o.sam and o.sam.endswith("$") for o in live.onprem), \
        "computer accounts are not read"


def test_raw_entries_are_kept_for_the_snapshot(contoso_dc, password):
    sink: list = []
    directory = ldapread.read_onprem(live_args(contoso_dc), into=Directory(), raw_sink=sink)
    assert len(sink) == len(directory.onprem)
    dn, raw = next((dn, raw) for dn, raw in sink if dn.startswith("CN=Alice Johnson,"))
    assert {k.lower() for k in raw} >= {"objectguid", "objectclass", "userprincipalname", "proxyaddresses"}
    assert len(raw["objectGUID"][0]) == 16 and all(isinstance(v, bytes) for vs in raw.values() for v in vs)


def test_starttls_reads_the_same(contoso_dc, password):
    over_ldaps = read(live_args(contoso_dc))
    over_starttls = read(live_args(contoso_dc, url=f"ldap://{contoso_dc.ip}"))
    assert over_starttls.sources == {"onprem": f"ldap://{contoso_dc.ip}:389"}
    assert sorted(map(repr, over_starttls.onprem)) == sorted(map(repr, over_ldaps.onprem))


@pytest.mark.parametrize("user", ["admin_dn", "admin_upn", "admin_user"])
def test_simple_bind_names(contoso_dc, password, user):
    assert read(live_args(contoso_dc, user=getattr(contoso_dc, user))).onprem


def test_several_bases_are_read_once_each(contoso_dc, password):
    base = contoso_dc.base_dn
    staff = read(live_args(contoso_dc, bases=[f"OU=Staff,{base}"]))
    both = read(live_args(contoso_dc, bases=[f"OU=Staff,{base}", f"OU=Contractors,{base}", f"OU=Staff,{base}",
                                                 f"ou=staff,{base}"]))
    assert staff.onprem and all(o.dn.endswith(f"OU=Staff,{base}") for o in staff.onprem)
    assert len({o.dn.lower() for o in both.onprem}) == len(both.onprem) > len(staff.onprem)


def test_paging_reads_past_one_page(contoso_dc, password):
    endpoint = ldapconn.parse_url(contoso_dc.ldaps_url)
    conn = ldapconn.connect(live_args(contoso_dc))
    try:
        pages = list(ldapread.paged_entries(conn, endpoint, contoso_dc.base_dn, ldapread.OBJECT_FILTER, ["objectGUID"],
                                        page_size=7))
    finally:
        ldapconn.close(conn)
    assert len(pages) > 5 and all(len(p) <= 7 for p in pages)
    dns = [dn for page in pages for dn, _ in page]
    assert len(dns) == len(set(dns)) == len(read(live_args(contoso_dc)).onprem)


def _plain_paged_search(conn, base: str, attributes: list[str], page_size: int) -> list[list[tuple[str, dict]]]:
    """ldap3's Connection.search page after page: what the pipelined paging must give."""
    import ldap3

    pages, cookie = [], None
    while True:
        conn.search(base, ldapread.OBJECT_FILTER, ldap3.SUBTREE, attributes=attributes, paged_size=page_size,
                    paged_cookie=cookie)
        pages.append([(e["dn"], dict(e["raw_attributes"])) for e in conn.response if e["type"] == "searchResEntry"])
        cookie = conn.result["controls"]["1.2.840.113556.1.4.319"]["value"]["cookie"]
        if not cookie:
            return pages


def test_pipelined_paging_gives_what_a_plain_paged_search_gives(contoso_dc, password):
    """Same pages, same DNs, same raw values (objectGUID bytes included) as ldap3's own search."""
    from syncready.sources.admap import ad_attributes

    endpoint = ldapconn.parse_url(contoso_dc.ldaps_url)
    conn = ldapconn.connect(live_args(contoso_dc))
    try:
        attributes = ad_attributes(load_config(str(CONFIG)).extra_ldap)
        ours = [[(dn, dict(raw)) for dn, raw in page] for page in
                ldapread.paged_entries(conn, endpoint, contoso_dc.base_dn, ldapread.OBJECT_FILTER, attributes,
                                       page_size=5)]
        plain = _plain_paged_search(conn, contoso_dc.base_dn, attributes, 5)
        guid = ours[-1][-1][1]["objectGUID"][0]
        ours_again = ldapread.paged_entries(conn, endpoint, contoso_dc.base_dn, ldapread.OBJECT_FILTER, attributes)
        again = [(dn, dict(raw)) for page in ours_again for dn, raw in page]
        after = ldapread.find_by_guid(conn, contoso_dc.base_dn, guid)
    finally:
        ldapconn.close(conn)
    assert len(ours) > 5 and ours == plain and again == [e for page in plain for e in page]
    assert any(isinstance(v, bytes) and len(v) == 16 for page in ours for _, raw in page
               for v in raw.get("objectGUID", ()))
    assert len(after) == 1, "the connection is usable for ordinary searches after a pipelined read"


def test_the_next_page_is_asked_for_before_this_one_is_decoded(contoso_dc, password, monkeypatch):
    """When the first entry of page 1 is decoded, the request for page 2 has already been sent, so the DC
    builds page 2 while the client decodes and maps page 1."""
    from syncready.sources import ldappaging

    endpoint = ldapconn.parse_url(contoso_dc.ldaps_url)
    conn = ldapconn.connect(live_args(contoso_dc))
    sent: list[str] = []
    at_decode: list[int] = []
    real_send, real_entry = conn.strategy.send, ldappaging._entry

    def send(message_type, request, controls=None):
        sent.append(message_type)
        return real_send(message_type, request, controls)

    def entry(message):
        at_decode.append(sent.count("searchRequest"))
        return real_entry(message)

    monkeypatch.setattr(conn.strategy, "send", send)
    monkeypatch.setattr(ldappaging, "_entry", entry)
    try:
        pages = list(ldapread.paged_entries(conn, endpoint, contoso_dc.base_dn, ldapread.OBJECT_FILTER,
                                            ["objectGUID"], page_size=7))
    finally:
        ldapconn.close(conn)
    assert at_decode[0] == 2 and at_decode[7] == 3, at_decode[:8]
    assert sent.count("searchRequest") == len(pages) and at_decode[-1] == len(pages)


def test_global_catalog_without_our_attributes_is_refused(contoso_dc, password):
    for url in (f"ldaps://{contoso_dc.ip}:3269", f"ldap://{contoso_dc.ip}:3268"):
        message = one_line_error(live_args(contoso_dc, url=url))
        assert "Global Catalog" in message and "mS-DS-ConsistencyGuid" in message and "proxyAddresses" in message


def test_global_catalog_with_our_attributes_reads_the_forest(contoso_template, password, monkeypatch):
    dc = clone_contoso(contoso_template, start=False)
    try:
        for attr in ("ms-DS-Consistency-Guid", "Proxy-Addresses", "Is-Critical-System-Object", "Department"):
            dc.ldb_modify(f"dn: CN={attr},{dc.schema_dn}\nchangetype: modify\nreplace: isMemberOfPartialAttributeSet\n"
                          "isMemberOfPartialAttributeSet: TRUE\n", "--option=dsdb:schema update allowed=true")
        dc.start()
        monkeypatch.setenv(ldapconn.PASSWORD_ENV, dc.admin_password)
        domain = read(live_args(dc))
        forest = read(live_args(dc, url=f"ldaps://{dc.ip}:3269"))
        assert forest.sources == {"onprem": f"ldaps://{dc.ip}:3269"}
        assert sorted(map(repr, forest.onprem)) == sorted(map(repr, domain.onprem))
    finally:
        dc.stop()


# -- filters ------------------------------------------------------------------------------------

def test_upn_with_filter_metacharacters_is_matched_literally(fresh_contoso_dc, monkeypatch):
    dc = fresh_contoso_dc
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, dc.admin_password)
    upns = {"star": "a*b(c)\\d@contoso.com", "near": "aXb(c)\\d@contoso.com", "nul": "nul\x00x@contoso.com",
            "plain": "nulx@contoso.com", "inject": "x)(userPrincipalName=*@contoso.com"}
    admin = dc.connect()
    for name, upn in upns.items():
        assert admin.add(f"CN=meta-{name},OU=Staff,{dc.base_dn}", USER_OC,
                         {"sAMAccountName": f"meta-{name}", "userPrincipalName": upn}), admin.result
    conn = ldapconn.connect(live_args(dc))
    try:
        for name, upn in upns.items():
            found = ldapread.find_user_by_upn(conn, dc.base_dn, upn)
            assert [o.dn for o in found] == [f"CN=meta-{name},OU=Staff,{dc.base_dn}"], name
            assert found[0].upn == upn
        assert [o.sam for o in ldapread.find_user_by_upn(conn, dc.base_dn, upns["star"].upper())] == ["meta-star"]
        assert ldapread.find_user_by_upn(conn, dc.base_dn, "*") == []
        assert ldapread.find_user_by_upn(conn, dc.base_dn, "*)(objectClass=*") == []
        alice = ldapread.find_user_by_upn(conn, dc.base_dn, "alice.johnson@contoso.com")[0]
        assert [dn for dn, _ in ldapread.find_by_guid(conn, dc.base_dn, alice.object_guid)] == [alice.dn]
    finally:
        ldapconn.close(conn)
    live = {o.upn: o.dn for o in read(live_args(dc)).onprem if o.upn}
    assert all(live[upn].startswith(f"CN=meta-{name},") for name, upn in upns.items())


# -- failures: one line each --------------------------------------------------------------------

def test_wrong_password(contoso_dc, monkeypatch):
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, "not-the-password")
    message = one_line_error(live_args(contoso_dc))
    assert message.startswith(f"LDAP server {contoso_dc.ip}:636 refused the credentials of CONTOSO\\Administrator")
    assert "invalidCredentials" in message and "52e" in message
    assert "not-the-password" not in message


def test_unreachable_port(contoso_dc, password):
    message = one_line_error(live_args(contoso_dc, url=f"ldaps://{contoso_dc.ip}:1636"))
    assert message.startswith(f"cannot reach LDAP server {contoso_dc.ip}:1636: connection refused")


def test_certificate_from_another_ca(contoso_dc, password, other_ca):
    for url in (contoso_dc.ldaps_url, f"ldap://{contoso_dc.ip}"):
        message = one_line_error(live_args(contoso_dc, url=url, ca_file=other_ca))
        assert "certificate does not validate (unable to get local issuer certificate)" in message
        assert "--ldap-ca-file" in message and contoso_dc.ip in message


def test_system_store_does_not_trust_a_private_ca(contoso_dc, password):
    message = one_line_error(live_args(contoso_dc, ca_file=None))
    assert "does not validate" in message and "--ldap-ca-file" in message


def test_certificate_for_another_name(contoso_template, monkeypatch):
    dc = clone_contoso(contoso_template, start=False)
    try:
        install_test_pki(dc, with_addresses=False)
        dc.start()
        monkeypatch.setenv(ldapconn.PASSWORD_ENV, dc.admin_password)
        message = one_line_error(live_args(dc))
        assert f"its certificate is not issued for {dc.ip}" in message and "mismatch" in message
    finally:
        dc.stop()


def test_insecure_skips_validation_and_warns(contoso_dc, password, other_ca, capsys):
    directory = read(live_args(contoso_dc, ca_file=other_ca, insecure=True))
    assert directory.onprem
    warning = [line for line in capsys.readouterr().err.splitlines() if "--ldap-insecure" in line]
    assert len(warning) == 1 and "not validated" in warning[0] and contoso_dc.ip in warning[0]


def test_nonexistent_base(contoso_dc, password):
    base = f"OU=Nowhere,{contoso_dc.base_dn}"
    message = one_line_error(live_args(contoso_dc, bases=[base]))
    assert message.startswith(f"LDAP server {contoso_dc.ip}:636: the base DN {base} does not exist (noSuchObject")
    assert "not a DN" in one_line_error(live_args(contoso_dc, bases=["contoso"]), ConfigError)


def test_plain_ldap_simple_bind_is_refused(contoso_dc):
    """connect() never binds without TLS; the DC's refusal still reads as one line."""
    endpoint = ldapconn.parse_url(contoso_dc.ldap_url)
    conn = ldapconn.open_connection(endpoint, None, user=contoso_dc.admin_user, password=contoso_dc.admin_password)
    with pytest.raises(SourceError) as info:
        ldapconn.bind(conn, endpoint, "simple", contoso_dc.admin_user)
    assert str(info.value) == (f"LDAP server {contoso_dc.ip}:389 refused the simple bind as CONTOSO\\Administrator: "
                               "strongerAuthRequired (the DC requires TLS or signing; use ldaps:// or ldap:// "
                               "with StartTLS)")


def test_starttls_refused(contoso_dc, password):
    """A server without StartTLS (Samba cannot start without TLS, so a minimal LDAP responder)."""
    with _no_starttls_server() as port:
        message = one_line_error(live_args(contoso_dc, url=f"ldap://127.0.0.1:{port}"))
    assert message.startswith(f"LDAP server 127.0.0.1:{port} refused StartTLS (unavailable)")


def test_ldaps_url_on_a_plain_port(contoso_dc, password):
    message = one_line_error(live_args(contoso_dc, url=f"ldaps://{contoso_dc.ip}:389"))
    assert message.startswith(f"LDAP server {contoso_dc.ip}:389: TLS handshake failed")


def test_ntlm_gives_one_line(contoso_dc, password):
    """ldap3's NTLM needs MD4 (gone from OpenSSL 3 unless pycryptodome is there); Samba refuses it anyway."""
    message = one_line_error(live_args(contoso_dc, auth="ntlm"), SyncreadyError)
    assert "NTLM" in message or "ntlm" in message
    assert "needs --ldap-user DOMAIN" in one_line_error(
        live_args(contoso_dc, auth="ntlm", user="admin@contoso.test"), ConfigError)


def test_password_is_never_taken_from_nowhere(contoso_dc, monkeypatch):
    monkeypatch.delenv(ldapconn.PASSWORD_ENV, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert ldapconn.PASSWORD_ENV in one_line_error(live_args(contoso_dc), ConfigError)
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, "")
    assert "anonymous" in one_line_error(live_args(contoso_dc), ConfigError)


@pytest.mark.parametrize("url,expected", [
    ("ldaps://CONTOSO%5Cadmin:secret@dc1", "must not carry credentials"),
    ("https://dc1", "use ldaps://"),
    ("ldaps://dc1/DC=contoso,DC=com", "--ldap-base"),
])
def test_bad_urls(url, expected):
    with pytest.raises(ConfigError, match=expected) as info:
        ldapconn.parse_url(url)
    assert "secret" not in str(info.value)


def test_cli_failure_is_one_line_and_exit_2(contoso_dc, monkeypatch, capsys):
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, "wrong")
    code = main(["check", "--snapshot", str(EXAMPLE), "--ldap-url", contoso_dc.ldaps_url,
                 "--ldap-ca-file", contoso_dc.ca_file, "--ldap-user", contoso_dc.admin_user, "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("syncready: error: LDAP server ")


# -- Kerberos -----------------------------------------------------------------------------------

def kerberos_ready(dc, tmp_path, monkeypatch, ticket: bool = True) -> str:
    """Point Kerberos at the DC's KDC, resolve its host name to its address, and (if `ticket`) put
    Administrator's ticket in a fresh credential cache; returns the host name."""
    import gssapi

    host = dc.tls_name.lower()
    tmp_path.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("KRB5_CONFIG", dc.write_krb5_conf(tmp_path / "krb5.conf"))
    monkeypatch.delenv(ldapconn.PASSWORD_ENV, raising=False)
    resolve = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda name, *a, **k: resolve(
        dc.ip if str(name).lower() == host else name, *a, **k))
    cache = tmp_path / ("cache" if ticket else "empty-cache")
    if ticket:
        principal = gssapi.Name(f"Administrator@{dc.realm}", gssapi.NameType.kerberos_principal)
        creds = gssapi.raw.acquire_cred_with_password(principal, dc.admin_password.encode(), usage="initiate").creds
        gssapi.raw.store_cred_into({b"ccache": f"FILE:{cache}".encode()}, creds, usage="initiate", overwrite=True)
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{cache}")
    return host


def test_kerberos_bind_with_a_ticket(contoso_template, tmp_path, monkeypatch):
    """SASL GSSAPI with a ticket in the credential cache, over LDAPS and StartTLS.

    Samba's default refuses SASL binds over TLS unless they also sign or seal, which ldap3 does
    not do; Windows DCs accept them. The DC here is set like Windows (KERBEROS_OPTIONS) and runs
    its KDC.
    """
    dc = clone_contoso(contoso_template, start=False)
    try:
        dc.start(services=("ldap", "kdc"), options=sambadc.KERBEROS_OPTIONS)
        host = kerberos_ready(dc, tmp_path / "none", monkeypatch, ticket=False)
        message = one_line_error(live_args(dc, url=f"ldaps://{host}", auth="kerberos", user=None))
        assert "no usable Kerberos ticket" in message and "kinit" in message
        assert "not the address" in one_line_error(live_args(dc, auth="kerberos", user=None), ConfigError)

        kerberos_ready(dc, tmp_path, monkeypatch)
        for url in (f"ldaps://{host}", f"ldap://{host}"):
            for user in (None, f"Administrator@{dc.realm}"):
                directory = read(live_args(dc, url=url, auth="kerberos", user=user))
                assert any(o.upn == "alice.johnson@contoso.com" for o in directory.onprem), (url, user)
        message = one_line_error(live_args(dc, url=f"ldaps://{host}", auth="kerberos",
                                           user=f"nobody@{dc.realm}"))
        assert "no usable Kerberos ticket for nobody@" in message
    finally:
        dc.stop()


def test_kerberos_refused_without_sasl_over_tls(contoso_template, tmp_path, monkeypatch):
    """Samba's default: the bind is refused, and the message says what to change."""
    dc = clone_contoso(contoso_template, start=False)
    try:
        dc.start(services=("ldap", "kdc"))
        host = kerberos_ready(dc, tmp_path, monkeypatch)
        message = one_line_error(live_args(dc, url=f"ldaps://{host}", auth="kerberos", user=None))
        assert "strongerAuthRequired" in message and "allow_sasl_over_tls" in message
    finally:
        dc.stop()


# -- progress and logging -----------------------------------------------------------------------

def test_verbose_logs_requests_and_never_the_password(contoso_dc, password, caplog):
    caplog.set_level(logging.DEBUG, logger="syncready")
    read(live_args(contoso_dc, verbose=True))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert f"LDAP connect {contoso_dc.ldaps_url} in " in text
    assert "LDAP simple bind to" in text and "page 1:" in text
    assert password not in text


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_for_a_person_at_a_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    shown = _Tty()
    progress = Progress("Reading AD", stream=shown)
    progress.update(1500, 2)
    progress.done()
    assert "Reading AD: 1,500 objects in 2 pages" in shown.getvalue() and shown.getvalue().endswith("\r\x1b[K")
    for quiet, ci, stream in ((True, None, _Tty()), (False, "true", _Tty()), (False, None, io.StringIO())):
        if ci:
            monkeypatch.setenv("CI", ci)
        progress = Progress("Reading AD", quiet=quiet, stream=stream)
        progress.update(10, 1)
        progress.done()
        assert stream.getvalue() == ""


# -- snapshot and check -------------------------------------------------------------------------

def live_options(dc) -> list[str]:
    return ["--ldap-url", dc.ldaps_url, "--ldap-ca-file", dc.ca_file, "--ldap-user", dc.admin_user]


def test_snapshot_of_live_ad_reads_back_the_same(contoso_dc, password, tmp_path, capsys):
    out = tmp_path / "snap"
    code = main(["snapshot", "--out", str(out), "--config", str(CONFIG), *live_options(contoso_dc)])
    assert code == 0, capsys.readouterr().err
    assert "snapshot written to" in capsys.readouterr().out
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "manifest.json", "onprem/ad.ldif"]
    text = (out / "onprem" / "ad.ldif").read_text()
    assert password not in text and "unicodePwd" not in text
    assert "\nobjectSid:: " in text and "\npwdLastSet: " in text, "binary values base64, integers as text"
    config = load_config(str(CONFIG))
    again = read_snapshot(out, extra_ldap=config.extra_ldap, parts=("onprem",))
    live = read(live_args(contoso_dc), config)
    assert sorted(map(repr, again.onprem)) == sorted(map(repr, live.onprem))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["ldap"]["server"] == contoso_dc.ldaps_url and manifest["ldap"]["bases"]
    users = sum(1 for o in live.onprem if o.object_class == "user")
    assert manifest["collections"]["adUsers"]["count"] == users and "proxyAddresses" in \
        manifest["collections"]["adUsers"]["properties"]
    assert manifest["collections"]["users"] == {"status": "not requested"}
    assert password not in json.dumps(manifest)
    assert again.coverage.get("adUsers").count == users


def test_snapshot_needs_a_live_source(tmp_path, capsys):
    assert main(["snapshot", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nothing to read" in err
    assert main(["snapshot", "--out", str(tmp_path / "x"), "--snapshot", str(EXAMPLE)]) == 2


# The DC sets objectSid, pwdLastSet and accountExpires (groupType) on every object it adds, which the
# example's LDIF does not carry: the checks that read them see different AD data (tests/test_ad_2026.py).
# The test DC has Exchange's schema and the example no Exchange attribute: the Exchange checks skip in
# both, each saying why in its own words.
SAME_DATA = ",".join(c.id for c in all_checks() if not any(i.partition(".")[2] in FIELDS for i in c.meta.inputs))


# these name what the DC sets itself in their messages and evidence: the SID, and a group's groupType
# (the DC gives the example's untyped group its default, a global security group)
BY_STATUS = ("previously-synced", "sid-unique", "group-takeover")


def comparable(subject: dict) -> dict:
    results = {c: {"status": r["status"]} if c.startswith("exchange-") or c in BY_STATUS else r
               for c, r in subject["results"].items()}
    onprem = {k: v for k, v in (subject.get("onprem") or {}).items()
              if k not in FIELDS and k not in ("sid", "groupType")}
    return dict(subject, results=results, **({"onprem": onprem} if "onprem" in subject else {}))


def subject_key(subject: dict) -> tuple:
    return subject["kind"], subject["subject"]


def test_check_with_live_ad_equals_the_snapshot_run(contoso_dc, password, tmp_path):
    base = ["check", "--snapshot", str(EXAMPLE), "--config", str(CONFIG), "-q", "--select", SAME_DATA]
    code_snapshot = main([*base, "--json", str(tmp_path / "snapshot.json")])
    code_live = main([*base, "--json", str(tmp_path / "live.json"), *live_options(contoso_dc)])
    snapshot = read_results(tmp_path / "snapshot.json")
    live = read_results(tmp_path / "live.json")
    assert code_live == code_snapshot
    assert live["sources"]["onprem"] == contoso_dc.ldaps_url
    assert live["sources"]["cloud"] == snapshot["sources"]["cloud"]

    assert sorted(map(comparable, live["subjects"]), key=subject_key) == \
        sorted(map(comparable, snapshot["subjects"]), key=subject_key)
    assert live["summary"] == snapshot["summary"]


# -- a server that refuses StartTLS -------------------------------------------------------------

class _no_starttls_server:
    """Answers the first request with an ExtendedResponse 'unavailable' (52), as a server without TLS.

    The request's messageID (BER INTEGER, short length form) is echoed back as it came.
    """

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(10)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self.sock.getsockname()[1]

    def _serve(self) -> None:
        try:
            client, _ = self.sock.accept()
        except OSError:
            return
        with client:
            client.settimeout(10)
            request = client.recv(4096)
            message_id = request[2:4 + request[3]]
            body = b"\x0a\x01\x34\x04\x00\x04\x0bno TLS here"
            op = bytes([0x78, len(body)]) + body
            payload = message_id + op
            client.sendall(bytes([0x30, len(payload)]) + payload)
            try:
                client.recv(4096)
            except OSError:
                pass

    def __exit__(self, *exc) -> None:
        self.sock.close()
        self.thread.join(5)


def test_snapshot_of_both_live_sources_checks_like_the_example(contoso_dc, password, graph_server, tmp_path):
    """Graph (the local test server) and AD (Samba), both live, into one snapshot folder."""
    out = tmp_path / "snap"
    code = main(["snapshot", "--out", str(out), "--config", str(CONFIG), "-q", "--graph-url", graph_server.url,
                 "--auth", "token", *live_options(contoso_dc)])
    assert code == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "cloud/users.json" in written and "onprem/ad.ldif" in written
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert graph_server.token not in text and password not in text, path
    base = ["check", "--config", str(CONFIG), "-q", "--select", SAME_DATA]
    main([*base, "--snapshot", str(EXAMPLE), "--json", str(tmp_path / "example.json")])
    main([*base, "--snapshot", str(out), "--json", str(tmp_path / "again.json")])
    example = read_results(tmp_path / "example.json")
    again = read_results(tmp_path / "again.json")

    assert sorted(map(comparable, again["subjects"]), key=subject_key) == \
        sorted(map(comparable, example["subjects"]), key=subject_key)
