"""The connection to Active Directory: LDAPS or StartTLS through ldap3, then a bind (SPEC §2, §5).

Transport. `ldaps://HOST[:636]` is TLS from the first byte; `ldap://HOST[:389]` sends StartTLS
before anything else and never binds in clear text. The certificate chain is verified against
`--ldap-ca-file` (PEM) or the system store, and the host name (or IP address) of the URL must be
in the certificate; OpenSSL checks both during the handshake, because ldap3 2.9.1 verifies nothing
by default and its own name check relies on `ssl.match_hostname`, which Python 3.12 removed.
`--ldap-insecure` skips both checks and says so on stderr on every run.

Binds. simple: `--ldap-user` is a DN, a UPN (`admin@contoso.com`) or `DOMAIN\\user`. ntlm:
`DOMAIN\\user` through ldap3's NTLM (the Sicily bind): Windows DCs accept it, Samba does not, and
it needs MD4, which OpenSSL 3 no longer has (pycryptodome supplies it). kerberos: SASL GSSAPI; needs
the DC's host name in the URL (the service principal is `ldap/HOST`). With the Python package
gssapi the ticket comes from the credential cache (`kinit`; `--ldap-user` picks its principal).
Without gssapi, ldap3 uses winkerberos, which on Windows is SSPI: the bind is as the signed-in
Windows user, with no password and no `--ldap-user`. Verified here: gssapi on Linux against Samba;
the SSPI path is untested on Windows (ldap3 2.9.1's winkerberos support is exercised only as far
as choosing it). The password (simple, ntlm) comes from SYNCREADY_LDAP_PASSWORD or a prompt when
stdin is a terminal, never from the command line, and is never logged.
"""
from __future__ import annotations

import getpass
import importlib
import ipaddress
import logging
import os
import ssl
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import ldap3
from ldap3.core import exceptions as lx

from ..errors import ConfigError, SourceError
from ..options import LdapAuth, LdapOptions
from ..progress import configure_logging, timed
from .ldaperrors import bind_error, gss_reason, open_error, short, ssl_reason, tls_error

log = logging.getLogger("syncready.ldap")

PASSWORD_ENV = "SYNCREADY_LDAP_PASSWORD"
CONNECT_TIMEOUT = 10
RECEIVE_TIMEOUT = 120
DEFAULT_PORTS = {"ldaps": 636, "ldap": 389}
GLOBAL_CATALOG_PORTS = (3268, 3269)
SSPI_USER = "the signed-in Windows user"


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
            raise ConfigError(f"--ldap-ca-file {ca_file} holds no usable PEM certificate ({ssl_reason(exc)})") from None
    return ssl.create_default_context()



def connect(options: LdapOptions) -> ldap3.Connection:
    """A bound ldap3 Connection to the DC of the options' URL, over TLS; every failure is one SourceError.

    Used by read_onprem and by the LDAP writer of `fix`.
    """
    configure_logging(options.verbose)
    endpoint = parse_url(options.url)
    auth, user = LdapAuth(options.auth), options.user
    _check_auth(auth, user, endpoint)
    password = None if auth is LdapAuth.KERBEROS else read_password(user, endpoint)
    if options.insecure:
        print(f"syncready: warning: --ldap-insecure: the certificate of {endpoint.label} is not validated; "
              "anyone on the network path can pose as the DC and read the password", file=sys.stderr)
    context = tls_context(options.ca_file, options.insecure)
    conn = open_connection(endpoint, context, auth=auth, user=user, password=password)
    bind(conn, endpoint, auth, user)
    return conn


