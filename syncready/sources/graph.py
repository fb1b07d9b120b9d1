"""The live cloud source: Microsoft Graph v1.0 through msgraph-sdk's request adapter (SPEC §2).

Requests go through msgraph-sdk's `GraphRequestAdapter` and its middleware (retry on 429/503/504
honouring Retry-After, redirects, telemetry), but responses are taken raw through kiota's
`NativeResponseHandler` and parsed with `json`: building SDK model objects costs about 4 ms a user,
which is minutes for a large tenant, while the directory model is mapped from plain dicts anyway.
Everything the reader and the Graph writer need is here: `GraphSession.get_json`, `iter_pages`,
`patch` (which can send JSON null, which SDK models drop) and `batch` (JSON $batch).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import ssl
import sys
import time
import uuid
from functools import partial
from typing import Iterator
from urllib.parse import quote, urlsplit

from ..errors import ConfigError, SourceError
from ..model import Directory, SyncFeatures
from ..progress import Progress, configure_logging
from .graphauth import (CERTIFICATE_VAR, SECRET_VAR, TOKEN_VAR, first_line, graph_target, make_auth_provider,
                        make_credential)
from .graphmap import (CONTACT_SELECT, DOMAIN_SELECT, GROUP_SELECT, cloud_contact_from_graph,
                       cloud_group_from_graph, cloud_user_from_graph, domain_from_graph, features_from_graph,
                       map_records, role_assignment_from_graph, sync_object_from_graph, tenant_id_from_sync, user_select)
from .snapshot import _gc_paused

DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
BATCH_SIZE = 20                     # Graph's limit of requests in one $batch
PAGE_SIZE = 999                     # the largest $top /users, /groups and /contacts accept
RETRY_STATUSES = (429, 503, 504)
MAX_RETRIES = 5                     # per request, by the SDK's RetryHandler, and per $batch item here
TRANSPORT_RETRIES = 3               # a GET whose connection broke is sent again this often
CONNECT_RETRIES = 1
USERS = "/users"
SYNC = "/directory/onPremisesSynchronization"
ROLE_ASSIGNMENTS = "/roleManagement/directory/roleAssignments"
ROLE_ELIGIBILITY = "/roleManagement/directory/roleEligibilitySchedules"

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
# Markers of a tenant without Entra ID P2, which therefore has no PIM eligibilities at all.
NO_PIM_LICENCE = re.compile(r"premium|licen[cs]e|onboarded to pim", re.IGNORECASE)

log = logging.getLogger("syncready.graph")


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


def _request_log(base_url: str):
    """Kiota middleware (the innermost one) that logs each attempt at --verbose: method, path,
    status and timing, so retries show too. Headers are never logged: the bearer token stays out."""
    from kiota_http.middleware import BaseMiddleware

    base_path = urlsplit(base_url).path.rstrip("/")

    def show(url) -> str:
        path = url.raw_path.decode("ascii", "replace")
        return path[len(base_path):] if path.startswith(base_path + "/") else path

    class RequestLog(BaseMiddleware):
        async def send(self, request, transport):
            started = time.perf_counter()
            try:
                response = await super().send(request, transport)
            except Exception as exc:
                log.debug("Graph %s %s failed after %.3fs: %s", request.method, show(request.url),
                          time.perf_counter() - started, type(exc).__name__)
                raise
            log.debug("Graph %s %s %d %.3fs", request.method, show(request.url), response.status_code,
                      time.perf_counter() - started)
            return response

    return RequestLog()


class GraphSession:
    """msgraph-sdk's request adapter for one Graph endpoint, driven from synchronous code.

    One private event loop runs the SDK's coroutines, so the httpx connection pool (HTTP/2 where
    Graph offers it) is reused across requests and the callers stay simple loops.
    """

    def __init__(self, base_url: str, credential, auth_provider, verify=True, verbose: bool = False,
                 label: str = "", timeout: float = 100.0):
        import httpx
        from kiota_http.middleware.options import RetryHandlerOption
        from msgraph import GraphRequestAdapter, GraphServiceClient
        from msgraph.graph_request_adapter import options as sdk_options
        from msgraph_core import GraphClientFactory
        from msgraph_core.middleware import GraphTelemetryHandler
        from msgraph_core.middleware.options import GraphTelemetryHandlerOption
        from kiota_http.kiota_client_factory import KiotaClientFactory

        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path.rstrip("/")
        self.label = label or f"graph:{self.base_url}"
        self.credential = credential
        self.verbose = verbose
        self.requests = 0
        self._httpx = httpx
        self._loop = asyncio.new_event_loop()
        client = httpx.AsyncClient(base_url=self.base_url, http2=True, verify=verify,
                                   timeout=httpx.Timeout(timeout, connect=min(30.0, timeout)),
                                   limits=httpx.Limits(max_connections=16, max_keepalive_connections=16))
        options = dict(sdk_options)
        options[RetryHandlerOption.get_key()] = RetryHandlerOption(delay=1.0, max_retries=MAX_RETRIES)
        if verbose:
            middleware = KiotaClientFactory.get_default_middleware(options)
            middleware.append(GraphTelemetryHandler(options[GraphTelemetryHandlerOption.get_key()]))
            middleware.append(_request_log(self.base_url))
            client = GraphClientFactory.create_with_custom_middleware(middleware, client=client)
        else:
            client = GraphClientFactory.create_with_default_middleware(client=client, options=options)
        self.adapter = GraphRequestAdapter(auth_provider, client=client)
        self.adapter.base_url = self.base_url
        self.client = GraphServiceClient(request_adapter=self.adapter)

    # --- plumbing -------------------------------------------------------------------------------

    def url(self, path_or_url: str, params: dict | None = None) -> str:
        """An absolute URL: a nextLink is used as given (opaque); a path is put under the base URL."""
        url = path_or_url if "://" in path_or_url else self.base_url + "/" + path_or_url.lstrip("/")
        if params:
            query = "&".join(f"{k}={quote(str(v), safe='$,/()=:@!*')}" for k, v in params.items())
            url += ("&" if "?" in url else "?") + query
        return url

    def body(self, response, method: str, url: str) -> dict:
        """The JSON object of a successful answer; anything else (a proxy's HTML page) is a SourceError."""
        try:
            value = json.loads(response.content)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise SourceError(f"Graph {method} {self.endpoint(url)}: the answer is not a JSON object ({kind}); "
                              "is --graph-url a Microsoft Graph endpoint?")
        return value

    def endpoint(self, url: str) -> str:
        path = urlsplit(url).path
        return path[len(self.base_path):] if path.startswith(self.base_path + "/") else path

    def run(self, coroutine):
        return self._loop.run_until_complete(coroutine)

    async def send(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None):
        """One request through the SDK pipeline; the raw httpx response, whatever its status."""
        from azure.core.exceptions import ClientAuthenticationError
        from kiota_abstractions.headers_collection import HeadersCollection
        from kiota_abstractions.method import Method
        from kiota_abstractions.native_response_handler import NativeResponseHandler
        from kiota_abstractions.request_information import RequestInformation
        from kiota_http.middleware.options import ResponseHandlerOption

        info = RequestInformation(Method(method))
        info.url = url
        info.headers = HeadersCollection()
        info.headers.try_add("Accept", "application/json")
        info.headers.try_add("client-request-id", str(uuid.uuid4()))
        for name, value in (headers or {}).items():
            info.headers.try_add(name, value)
        if body is not None:
            info.content = body
            info.headers.try_add("Content-Type", "application/json")
        info.add_request_options([ResponseHandlerOption(NativeResponseHandler())])
        self.requests += 1
        try:
            return await self.adapter.send_async(info, None, {})
        except ClientAuthenticationError as exc:
            raise SignInFailed(f"sign-in to Microsoft Graph failed: {_sign_in_reason(exc)}") from None

    async def request(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None,
                      retry_transport: bool | None = None):
        """`send`, plus: a connection that broke is retried for reads; an error status raises GraphError.

        The SDK retries statuses, not broken connections; a GET (or a read-only $batch) is safe to
        send again, a write is not, because its outcome is unknown.
        """
        retry_transport = method == "GET" if retry_transport is None else retry_transport
        attempt = 0
        while True:
            try:
                response = await self.send(method, url, body, headers)
                break
            except self._httpx.TransportError as exc:
                failure = self._transport_failure(method, url, exc)
                if failure.sent:
                    again = retry_transport and attempt < TRANSPORT_RETRIES
                else:
                    again = not _is_tls(exc) and attempt < CONNECT_RETRIES
                if not again:
                    raise failure from None
                attempt += 1
                await asyncio.sleep(0.5 * 2 ** (attempt - 1))
        if response.status_code >= 400:
            raise self.error(method, url, response.status_code, response.headers, response.content)
        return response

    def error(self, method: str, url: str, status: int, headers, content) -> GraphError:
        """GraphError from an error answer: Graph's {"error": {code, message}}, or the bare status."""
        body = content if isinstance(content, (dict, list)) else _json_or_none(content)
        code, message = f"HTTP{status}", ""
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            code = str(body["error"].get("code") or code)
            message = str(body["error"].get("message") or "")
        elif isinstance(content, (bytes, str)) and content:
            message = _one_line(content if isinstance(content, str) else content[:200].decode("utf-8", "replace"))
        retry = _header(headers, "Retry-After")
        return GraphError(method, self.endpoint(url), status, code, _one_line(message),
                          float(retry) if retry and retry.isdigit() else None)

    def _transport_failure(self, method: str, url: str, exc) -> GraphUnreachable:
        parts = urlsplit(url)
        where = f"Graph {method} {self.endpoint(url)}"
        host = parts.netloc
        if _is_tls(exc):
            reason = _tls_reason(exc)
            return GraphUnreachable(f"{where}: the TLS connection to {host} failed ({reason}); if a proxy or "
                                    "private CA signs its certificate, name the CA file in SSL_CERT_FILE or "
                                    "[sources] graph_ca_file", sent=False)
        if isinstance(exc, (self._httpx.ConnectError, self._httpx.ConnectTimeout)):
            reason = _one_line(str(exc)) or type(exc).__name__
            return GraphUnreachable(f"{where}: cannot connect to {host} ({reason})", sent=False)
        return GraphUnreachable(f"{where}: the connection to {host} broke before the answer was complete "
                                f"({type(exc).__name__}: {_one_line(str(exc))})", sent=True)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self.run(self.adapter._http_client.aclose())
        finally:
            self._loop.close()
            close = getattr(self.credential, "close", None)
            if close:
                close()

    def __enter__(self) -> "GraphSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the API the reader and the writer use ----------------------------------------------------

    def get_json(self, path_or_url: str, params: dict | None = None, headers: dict | None = None) -> dict:
        url = self.url(path_or_url, params)
        response = self.run(self.request("GET", url, headers=headers))
        return self.body(response, "GET", url) if response.content else {}

    def iter_pages(self, path: str, params: dict | None = None, headers: dict | None = None) -> Iterator[list]:
        """The `value` of each page, following @odata.nextLink as an opaque absolute URL."""
        url = self.url(path, params)
        while url:
            response = self.run(self.request("GET", url, headers=headers))
            page = self.body(response, "GET", url)
            value = page.get("value")
            if not isinstance(value, list):
                raise SourceError(f"Graph GET {self.endpoint(url)}: the answer is not a Graph collection page")
            yield value
            url = page.get("@odata.nextLink")

    def patch(self, path: str, body: dict) -> None:
        """PATCH with the body as given: a None value is sent as JSON null (clears the property)."""
        url = self.url(path)
        self.run(self.request("PATCH", url, json.dumps(body).encode("utf-8")))

    def batch(self, requests: list[dict], concurrency: int = 4, read_only: bool | None = None) -> list[dict]:
        """Run requests through JSON $batch, 20 per POST, up to `concurrency` POSTs at once.

        Each request is {"method", "url" (relative to the version), "body"?, "headers"?}. The answer
        is one response per request, in order: {"status", "headers", "body"}. Items Graph throttled
        (429, 503, 504) are sent again after the longest Retry-After. A POST that got no usable
        answer gives its items the POST's error status, or status 0 (the connection broke: outcome
        unknown) or -1 (not sent; with "signin" when getting a token failed). Nothing raises here,
        so no concurrent POST is left running when one of them fails.
        """
        return self.run(self.batch_async(requests, concurrency, read_only))

    async def batch_async(self, requests: list[dict], concurrency: int = 4,
                          read_only: bool | None = None) -> list[dict]:
        if read_only is None:
            read_only = all(r.get("method", "GET").upper() == "GET" for r in requests)
        results: list[dict | None] = [None] * len(requests)
        pending = list(range(len(requests)))
        limit = asyncio.Semaphore(max(1, concurrency))
        for attempt in range(MAX_RETRIES + 1):
            chunks = [pending[i:i + BATCH_SIZE] for i in range(0, len(pending), BATCH_SIZE)]
            await asyncio.gather(*(self._batch_chunk(chunk, requests, results, limit, read_only) for chunk in chunks))
            again = [i for i in pending if results[i]["status"] in RETRY_STATUSES]
            if not again or attempt == MAX_RETRIES:
                break
            waits = [_retry_after(results[i]) for i in again]
            await asyncio.sleep(max((w for w in waits if w is not None), default=0.5 * 2 ** attempt))
            pending = again
        return results

    async def _batch_chunk(self, chunk: list[int], requests: list[dict], results: list, limit, read_only: bool):
        items = []
        for index in chunk:
            request = requests[index]
            item = {"id": str(index), "method": request.get("method", "GET").upper(), "url": request["url"]}
            headers = dict(request.get("headers") or {})
            if "body" in request:
                item["body"] = request["body"]
                headers.setdefault("Content-Type", "application/json")
            if headers:
                item["headers"] = headers
            items.append(item)
        url = self.base_url + "/$batch"
        async with limit:
            try:
                response = await self.request("POST", url, json.dumps({"requests": items}).encode("utf-8"),
                                              retry_transport=read_only)
            except GraphUnreachable as exc:
                status = 0 if exc.sent else -1
                for index in chunk:
                    results[index] = {"status": status, "headers": {},
                                      "body": {"error": {"code": "ConnectionLost", "message": str(exc)}}}
                return
            except GraphError as exc:
                for index in chunk:
                    results[index] = {"status": exc.status, "headers": {},
                                      "body": {"error": {"code": exc.code, "message": exc.message}}}
                return
            except SignInFailed as exc:
                for index in chunk:
                    results[index] = {"status": -1, "headers": {}, "signin": str(exc),
                                      "body": {"error": {"code": "SignInFailed", "message": str(exc)}}}
                return
        try:
            responses = self.body(response, "POST", url).get("responses")
        except SourceError:
            responses = None
        if not isinstance(responses, list):
            responses = []
        answered = {str(r.get("id")): r for r in responses if isinstance(r, dict)}
        for index in chunk:
            found = answered.get(str(index))
            if found is None:
                results[index] = {"status": 0, "headers": {},
                                  "body": {"error": {"code": "MissingResponse",
                                                     "message": "the $batch answer had no response for this item"}}}
            else:
                results[index] = {"status": int(found.get("status") or 0), "headers": found.get("headers") or {},
                                  "body": found.get("body")}

    def item_error(self, method: str, url: str, item: dict) -> GraphError:
        """GraphError for a failed $batch item (its url is relative to the version)."""
        return self.error(method, self.url(url), item["status"], item.get("headers") or {}, item.get("body"))


def open_session(args, config) -> GraphSession:
    """The Graph session the live options describe: --graph-url, --auth, --tenant-id, --client-id.

    `[sources]` in syncready.toml may give graph_url, tenant_id, client_id, auth, graph_ca_file
    (a CA file for a TLS-inspecting proxy or a private endpoint; SSL_CERT_FILE works too) and
    graph_timeout (seconds to wait for an answer, default 100).
    """
    configure_logging(bool(getattr(args, "verbose", False)))
    sources = getattr(config, "sources", {}) or {}
    graph_url = getattr(args, "graph_url", None) or sources.get("graph_url") or DEFAULT_GRAPH_URL
    target = graph_target(graph_url)
    method = getattr(args, "auth", None) or sources.get("auth") or _auth_from_environment()
    tenant_id = getattr(args, "tenant_id", None) or sources.get("tenant_id")
    client_id = getattr(args, "client_id", None) or sources.get("client_id")
    try:
        timeout = float(sources.get("graph_timeout", 100))
    except (TypeError, ValueError):
        raise ConfigError(f"[sources] graph_timeout must be a number of seconds, "
                          f"not {sources['graph_timeout']!r}") from None
    ca_file = sources.get("graph_ca_file") or os.environ.get("SSL_CERT_FILE") or os.environ.get("REQUESTS_CA_BUNDLE")
    if ca_file and not os.path.isfile(ca_file):
        raise ConfigError(f"the CA file {ca_file} for Graph does not exist")
    verify = ssl.create_default_context(cafile=ca_file) if ca_file else True
    credential = make_credential(method, target, tenant_id, client_id, ca_file)
    provider = make_auth_provider(credential, target)
    return GraphSession(target.base_url, credential, provider, verify=verify,
                        verbose=bool(getattr(args, "verbose", False)), label=f"graph:{target.base_url}",
                        timeout=timeout)


def _auth_from_environment() -> str:
    if os.environ.get(TOKEN_VAR):
        return "token"
    if os.environ.get(SECRET_VAR):
        return "secret"
    if os.environ.get(CERTIFICATE_VAR):
        return "certificate"
    raise ConfigError("say how to sign in to Microsoft Graph: --auth secret|certificate|device-code|browser|"
                      "managed-identity|azure-cli|environment|token")


# --- the reader ---------------------------------------------------------------------------------

def read_cloud(args, config, into: Directory, raw_sink: dict | None = None) -> Directory:
    """Fill `into` with the cloud side read live from Graph.

    The sync features and the PIM eligibilities are read if allowed: without permission (403) the
    features are marked unknown, and roles_known says whether every role, active and eligible, was
    read; each such gap is a warning on stderr, not a failure. raw_sink, when given, receives the
    objects exactly as Graph returned them under their snapshot file names (cloud/users.json, ...).
    """
    quiet = bool(getattr(args, "quiet", False))
    extra = tuple(getattr(config, "extra_graph", ()) or ())
    with _gc_paused(), open_session(args, config) as session:
        reader = _Reader(session, raw_sink, quiet)
        select = ",".join(user_select(extra))
        into.cloud_users = reader.collection("users", USERS, {"$select": select, "$top": PAGE_SIZE},
                                             partial(cloud_user_from_graph, extra_props=extra))
        into.cloud_groups = reader.collection("groups", "/groups", {"$select": ",".join(GROUP_SELECT),
                                                                   "$top": PAGE_SIZE}, cloud_group_from_graph)
        into.cloud_contacts = reader.collection("contacts", "/contacts", {"$select": ",".join(CONTACT_SELECT),
                                                                         "$top": PAGE_SIZE}, cloud_contact_from_graph)
        into.domains = reader.collection("domains", "/domains", {"$select": ",".join(DOMAIN_SELECT)},
                                         domain_from_graph)
        into.features, tenant_id = reader.sync_features()
        into.role_assignments, into.roles_known = reader.roles()
    into.tenant_id = (tenant_id or getattr(args, "tenant_id", None)
                      or next((d.id for d in into.domains if d.is_initial), None) or into.tenant_id)
    into.sources["cloud"] = session.label
    return into


FILES = {"users": "cloud/users.json", "groups": "cloud/groups.json", "contacts": "cloud/contacts.json",
         "domains": "cloud/domains.json", "sync": "cloud/sync.json",
         "roleAssignments": "cloud/roleAssignments.json",
         "roleEligibilitySchedules": "cloud/roleEligibilitySchedules.json"}


class _Reader:
    def __init__(self, session: GraphSession, raw_sink: dict | None, quiet: bool):
        self.session = session
        self.raw_sink = raw_sink
        self.quiet = quiet

    def collection(self, name: str, path: str, params: dict, convert) -> list:
        """Every object of a paged collection through `convert`; a bad object names its page and index."""
        result: list = []
        raw = [] if self.raw_sink is not None else None
        progress = Progress(f"Reading {name} from Graph", quiet=self.quiet)
        pages = 0
        for page in self.session.iter_pages(path, params):
            pages += 1
            result.extend(map_records(page, convert, lambda i, n=pages: f"Graph GET {path}: page {n} object {i}"))
            if raw is not None:
                raw.extend(page)
            progress.update(len(result), pages)
        progress.done()
        if raw is not None:
            self.raw_sink[FILES[name]] = raw
        return result

    def sync_features(self) -> tuple[SyncFeatures, str | None]:
        try:
            body = self.session.get_json(SYNC)
        except GraphError as exc:
            if exc.status not in (403, 404):
                raise
            _warn(f"the tenant's sync features could not be read, so tenant-sync-features cannot decide: {exc}")
            return SyncFeatures(known=False), None
        try:
            sync = sync_object_from_graph(body)
            features = features_from_graph(body)
        except ValueError as exc:
            raise SourceError(f"Graph GET {SYNC}: {exc}") from None
        if self.raw_sink is not None and sync is not None:
            self.raw_sink[FILES["sync"]] = {k: v for k, v in sync.items() if not k.startswith("@odata.")}
        return features, tenant_id_from_sync(body)

    def roles(self) -> tuple[list, bool]:
        """Active assignments, then PIM eligibilities; (assignments, whether all roles are known)."""
        params = {"$expand": "roleDefinition"}
        try:
            active = self.collection("roleAssignments", ROLE_ASSIGNMENTS, params,
                                     partial(role_assignment_from_graph, eligible=False))
        except GraphError as exc:
            if exc.status != 403:
                raise
            _warn(f"directory roles could not be read, so no-admin-role reports an error for every user: {exc}")
            return [], False
        try:
            eligible = self.collection("roleEligibilitySchedules", ROLE_ELIGIBILITY, params,
                                       partial(role_assignment_from_graph, eligible=True))
        except GraphError as exc:
            if exc.status in (400, 403) and NO_PIM_LICENCE.search(f"{exc.code} {exc.message}"):
                _warn("the tenant has no PIM (Entra ID P2), so no role can be eligible; active roles were read: "
                      f"{exc.message}")
                return active, True
            if exc.status != 403:
                raise
            _warn("PIM role eligibilities could not be read (active role assignments were), so no-admin-role "
                  f"cannot clear anyone: {exc}")
            return active, False
        return active + eligible, True


def _warn(text: str) -> None:
    print(f"syncready: warning: {text}", file=sys.stderr)


# --- small helpers ------------------------------------------------------------------------------

def _json_or_none(content):
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None


def _header(headers, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return str(value).strip() if value is not None else None


def _retry_after(item: dict) -> float | None:
    value = _header(item.get("headers") or {}, "Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _is_tls(exc) -> bool:
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
    return _one_line(text) or type(exc).__name__


def _sign_in_reason(exc) -> str:
    message = getattr(exc, "message", None) or str(exc)
    text = first_line(message)
    text = re.sub(r"^\w+Credential\.get_token(_info)? failed: ", "", text)
    text = re.sub(r"^Authentication failed: ", "", text)
    return _one_line(text)

