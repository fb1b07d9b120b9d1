"""What Graph's failures mean, in one line each: error statuses, lost connections, failed sign-ins.

Shared by the reader and the Graph writer, so both name the endpoint, the missing permission and
the next step the same way. Nothing here sends a request.
"""
from __future__ import annotations

import json
import re
import ssl
from urllib.parse import urlsplit

from ..errors import SourceError
from .graphauth import TOKEN_VAR, first_line

RETRY_STATUSES = (429, 503, 504)
MAX_RETRIES = 5                     # per request, by the SDK's RetryHandler, and per $batch item by the session

# The least application permission that lets each endpoint be read, named in the message when Graph
# answers 403 (Directory.Read.All covers all but the sync object and the PIM eligibilities).
READ_PERMISSIONS = (
    ("/users", "User.Read.All"),
    ("/groups", "Group.Read.All"),
    ("/contacts", "OrgContact.Read.All"),
    ("/domains", "Domain.Read.All"),
    ("/directory/onpremisessynchronization", "OnPremDirectorySynchronization.Read.All"),
    ("/rolemanagement/directory/roleeligibility", "RoleEligibilitySchedule.Read.Directory"),
    ("/rolemanagement/directory", "RoleManagement.Read.Directory"),
)
WRITE_PERMISSIONS = (("/users", "User.ReadWrite.All"),)
GROUP_MEMBER_PERMISSION = "GroupMember.Read.All"


class GraphError(SourceError):
    """Graph answered an error status (after the SDK's retries); one line, naming the endpoint."""

    def __init__(self, method: str, endpoint: str, status: int, code: str, message: str,
                 retry_after: float | None = None):
        self.method, self.endpoint, self.status = method, endpoint, status
        self.code, self.message, self.retry_after = code, message, retry_after
        super().__init__(self.describe())

    @property
    def expired(self) -> bool:
        return self.status == 401 and "lifetime validation failed" in self.message.lower()

    def permission(self) -> str | None:
        table = READ_PERMISSIONS if self.method == "GET" else WRITE_PERMISSIONS
        path = self.endpoint.lower()
        if self.method == "GET" and path.startswith("/groups/") and path.endswith("/transitivemembers"):
            return GROUP_MEMBER_PERMISSION
        return next((perm for prefix, perm in table if path.startswith(prefix)), None)

    def describe(self) -> str:
        where = f"Graph {self.method} {self.endpoint}"
        what = f"{self.status} {self.code}: {self.message}".rstrip(": ")
        if self.expired:
            return (f"{where}: the access token has expired ({what}); sign in again, or put a new token "
                    f"in {TOKEN_VAR}")
        if self.status == 401:
            return f"{where}: Graph refused the access token ({what}); check --auth and the token's audience"
        if self.status == 403:
            needed = self.permission()
            grant = (f"; the application needs the Microsoft Graph permission {needed} (admin consent)"
                     if needed else "")
            return f"{where}: permission missing ({what}){grant}"
        if self.status in RETRY_STATUSES:
            return f"{where}: {what} (still failing after {MAX_RETRIES} retries)"
        return f"{where}: {what}"


class GraphUnreachable(SourceError):
    """The request got no answer: host unreachable, TLS refused, or the connection broke.

    `sent` is False when the request surely never reached Graph (connect or TLS failure), True
    when it may have been received, so a write's outcome is unknown.
    """

    def __init__(self, text: str, sent: bool):
        self.sent = sent
        super().__init__(text)


class SignInFailed(SourceError):
    """azure-identity could not get a token."""


def error_from_answer(method: str, endpoint: str, status: int, headers, content) -> GraphError:
    """GraphError from an error answer: Graph's {"error": {code, message}}, or the bare status."""
    body = content if isinstance(content, (dict, list)) else _json_or_none(content)
    code, message = f"HTTP{status}", ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = str(body["error"].get("code") or code)
        message = str(body["error"].get("message") or "")
    elif isinstance(content, (bytes, str)) and content:
        message = one_line(content if isinstance(content, str) else content[:200].decode("utf-8", "replace"))
    retry = header(headers, "Retry-After")
    return GraphError(method, endpoint, status, code, one_line(message),
                      float(retry) if retry and retry.isdigit() else None)


def transport_failure(method: str, endpoint: str, url: str, exc: Exception, connect_errors: tuple) -> GraphUnreachable:
    """GraphUnreachable for an httpx transport error; `connect_errors` are the ones before sending."""
    where = f"Graph {method} {endpoint}"
    host = urlsplit(url).netloc
    if is_tls(exc):
        reason = _tls_reason(exc)
        return GraphUnreachable(f"{where}: the TLS connection to {host} failed ({reason}); if a proxy or "
                                "private CA signs its certificate, name the CA file in SSL_CERT_FILE or "
                                "[sources] graph_ca_file", sent=False)
    if isinstance(exc, connect_errors):
        reason = one_line(str(exc)) or type(exc).__name__
        return GraphUnreachable(f"{where}: cannot connect to {host} ({reason})", sent=False)
    return GraphUnreachable(f"{where}: the connection to {host} broke before the answer was complete "
                            f"({type(exc).__name__}: {one_line(str(exc))})", sent=True)


def _json_or_none(content):
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None


def header(headers, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return str(value).strip() if value is not None else None


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def is_tls(exc) -> bool:
    seen = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    return "SSL" in text and ("CERTIFICATE" in text or "WRONG_VERSION" in text or "HANDSHAKE" in text.upper())


def _tls_reason(exc) -> str:
    text = str(exc)
    match = re.search(r"certificate verify failed: ([^(]+)", text)
    if match:
        return "certificate verify failed: " + match.group(1).strip()
    if "WRONG_VERSION_NUMBER" in text:
        return "the server does not speak TLS on this port"
    return one_line(text) or type(exc).__name__


def sign_in_reason(exc) -> str:
    message = getattr(exc, "message", None) or str(exc)
    text = first_line(message)
    text = re.sub(r"^\w+Credential\.get_token(_info)? failed: ", "", text)
    text = re.sub(r"^Authentication failed: ", "", text)
    return one_line(text)
