"""What AD's refusals and transport failures mean, in one line each that names the server.

Shared by the connection (open, StartTLS, bind) and the reader (search); nothing here talks to a DC.
`endpoint` is a ldapconn.Endpoint: anything with label, host, port and scheme.
"""
from __future__ import annotations

import re
import socket
import ssl
from typing import Any

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



def gss_reason(exc) -> str:
    text = " ".join(str(exc).split())
    match = re.search(r"Minor \(\d+\): (.*?)\s*$", text)
    return match.group(1) if match else text[:200]



def bind_error(endpoint: Any, auth: str, who: str, result: dict) -> str:
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


def open_error(endpoint: Any, exc: Exception, timeout: float) -> str:
    """One line for a failure to open the connection: name resolution, TCP or the TLS handshake."""
    history = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], list) else None
    causes = [e for e, _ in history] if history else [exc]
    for cause in causes:
        if isinstance(cause, ssl.SSLError) or "ssl wrapping error" in str(cause):
            return tls_error(endpoint, cause)
    cause = causes[0]
    if isinstance(cause, ConnectionRefusedError) or "refused" in str(cause).lower():
        return (f"cannot reach LDAP server {endpoint.label}: connection refused (check host and port: "
                "LDAPS is 636, the Global Catalog 3269)")
    if isinstance(cause, (TimeoutError, socket.timeout)) or "timed out" in str(cause):
        return f"cannot reach LDAP server {endpoint.label}: no answer within {timeout:g} s (host down or port filtered)"
    if isinstance(cause, socket.gaierror) or "invalid server address" in str(cause):
        return f"cannot reach LDAP server {endpoint.label}: the host name {endpoint.host} does not resolve"
    return f"cannot reach LDAP server {endpoint.label}: {short(cause)}"


def tls_error(endpoint: Any, exc: Exception) -> str:
    reason = ssl_reason(exc)
    if "certificate verify failed" in str(exc).lower() or isinstance(exc, ssl.SSLCertVerificationError):
        if "mismatch" in reason.lower():
            return (f"LDAP server {endpoint.label}: its certificate is not issued for {endpoint.host} ({reason}); "
                    "connect with the DC's name as it appears in the certificate")
        return (f"LDAP server {endpoint.label}: its certificate does not validate ({reason}); give the CA that "
                "signed it with --ldap-ca-file FILE (PEM)")
    return (f"LDAP server {endpoint.label}: TLS handshake failed ({reason}); is port {endpoint.port} "
            f"{'an LDAPS port' if endpoint.scheme == 'ldaps' else 'a StartTLS-capable LDAP port'}?")


def ssl_reason(exc: Exception) -> str:
    """OpenSSL's reason from an exception that ldap3 may have wrapped (and repr'ed) twice."""
    text = " ".join(str(exc).split())
    match = re.search(r"certificate verify failed: (.*?) \(_ssl\.c:\d+\)", text) or \
        re.search(r"(\[SSL: [^\]]+\] .*?) \(_ssl\.c:\d+\)", text)
    if match:
        return match.group(1).strip()
    text = re.sub(r"^\(?['\"]?(socket ssl wrapping error|wrap socket error): ", "", text)
    return text.rstrip("',)\"")


def short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def search_error(endpoint: Any, base: str, result: dict) -> str:
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
    shown = base or "(the whole forest)"
    return f"LDAP server {endpoint.label}: search of {shown} failed ({description}{': ' + message if message else ''})"


def result_text(conn: Any) -> str:
    """The description of an ldap3 connection's last result."""
    result = conn.result or {}
    return result.get("description") or str(result.get("result"))
