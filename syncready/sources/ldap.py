"""The live on-prem source: Active Directory over LDAPS or StartTLS, through ldap3 (SPEC §2, §5).

Transport. `ldaps://HOST[:636]` is TLS from the first byte; `ldap://HOST[:389]` sends StartTLS
before anything else and never binds in clear text. The certificate chain is verified against
`--ldap-ca-file` (PEM) or the system store, and the host name (or IP address) of the URL must be
in the certificate; OpenSSL checks both during the handshake, because ldap3 2.9.1 verifies nothing
by default and its own name check relies on `ssl.match_hostname`, which Python 3.12 removed.
`--ldap-insecure` skips both checks and says so on stderr on every run.

Binds. simple: `--ldap-user` is a DN, a UPN (`admin@contoso.com`) or `DOMAIN\\user`. ntlm:
`DOMAIN\\user` through ldap3's NTLM (the Sicily bind): Windows DCs accept it, Samba does not, and
it needs MD4, which OpenSSL 3 no longer has (pycryptodome supplies it). kerberos: SASL GSSAPI with
the ticket already in the credential cache (`kinit`, or the logon session); needs the Python
package gssapi and the DC's host name in the URL (the service principal is `ldap/HOST`). The
password (simple, ntlm) comes from SYNCREADY_LDAP_PASSWORD or a prompt when stdin is a terminal,
never from the command line, and is never logged.

Reading. One paged subtree search (1,000 entries a page, AD's MaxPageSize) per base for users,
groups and contacts, asking for exactly the attributes the checks need; objectGUID and
mS-DS-ConsistencyGuid are taken from the raw values. The base is each `--ldap-base` or the
server's defaultNamingContext. The sync scope's OUs are not used as search bases although that
would read less: the engine must also see the users outside the scope, to say "exists, but
outside the sync scope" instead of "no such user", so the whole base is read and the engine
filters.

Forests. A forest of several domains is read either with several `--ldap-base` values against a
DC that holds all those naming contexts, or through the Global Catalog (`ldaps://HOST:3269` or
`ldap://HOST:3268`; without `--ldap-base` the whole forest is searched from the empty base). The
Global Catalog only holds the attributes of the partial attribute set, and a default AD schema
leaves out mS-DS-ConsistencyGuid, proxyAddresses and isCriticalSystemObject (and department and
most other attributes one would compare for drift); mailNickname exists only where Exchange's
schema was added. mail, userPrincipalName, sAMAccountName, givenName, sn, displayName,
userAccountControl, objectGUID and objectClass are in it. A missing mS-DS-ConsistencyGuid would
silently give objectGUID anchors and a missing proxyAddresses would hide address conflicts, so
reading through a Global Catalog first looks each requested attribute up in the schema and
refuses, naming the attributes, when any is not in the partial attribute set.
"""
from __future__ import annotations

import getpass
import ipaddress
import logging
import os
import re
import socket
import ssl
import sys
import time
from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import urlsplit

import ldap3
from ldap3.core import exceptions as lx
from ldap3.utils.conv import escape_bytes, escape_filter_chars
from ldap3.utils.dn import parse_dn

from ..errors import ConfigError, SourceError
from ..model import Directory, OnPremObject
from ..progress import Progress, configure_logging, timed
from .admap import ad_attributes, onprem_from_attributes, record_onprem
from .ldif import printable

log = logging.getLogger("syncready.ldap")

PASSWORD_ENV = "SYNCREADY_LDAP_PASSWORD"
PAGE_SIZE = 1000
CONNECT_TIMEOUT = 10
RECEIVE_TIMEOUT = 120
DEFAULT_PORTS = {"ldaps": 636, "ldap": 389}
GLOBAL_CATALOG_PORTS = (3268, 3269)
PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"

# Users (not computers, which are objectClass=user too), groups and contacts.
OBJECT_FILTER = "(|(&(objectCategory=person)(objectClass=user))(objectClass=group)(objectClass=contact))"
USER_FILTER = "(&(objectCategory=person)(objectClass=user)(userPrincipalName={}))"