def kerberos_backend() -> str | None:
    """How ldap3 will do SASL GSSAPI: "gssapi" (a credential cache), "sspi" (winkerberos, the Windows
    logon; ldap3 takes it only when gssapi is missing), or None (neither is installed)."""
    if _importable("gssapi"):
        return "gssapi"
    if _importable("winkerberos"):
        return "sspi"
    return None


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def _check_auth(auth: LdapAuth, user: str | None, endpoint: Endpoint) -> None:
    if auth is LdapAuth.SIMPLE:
        if not user:
            raise ConfigError("--ldap-user is required for a simple bind (a DN, user@domain or DOMAIN\\user)")
    elif auth is LdapAuth.NTLM:
        if not user or "\\" not in user:
            raise ConfigError("an NTLM bind needs --ldap-user DOMAIN\\user")
        if not _md4_available():
            raise ConfigError("an NTLM bind needs MD4, which this OpenSSL does not provide: install pycryptodome, "
                              "or use --ldap-auth simple over LDAPS, or kerberos")
    else:
        if endpoint.is_ip:
            raise ConfigError(f"a Kerberos bind needs the DC's host name in --ldap-url, not the address "
                              f"{endpoint.host} (the service ticket is for ldap/HOST)")
        backend = kerberos_backend()
        if backend is None:
            raise ConfigError("a Kerberos bind needs the Python package gssapi (pip install gssapi), or on Windows "
                              "winkerberos (pip install winkerberos) to bind as the signed-in user")
        if backend == "sspi" and user:
            raise ConfigError(f"--ldap-user {user}: a Kerberos bind through Windows SSPI (winkerberos) is always as "
                              "the signed-in Windows user; leave out --ldap-user, or run syncready as that user")


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
    options: dict[str, Any] = dict(raise_exceptions=False, auto_referrals=False, receive_timeout=RECEIVE_TIMEOUT,
                                   return_empty_attributes=False, read_only=False)
    if auth == "kerberos":
        options.update(authentication=ldap3.SASL, sasl_mechanism=ldap3.KERBEROS,
                       sasl_credentials=_sasl_credentials(user))
    elif auth == "ntlm":
        options.update(authentication=ldap3.NTLM, user=user, password=password)
    else:
        options.update(authentication=ldap3.SIMPLE, user=user, password=password)
    conn = ldap3.Connection(server, **options)
    try:
        with timed(log, f"LDAP connect {endpoint.url}"):
            conn.open()
    except lx.LDAPException as exc:
        raise SourceError(open_error(endpoint, exc, CONNECT_TIMEOUT)) from None
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
            raise SourceError(tls_error(endpoint, exc)) from None
        reason = text.replace("startTLS failed - ", "")
        raise SourceError(f"LDAP server {endpoint.label} refused StartTLS ({reason}); use ldaps:// "
                          "(port 636) or enable TLS on the DC") from None
    except lx.LDAPException as exc:
        close(conn)
        raise SourceError(f"LDAP server {endpoint.label}: StartTLS failed ({short(exc)})") from None
    if not started:
        close(conn)
        raise SourceError(f"LDAP server {endpoint.label} refused StartTLS; use ldaps:// (port 636)")


def close(conn: ldap3.Connection) -> None:
    """Unbind and close, ignoring a connection that is already gone (after a failed handshake)."""
    try:
        conn.unbind()
    except (lx.LDAPException, OSError):
        pass


def _sasl_credentials(user: str | None) -> tuple:
    """ldap3's (host, authorization id, credentials): the ticket of `user` through gssapi; through SSPI
    ldap3 accepts no credentials, the logon session's are used."""
    if kerberos_backend() == "sspi":
        return (None, None, None)
    return (None, None, _kerberos_credentials(user))


def _kerberos_credentials(user: str | None):
    """The initiator credentials of `user` from the credential cache (None: the default principal)."""
    import gssapi
    try:
        name = gssapi.Name(user, gssapi.NameType.kerberos_principal) if user else None
        return gssapi.Credentials(name=name, usage="initiate")
    except gssapi.exceptions.GSSError as exc:
        who = f"for {user} " if user else ""
        raise SourceError(f"no usable Kerberos ticket {who}in the credential cache ({gss_reason(exc)}); "
                          f"run kinit {user or 'USER@REALM'} first") from None


def bind(conn: ldap3.Connection, endpoint: Endpoint, auth: str, user: str | None) -> None:
    """Bind, turning every refusal into one SourceError line that names the server."""
    who = user or (SSPI_USER if auth == "kerberos" and kerberos_backend() == "sspi" else "the Kerberos principal")
    try:
        with timed(log, f"LDAP {auth} bind to {endpoint.label} as {who}"):
            ok = conn.bind()
    except lx.LDAPPackageUnavailableError as exc:
        close(conn)
        raise ConfigError(f"{auth} bind: {exc}") from None
    except (lx.LDAPSessionTerminatedByServerError, lx.LDAPSocketReceiveError, lx.LDAPSocketSendError):
        close(conn)
        hint = " (Samba and some DCs do not accept ldap3's NTLM bind: use --ldap-auth simple over LDAPS or kerberos)" \
            if auth == "ntlm" else ""
        raise SourceError(f"LDAP server {endpoint.label} closed the connection during the {auth} bind{hint}") from None
    except lx.LDAPException as exc:
        close(conn)
        raise SourceError(f"LDAP server {endpoint.label}: {auth} bind as {who} failed ({short(exc)})") from None
    except Exception as exc:
        close(conn)
        if auth == "kerberos":
            raise SourceError(f"LDAP server {endpoint.label}: Kerberos bind failed ({gss_reason(exc)})") from None
        raise
    if not ok:
        result = conn.result or {}
        close(conn)
        raise SourceError(bind_error(endpoint, auth, who, result))

