"""``GraphServer``: a local Microsoft Graph v1.0 and Entra token endpoint over HTTP or HTTPS."""

from __future__ import annotations

import socket
import ssl
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .batch import BatchEndpoint
from .directory import DirectoryEndpoints
from .faults import Faults, PagingFaults
from .firstexport import FirstExport
from .identity import IdentityEndpoints
from .messages import GraphError, Request, Response, status_error
from .peruser import UserNavigation
from .snapshot import load_snapshot
from .store import DEFAULT_TENANT_ID, State
from .tls import certificates_for
from .tokens import GRAPH_APP_ID, TokenInfo, TokenStore
from .user_update import UserUpdates

VERSIONS = ("v1.0", "beta")
LOGGED_HEADERS = (
    "authorization",
    "consistencylevel",
    "client-request-id",
    "content-type",
    "prefer",
    "retry-attempt",
)


@dataclass(frozen=True)
class RecordedRequest:
    """One entry of ``server.requests``; unpacks as ``(method, target, headers)``."""

    method: str
    target: str
    headers: dict[str, str]
    batch_item: str | None = None

    def __iter__(self):
        return iter((self.method, self.target, self.headers))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, app: GraphServer, context: ssl.SSLContext | None):
        self.app = app
        self.ssl_context = context
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def finish_request(self, request, client_address):
        connection = request
        try:
            if self.ssl_context is not None:
                connection = self.ssl_context.wrap_socket(request, server_side=True)
            with self.connections_lock:
                self.open_connections.add(connection)
            self.RequestHandlerClass(connection, client_address, self)
        except (ssl.SSLError, ConnectionError, TimeoutError, OSError):
            pass
        finally:
            with self.connections_lock:
                self.open_connections.discard(connection)
            if connection is not request:
                connection.close()

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 120
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        return

    def do_GET(self):
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        started = time.perf_counter()
        cpu_started = time.thread_time()
        app: GraphServer = self.server.app
        split = urlsplit(self.path)
        request = Request(
            self.command,
            split.path,
            split.query,
            {k.lower(): v for k, v in self.headers.items()},
            self._read_body(),
        )
        response, fault = app.dispatch(request)
        response.headers.setdefault("request-id", request.request_id)
        response.headers.setdefault("client-request-id", request.client_request_id)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds if fault.seconds is not None else 1.0)
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        body = b"" if self.command == "HEAD" else response.body
        app.add_server_time(time.perf_counter() - started, time.thread_time() - cpu_started)
        if fault is not None and fault.kind == "drop":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif body:
            self.wfile.write(body)