# The "data" sub-code of AD's invalidCredentials (49) message: why the bind was refused.
AD_BIND_SUBCODES = {
    "525": "no such user",
    "52e": "wrong password or unknown user",
    "530": "logon not permitted at this time",
    "531": "logon not permitted from this workstation",
    "532": "password expired",
    "533": "account disabled",
    "568": "too many security IDs in the token",
    "701": "account expired",
    "773": "the password must be changed first",
    "775": "account locked out",
    "80090346": "the DC requires LDAP channel binding",
}


@dataclass(frozen=True)
class Endpoint:
    """Where the DC is, parsed from --ldap-url; `url` holds no credentials and is safe to show."""

    scheme: str
    host: str
    port: int

    @property
    def label(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.label}"

    @property
    def global_catalog(self) -> bool:
        return self.port in GLOBAL_CATALOG_PORTS

    @property
    def is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True


def parse_url(url: str) -> Endpoint:
    """The Endpoint of an ldaps:// or ldap:// URL; anything else is a ConfigError."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"--ldap-url {url!r} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ConfigError(f"--ldap-url {url!r}: use ldaps://HOST[:PORT] or ldap://HOST[:PORT] (StartTLS)")
    if parts.username is not None or parts.password is not None:
        raise ConfigError("--ldap-url must not carry credentials: give the user with --ldap-user and the "
                          f"password in {PASSWORD_ENV}")
    if not parts.hostname:
        raise ConfigError(f"--ldap-url {url!r} names no host")
    if parts.path not in ("", "/") or parts.query:
        raise ConfigError(f"--ldap-url {url!r}: give the search base with --ldap-base, not in the URL")
    return Endpoint(scheme, parts.hostname, port or DEFAULT_PORTS[scheme])


class _VerifyingTls(ldap3.Tls):
    """ldap3's Tls with the handshake done by an ssl.SSLContext that checks chain and host name.

    ldap3 2.9.1 builds a context with check_hostname off and matches names itself afterwards;
    here the context's own checks apply (IP addresses and wildcards handled by OpenSSL) and SNI
    carries the host name.
    """

    def __init__(self, context: ssl.SSLContext, server_hostname: str):
        super().__init__(validate=context.verify_mode)
        self.context = context
        self.server_hostname = server_hostname

    def wrap_socket(self, connection, do_handshake=False):
        connection.socket = self.context.wrap_socket(connection.socket, server_side=False,
                                                     do_handshake_on_connect=do_handshake,
                                                     server_hostname=self.server_hostname)


def tls_context(ca_file: str | None, insecure: bool) -> ssl.SSLContext:
    """CERT_REQUIRED with host name check (CA file or system store), or no checks at all."""
    if insecure:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if ca_file:
        if not os.path.isfile(ca_file):
            raise ConfigError(f"--ldap-ca-file {ca_file} does not exist")
        try:
            return ssl.create_default_context(cafile=ca_file)
        except (ssl.SSLError, ValueError, OSError) as exc:
            raise ConfigError(f"--ldap-ca-file {ca_file} holds no usable PEM certificate ({_ssl_reason(exc)})") from None
    return ssl.create_default_context()


def connect(args, config=None) -> ldap3.Connection:
    """A bound ldap3 Connection to the DC of --ldap-url, over TLS; every failure is one SourceError.

    Used by read_onprem and by the LDAP writer of `fix`. `config` is accepted for symmetry with
    the Graph source; nothing in it changes how to connect.
    """
    configure_logging(bool(getattr(args, "verbose", False)))
    url = getattr(args, "ldap_url", None)
    if not url:
        raise ConfigError("no --ldap-url given")
    endpoint = parse_url(url)
    auth = (getattr(args, "ldap_auth", None) or "simple").lower()
    user = getattr(args, "ldap_user", None)
    insecure = bool(getattr(args, "ldap_insecure", False))
    _check_auth(auth, user, endpoint)
    password = None if auth == "kerberos" else read_password(user, endpoint)
    if insecure:
        print(f"syncready: warning: --ldap-insecure: the certificate of {endpoint.label} is not validated; "
              "anyone on the network path can pose as the DC and read the password", file=sys.stderr)
    context = tls_context(getattr(args, "ldap_ca_file", None), insecure)
    conn = open_connection(endpoint, context, auth=auth, user=user, password=password)
    bind(conn, endpoint, auth, user)
    return conn


def _check_auth(auth: str, user: str | None, endpoint: Endpoint) -> None:
    if auth == "simple":
        if not user:
            raise ConfigError("--ldap-user is required for a simple bind (a DN, user@domain or DOMAIN\\user)")
    elif auth == "ntlm":
        if not user or "\\" not in user:
            raise ConfigError("an NTLM bind needs --ldap-user DOMAIN\\user")
        if not _md4_available():
            raise ConfigError("an NTLM bind needs MD4, which this OpenSSL does not provide: install pycryptodome, "
                              "or use --ldap-auth simple over LDAPS, or kerberos")
    elif auth == "kerberos":
        if endpoint.is_ip:
            raise ConfigError(f"a Kerberos bind needs the DC's host name in --ldap-url, not the address {endpoint.host} "
                              "(the service ticket is for ldap/HOST)")
        try:
            import gssapi  # noqa: F401
        except ImportError:
            raise ConfigError("a Kerberos bind needs the Python package gssapi (pip install gssapi)") from None
    else:
        raise ConfigError(f"--ldap-auth {auth!r}: use simple, ntlm or kerberos")


def _md4_available() -> bool:
    import hashlib
    try:
        hashlib.new("md4")
        return True
    except ValueError:
        pass
    try:
        from Crypto.Hash import MD4  # noqa: F401
        return True
    except ImportError:
        return False


def read_password(user: str | None, endpoint: Endpoint) -> str:
    """SYNCREADY_LDAP_PASSWORD, else a prompt on a terminal; never an empty password.

    AD treats a simple bind with a name and an empty password as an anonymous bind that succeeds,
    so an empty value must never reach the bind.
    """
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not (sys.stdin and sys.stdin.isatty()):
            raise ConfigError(f"no LDAP password: set {PASSWORD_ENV} (there is no terminal to ask on)")
        try:
            password = getpass.getpass(f"Password for {user} at {endpoint.label}: ")
        except EOFError:
            password = ""
    if not password:
        raise ConfigError(f"the LDAP password is empty ({PASSWORD_ENV} or the prompt): AD would take that "
                          "for an anonymous bind")
    return password


def open_connection(endpoint: Endpoint, context: ssl.SSLContext | None, auth: str = "simple",
                    user: str | None = None, password: str | None = None) -> ldap3.Connection:
    """An open, not yet bound Connection; TLS is on unless `context` is None (tests only)."""
    tls = _VerifyingTls(context, endpoint.host) if context is not None else None
    server = ldap3.Server(endpoint.host, port=endpoint.port, use_ssl=endpoint.scheme == "ldaps" and tls is not None,
                          tls=tls, get_info=ldap3.NONE, connect_timeout=CONNECT_TIMEOUT)
    options = dict(raise_exceptions=False, auto_referrals=False, receive_timeout=RECEIVE_TIMEOUT,
                   return_empty_attributes=False, read_only=False)
    if auth == "kerberos":
        options.update(authentication=ldap3.SASL, sasl_mechanism=ldap3.KERBEROS,
                       sasl_credentials=(None, None, _kerberos_credentials(user)))
    elif auth == "ntlm":
        options.update(authentication=ldap3.NTLM, user=user, password=password)
    else:
        options.update(authentication=ldap3.SIMPLE, user=user, password=password)
    conn = ldap3.Connection(server, **options)
    try:
        with timed(log, f"LDAP connect {endpoint.url}"):
            conn.open()
    except lx.LDAPException as exc:
        raise SourceError(_open_error(endpoint, exc)) from None
    if endpoint.scheme == "ldap" and tls is not None:
        start_tls(conn, endpoint)
    return conn


def start_tls(conn: ldap3.Connection, endpoint: Endpoint) -> None:
    try:
        with timed(log, f"LDAP StartTLS {endpoint.label}"):
            started = conn.start_tls()
    except lx.LDAPStartTLSError as exc:
        close(conn)
        text = str(exc)
        if isinstance(exc, ssl.SSLError) or "wrap socket error" in text:
            raise SourceError(_tls_error(endpoint, exc)) from None
        reason = text.replace("startTLS failed - ", "")
        raise SourceError(f"LDAP server {endpoint.label} refused StartTLS ({reason}); use ldaps:// "
                          "(port 636) or enable TLS on the DC") from None
    except lx.LDAPException as exc:
        close(conn)
        raise SourceError(f"LDAP server {endpoint.label}: StartTLS failed ({_short(exc)})") from None
    if not started:
        close(conn)
        raise SourceError(f"LDAP server {endpoint.label} refused StartTLS; use ldaps:// (port 636)")


def close(conn: ldap3.Connection) -> None:
    """Unbind and close, ignoring a connection that is already gone (after a failed handshake)."""
    try:
        conn.unbind()
    except (lx.LDAPException, OSError):
        pass


def _kerberos_credentials(user: str | None):
    """The initiator credentials of `user` from the credential cache (None: the default principal)."""
    import gssapi
    try:
        name = gssapi.Name(user, gssapi.NameType.kerberos_principal) if user else None
        return gssapi.Credentials(name=name, usage="initiate")
    except gssapi.exceptions.GSSError as exc:
        who = f"for {user} " if user else ""
        raise SourceError(f"no usable Kerberos ticket {who}in the credential cache ({_gss_reason(exc)}); "
                          f"run kinit {user or 'USER@REALM'} first") from None


def _gss_reason(exc) -> str:
    text = " ".join(str(exc).split())
    match = re.search(r"Minor \(\d+\): (.*?)\s*$", text)
    return match.group(1) if match else text[:200]


def bind(conn: ldap3.Connection, endpoint: Endpoint, auth: str, user: str | None) -> None:
    """Bind, turning every refusal into one SourceError line that names the server."""
    who = user or "the Kerberos principal"
    try:
        with timed(log, f"LDAP {auth} bind to {endpoint.label} as {who}"):
            ok = conn.bind()
    except lx.LDAPPackageUnavailableError as exc:
        close(conn)
        raise ConfigError(f"{auth} bind: {exc}") from None
    except (lx.LDAPSessionTerminatedByServerError, lx.LDAPSocketReceiveError, lx.LDAPSocketSendError) as exc:
        close(conn)
        hint = " (Samba and some DCs do not accept ldap3's NTLM bind: use --ldap-auth simple over LDAPS or kerberos)" \
            if auth == "ntlm" else ""
        raise SourceError(f"LDAP server {endpoint.label} closed the connection during the {auth} bind{hint}") from None
    except lx.LDAPException as exc:
        close(conn)
        raise SourceError(f"LDAP server {endpoint.label}: {auth} bind as {who} failed ({_short(exc)})") from None
    except Exception as exc:
        close(conn)
        if auth == "kerberos":
            raise SourceError(f"LDAP server {endpoint.label}: Kerberos bind failed ({_gss_reason(exc)})") from None
        raise
    if not ok:
        result = conn.result or {}
        close(conn)
        raise SourceError(bind_error(endpoint, auth, who, result))


def bind_error(endpoint: Endpoint, auth: str, who: str, result: dict) -> str:
    code = result.get("result")
    description = result.get("description") or f"result {code}"
    message = " ".join(str(result.get("message") or "").split())
    if code == 49:
        match = re.search(r"data ([0-9a-fA-F]+)", message)
        sub = match.group(1).lower() if match else None
        detail = f", AD code {sub}: {AD_BIND_SUBCODES[sub]}" if sub in AD_BIND_SUBCODES else (
            f", AD code {sub}" if sub else "")
        return f"LDAP server {endpoint.label} refused the credentials of {who} ({description}{detail})"
    if code == 8 and auth == "kerberos":
        return (f"LDAP server {endpoint.label} refused the Kerberos bind as {who}: strongerAuthRequired (the DC "
                "wants Kerberos signing or sealing even over TLS, which ldap3 does not implement; on Samba set "
                "'ldap server require strong auth = allow_sasl_over_tls', or use a simple bind over LDAPS)")
    if code == 8:
        return (f"LDAP server {endpoint.label} refused the {auth} bind as {who}: strongerAuthRequired (the DC "
                "requires TLS or signing; use ldaps:// or ldap:// with StartTLS)")
    if code == 7 and auth == "kerberos":
        return f"LDAP server {endpoint.label} does not offer SASL GSSAPI (Kerberos) binds ({description})"
    extra = f": {message}" if message else ""
    return f"LDAP server {endpoint.label} refused the {auth} bind as {who} ({description}{extra})"


def _open_error(endpoint: Endpoint, exc: Exception) -> str:
    """One line for a failure to open the connection: name resolution, TCP or the TLS handshake."""
    history = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], list) else None
    causes = [e for e, _ in history] if history else [exc]
    for cause in causes:
        if isinstance(cause, ssl.SSLError) or "ssl wrapping error" in str(cause):
            return _tls_error(endpoint, cause)
    cause = causes[0]
    if isinstance(cause, ConnectionRefusedError) or "refused" in str(cause).lower():
        return (f"cannot reach LDAP server {endpoint.label}: connection refused (check host and port: "
                "LDAPS is 636, the Global Catalog 3269)")
    if isinstance(cause, (TimeoutError, socket.timeout)) or "timed out" in str(cause):
        return f"cannot reach LDAP server {endpoint.label}: no answer within {CONNECT_TIMEOUT} s (host down or port filtered)"
    if isinstance(cause, socket.gaierror) or "invalid server address" in str(cause):
        return f"cannot reach LDAP server {endpoint.label}: the host name {endpoint.host} does not resolve"
    return f"cannot reach LDAP server {endpoint.label}: {_short(cause)}"


def _tls_error(endpoint: Endpoint, exc: Exception) -> str:
    reason = _ssl_reason(exc)
    if "certificate verify failed" in str(exc).lower() or isinstance(exc, ssl.SSLCertVerificationError):
        if "mismatch" in reason.lower():
            return (f"LDAP server {endpoint.label}: its certificate is not issued for {endpoint.host} ({reason}); "
                    "connect with the DC's name as it appears in the certificate")
        return (f"LDAP server {endpoint.label}: its certificate does not validate ({reason}); give the CA that "
                "signed it with --ldap-ca-file FILE (PEM)")
    return (f"LDAP server {endpoint.label}: TLS handshake failed ({reason}); is port {endpoint.port} "
            f"{'an LDAPS port' if endpoint.scheme == 'ldaps' else 'a StartTLS-capable LDAP port'}?")


def _ssl_reason(exc: Exception) -> str:
    """OpenSSL's reason from an exception that ldap3 may have wrapped (and repr'ed) twice."""
    text = " ".join(str(exc).split())
    match = re.search(r"certificate verify failed: (.*?) \(_ssl\.c:\d+\)", text) or \
        re.search(r"(\[SSL: [^\]]+\] .*?) \(_ssl\.c:\d+\)", text)
    if match:
        return match.group(1).strip()
    text = re.sub(r"^\(?['\"]?(socket ssl wrapping error|wrap socket error): ", "", text)
    return text.rstrip("',)\"")


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# --------------------------------------------------------------------------------------------
# Reading

def root_dse(conn: ldap3.Connection, endpoint: Endpoint) -> dict[str, list[str]]:
    attrs = ["defaultNamingContext", "rootDomainNamingContext", "schemaNamingContext", "dnsHostName"]
    with timed(log, f"LDAP {endpoint.label} rootDSE"):
        ok = conn.search("", "(objectClass=*)", ldap3.BASE, attributes=attrs)
    if not ok or not conn.response:
        raise SourceError(f"LDAP server {endpoint.label}: cannot read the rootDSE ({_result(conn)})")
    raw = conn.response[0].get("raw_attributes", {})
    return {k.lower(): [v.decode("utf-8", "replace") for v in values] for k, values in raw.items()}


def search_bases(args, conn: ldap3.Connection, endpoint: Endpoint, dse: dict | None = None) -> list[str]:
    """--ldap-base values, else the empty base of a Global Catalog, else defaultNamingContext."""
    given = [b.strip() for b in (getattr(args, "ldap_base", None) or []) if b and b.strip()]
    for base in given:
        try:
            parse_dn(base)
        except lx.LDAPInvalidDnError:
            raise ConfigError(f"--ldap-base {base!r} is not a DN (e.g. DC=contoso,DC=com)") from None
    if given:
        return list(dict.fromkeys(given))
    if endpoint.global_catalog:
        return [""]
    dse = dse if dse is not None else root_dse(conn, endpoint)
    default = dse.get("defaultnamingcontext")
    if not default:
        raise SourceError(f"LDAP server {endpoint.label} names no defaultNamingContext: give --ldap-base DN")
    return [default[0]]


def read_onprem(args, config, into: Directory, raw_sink: list | None = None, about: dict | None = None) -> Directory:
    """Read users, groups and contacts from the live AD into `into.onprem`, and record them in its coverage.

    `raw_sink`, when given, receives (dn, {attribute: [bytes]}) for every entry read, which
    `syncready snapshot` writes as LDIF; `about` receives the server and the search bases (for
    the snapshot's manifest). The whole base is read even when the config names a sync scope
    (see the module docstring).
    """
    extra = tuple(getattr(config, "extra_ldap", ()) or ())
    conn = connect(args, config)
    endpoint = parse_url(args.ldap_url)
    try:
        dse = root_dse(conn, endpoint)
        bases = search_bases(args, conn, endpoint, dse)
        attributes = ad_attributes(extra)
        if endpoint.global_catalog:
            check_global_catalog(conn, endpoint, dse, attributes)
        progress = Progress(f"Reading AD at {endpoint.label}", quiet=bool(getattr(args, "quiet", False)))
        objects: list[OnPremObject] = []
        seen: set[str] = set()
        count = pages = 0
        for base in bases:
            for page in paged_entries(conn, endpoint, base, OBJECT_FILTER, attributes):
                pages += 1
                for dn, raw in page:
                    count += 1
                    key = dn.lower()
                    if key in seen:
                        continue
                    seen.add(key)
                    if raw_sink is not None:
                        raw_sink.append((dn, raw))
                    try:
                        obj = onprem_from_attributes(dn, raw, extra)
                    except ValueError as exc:
                        raise SourceError(f"LDAP server {endpoint.label}: entry {printable(dn)}: {exc}") from None
                    if obj is not None:
                        objects.append(obj)
                progress.update(count, pages)
        progress.done()
    finally:
        close(conn)
    into.onprem = objects
    into.sources["onprem"] = endpoint.url
    record_onprem(into.coverage, objects, endpoint.url)
    if about is not None:
        about.update(server=endpoint.url, bases=list(bases))
    log.debug("LDAP %s: %d objects kept of %d entries in %d pages", endpoint.label, len(objects), count, pages)
    return into


def paged_entries(conn: ldap3.Connection, endpoint: Endpoint, base: str, search_filter: str,
                  attributes: Iterable[str], page_size: int = PAGE_SIZE) -> Iterator[list[tuple[str, dict]]]:
    """Each page of a paged subtree search as a list of (dn, raw attributes)."""
    attributes = list(attributes)
    cookie = None
    number = 0
    shown_base = base or "(the whole forest)"
    while True:
        number += 1
        started = time.perf_counter()
        try:
            ok = conn.search(base, search_filter, ldap3.SUBTREE, attributes=attributes,
                             paged_size=page_size, paged_cookie=cookie)
        except lx.LDAPException as exc:
            raise SourceError(f"LDAP server {endpoint.label}: reading {shown_base} failed ({_short(exc)})") from None
        result = conn.result or {}
        if not ok and result.get("result") not in (0, None):
            raise SourceError(search_error(endpoint, base, result))
        page = [(entry["dn"], entry["raw_attributes"]) for entry in conn.response or ()
                if entry.get("type") == "searchResEntry"]
        if log.isEnabledFor(logging.DEBUG):
            log.debug("LDAP %s search base=%r page %d: %d entries in %.3fs", endpoint.label, base, number,
                      len(page), time.perf_counter() - started)
        yield page
        cookie = (result.get("controls") or {}).get(PAGED_RESULTS_OID, {}).get("value", {}).get("cookie")
        if not cookie:
            return


def search_error(endpoint: Endpoint, base: str, result: dict) -> str:
    code = result.get("result")
    description = result.get("description") or f"result {code}"
    if code == 32:
        matched = result.get("dn")
        hint = f"; the closest existing entry is {matched}" if matched else ""
        return f"LDAP server {endpoint.label}: the base DN {base} does not exist (noSuchObject{hint})"
    if code == 10:
        referrals = ", ".join(result.get("referrals") or ()) or "another server"
        return (f"LDAP server {endpoint.label} does not hold {base} (it refers to {referrals}): point --ldap-url "
                "at a DC of that domain or at a Global Catalog (port 3269)")
    if code == 34:
        return f"LDAP server {endpoint.label}: {base!r} is not a valid DN (invalidDNSyntax)"
    if code in (50, 1):
        return (f"LDAP server {endpoint.label}: the account may not read {base} ({description}); bind with an "
                "account that can read users, groups and contacts")
    message = " ".join(str(result.get("message") or "").split())
    return f"LDAP server {endpoint.label}: search of {base or '(the whole forest)'} failed ({description}{': ' + message if message else ''})"


def _result(conn: ldap3.Connection) -> str:
    result = conn.result or {}
    return result.get("description") or str(result.get("result"))


def check_global_catalog(conn: ldap3.Connection, endpoint: Endpoint, dse: dict, attributes: Iterable[str]) -> None:
    """Refuse a Global Catalog read when a needed attribute is not in the partial attribute set."""
    schema = (dse.get("schemanamingcontext") or [None])[0]
    if not schema:
        return
    wanted = [a for a in attributes if a.lower() not in ("distinguishedname", "objectclass")]
    clauses = "".join(f"(lDAPDisplayName={escape_filter_chars(a)})" for a in wanted)
    with timed(log, f"LDAP {endpoint.label} schema lookup of {len(wanted)} attributes"):
        ok = conn.search(schema, f"(&(objectClass=attributeSchema)(|{clauses}))", ldap3.LEVEL,
                         attributes=["lDAPDisplayName", "isMemberOfPartialAttributeSet", "systemFlags"])
    if not ok and (conn.result or {}).get("result") not in (0, None):
        return
    in_gc: set[str] = set()
    known: set[str] = set()
    for entry in conn.response or ():
        raw = {k.lower(): v for k, v in entry.get("raw_attributes", {}).items()}
        name = (raw.get("ldapdisplayname") or [b""])[0].decode().lower()
        known.add(name)
        flags = int((raw.get("systemflags") or [b"0"])[0])
        if (raw.get("ismemberofpartialattributeset") or [b""])[0].upper() == b"TRUE" or flags & 0x2:
            in_gc.add(name)
    missing = [a for a in wanted if a.lower() in known and a.lower() not in in_gc]
    if missing:
        raise SourceError(f"the Global Catalog at {endpoint.label} does not hold {', '.join(missing)} (not in the "
                          "partial attribute set): read each domain from a DC with ldaps://DC:636 --ldap-base, or "
                          "add these attributes to the Global Catalog")


def find_user_by_upn(conn: ldap3.Connection, base: str, upn: str, extra: Iterable[str] = ()) -> list[OnPremObject]:
    """The users whose userPrincipalName equals `upn` (AD compares case-insensitively).

    The UPN is escaped, so `*`, `(`, `)`, `\\` and NUL in it are matched literally: an unescaped
    `*` would turn the equality into a wildcard match and a `)` could inject filter clauses.
    """
    extra = tuple(extra)
    search_filter = USER_FILTER.format(escape_filter_chars(upn))
    ok = conn.search(base, search_filter, ldap3.SUBTREE, attributes=ad_attributes(extra))
    if not ok and (conn.result or {}).get("result") not in (0, None):
        raise SourceError(search_error(Endpoint("ldap", conn.server.host, conn.server.port), base, conn.result))
    found = []
    for entry in conn.response or ():
        if entry.get("type") == "searchResEntry":
            obj = onprem_from_attributes(entry["dn"], entry["raw_attributes"], extra)
            if obj is not None:
                found.append(obj)
    return found


def find_by_guid(conn: ldap3.Connection, base: str, guid: bytes,
                 attribute: str = "objectGUID") -> list[tuple[str, dict]]:
    """Entries whose objectGUID (or mS-DS-ConsistencyGuid) is these 16 raw bytes."""
    ok = conn.search(base, f"({escape_filter_chars(attribute)}={escape_bytes(guid)})", ldap3.SUBTREE,
                     attributes=ad_attributes())
    if not ok and (conn.result or {}).get("result") not in (0, None):
        raise SourceError(search_error(Endpoint("ldap", conn.server.host, conn.server.port), base, conn.result))
    return [(e["dn"], e["raw_attributes"]) for e in conn.response or () if e.get("type") == "searchResEntry"]