class GraphServer:
    """A Microsoft Graph v1.0 test server; see the package docstring for what it implements.

    ``data`` holds lists of Graph JSON objects under ``users``, ``groups``, ``contacts``,
    ``domains``, ``roleAssignments``, ``roleEligibilitySchedules`` and the
    ``onPremisesDirectorySynchronization`` object under ``sync`` (``organization`` is optional).
    ``apps`` maps client ids to client secrets for the token endpoint (``None``: certificate
    only); ``app_permissions`` maps client ids to the permissions their tokens carry (all when
    absent). ``groupMembers`` (the snapshot shape ``[{"id", "members": [{"id"}]}]``) gives group
    members for ``/groups/{id}/transitiveMembers``.

    Strictness that tests can tune: ``cloud`` (``"global"``, or a national cloud such as
    ``"usgov"``/``"china"``, which has no ``directory/onPremisesSynchronization``); ``pim``
    (False: the tenant has no Entra ID P2, the PIM endpoints answer AadPremiumLicenseRequired);
    ``role_page_size`` (the role collections page server-side and refuse ``$top``);
    ``batch_order`` and ``batch_seed`` (the order ``$batch`` runs items in);
    ``server.state.replication.lag(reads=N)`` (reads after a write lag behind it) and
    ``server.paging`` (nextLink loops, repeated ids, empty and short pages).
    """

    def __init__(
        self,
        data: dict | None = None,
        tls: bool = False,
        host: str = "127.0.0.1",
        *,
        port: int = 0,
        tenant_id: str = DEFAULT_TENANT_ID,
        apps: dict[str, str | None] | None = None,
        app_permissions: dict[str, set[str]] | None = None,
        token_lifetime: int = 3600,
        cloud: str = "global",
        pim: bool = True,
        role_page_size: int = 100,
        batch_order: str = "shuffle",
        batch_seed: int = 0,
    ) -> None:
        self.tenant_id = tenant_id
        self.cloud = cloud
        self.pim = pim
        self.role_page_size = role_page_size
        self.paging = PagingFaults()
        self.host = host
        self.tls = tls
        self.state = State(data, tenant_id)
        self.tokens = TokenStore(tenant_id)
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.apps: dict[str, str | None] = dict(apps or {})
        self.app_permissions = {k: frozenset(v) for k, v in (app_permissions or {}).items()}
        self.token_lifetime = token_lifetime
        self.write_lock = threading.Lock()
        self.server_time = 0.0
        self.server_cpu = 0.0
        self.request_count = 0
        self._stats_lock = threading.Lock()
        self._log_lock = threading.Lock()
        self.certificates = certificates_for(host) if tls else None
        context = self.certificates.server_context() if self.certificates else None
        self._httpd = _HTTPServer((host, port), _Handler, self, context)
        self.port = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None
        self.directory = DirectoryEndpoints(self)
        self.user_updates = UserUpdates(self)
        self.per_user = UserNavigation(self)
        self.identity = IdentityEndpoints(self)
        self.batch = BatchEndpoint(self, batch_order, batch_seed)
        self.first_export = FirstExport(self)   # a simulated first sync (tests/graphserver/firstexport.py)
        self.token = self.issue_token()

    @classmethod
    def from_snapshot(cls, folder: str | Path, **kwargs) -> GraphServer:
        """A server holding the ``cloud/`` files of a snapshot folder."""
        return cls(load_snapshot(folder), **kwargs)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The Graph base URL, like ``https://graph.microsoft.com/v1.0``."""
        return f"{self.base_url}/v1.0"

    @property
    def authority(self) -> str:
        """The authority host for azure-identity's ``authority=`` (needs ``tls=True``)."""
        return self.base_url

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/{self.tenant_id}/oauth2/v2.0/token"

    @property
    def ca_file(self) -> str | None:
        return self.certificates.ca_file if self.certificates else None

    def ssl_context(self) -> ssl.SSLContext | None:
        """A client context trusting this server's CA (for ``httpx.AsyncClient(verify=...)``)."""
        return self.certificates.client_context() if self.certificates else None

    def issue_token(self, expires_in: float = 3600, permissions=None) -> str:
        """A bearer token the server accepts; ``permissions`` limits it (``None``: all)."""
        return self.tokens.issue(expires_in, permissions, client_id=GRAPH_APP_ID)

    def invalidate(self) -> None:
        """Drop cached pages and indexes after changing ``state`` directly."""
        self.state.invalidate()

    def start(self) -> GraphServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> GraphServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def add_server_time(self, seconds: float, cpu_seconds: float) -> None:
        with self._stats_lock:
            self.server_time += seconds
            self.server_cpu += cpu_seconds
            self.request_count += 1

    def reset_stats(self) -> None:
        """Zero ``server_time`` (wall time in handlers), ``server_cpu`` and ``request_count``."""
        with self._stats_lock:
            self.server_time = 0.0
            self.server_cpu = 0.0
            self.request_count = 0

    def record(self, request: Request, batch_item: str | None = None) -> None:
        headers = {k: request.headers[k] for k in LOGGED_HEADERS if k in request.headers}
        with self._log_lock:
            self.requests.append(RecordedRequest(request.method, request.target, headers, batch_item))

    def dispatch(self, request: Request):
        """The response for one HTTP request, and the fault that applies to it (if any)."""
        self.record(request)
        fault = self.faults.take(request.method, request.path)
        if fault is not None and fault.status is not None:
            return status_error(fault.status, fault.retry_after_seconds()).response(request), fault
        try:
            return self._route(request), fault
        except GraphError as error:
            return error.response(request), fault
        except Exception:
            traceback.print_exc()
            return status_error(500).response(request), fault

    def _route(self, request: Request) -> Response:
        segments = [unquote(s) for s in request.path.split("/") if s]
        if self.identity.handles(segments):
            return self.identity.handle(request, segments)
        if not segments or segments[0] not in VERSIONS:
            return Response(404, b"", None)
        token = self.authenticate(request)
        if segments[1:] == ["$batch"]:
            return self.batch.handle(request, token, segments[0])
        return self._graph(request, segments[0], segments[1:], token)

    def route_graph(self, request: Request, token: TokenInfo) -> Response:
        """A Graph request inside a ``$batch`` (already authenticated)."""
        segments = [unquote(s) for s in request.path.split("/") if s]
        try:
            if segments[1:2] == ["$batch"]:
                raise GraphError(400, "BadRequest", "Nested batch requests are not supported.")
            return self._graph(request, segments[0], segments[1:], token)
        except GraphError as error:
            return error.response(request)

    def _graph(self, request: Request, version: str, segments: list[str], token: TokenInfo) -> Response:
        """v1.0 is served whole; beta only for the per-user reads and the PATCH of :mod:`.peruser`."""
        if self.per_user.handles(request.method, version, segments):
            return self.per_user.handle(request, version, segments, token)
        if version != "v1.0":
            raise GraphError(501, "NotImplemented", "The test server serves beta only for "
                             "users/{id}/onPremisesSyncBehavior, users/{id}/mailboxSettings and PATCH users/{id}.")
        return self.directory.handle(request, segments, token)

    def authenticate(self, request: Request) -> TokenInfo:
        header = request.header("authorization") or ""
        scheme, _, value = header.partition(" ")
        value = value.strip()
        www = {
            "WWW-Authenticate": 'Bearer realm="", authorization_uri='
            '"https://login.microsoftonline.com/common/oauth2/authorize", '
            f'client_id="{GRAPH_APP_ID}"'
        }
        if scheme.lower() != "bearer" or not value:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.", headers=www)
        info = self.tokens.get(value)
        if info is None:
            message = (
                "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be "
                "in JWS or JWE Compact Serialization Format. (JWS): "
                "'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): "
                "'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector."
                "EncodedCiphertext.EncodedAuthenticationTag'."
                if value.count(".") < 2
                else "Invalid signature."
            )
            raise GraphError(401, "InvalidAuthenticationToken", message, headers=www)
        if info.expired:
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
                headers=www,
            )
        return info
