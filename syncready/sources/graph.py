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
import time
import uuid
from collections.abc import Iterable, Iterator
from functools import partial
from urllib.parse import quote, urlsplit

from ..coverage import Coverage, CoverageStatus
from ..errors import ConfigError, SourceError
from ..model import Directory, SyncFeatures
from ..progress import Progress, configure_logging
from ..termtext import redact_url
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
# A $batch item answered 424 Failed Dependency was not run ("Combine multiple HTTP requests using
# JSON batching"), so sending it again is safe, write or not.
RETRY_ITEM_STATUSES = (*RETRY_STATUSES, 424)
MAX_RETRIES = 5                     # per request, by the SDK's RetryHandler, and per $batch item here
BACKOFF_BASE = 0.5                  # seconds, doubled per attempt when no Retry-After came (503/504 may have none)
BACKOFF_CAP = 30.0
MAX_EMPTY_PAGES = 50                # empty pages in a row (each with a nextLink) before the read is called stuck
# /users/$count is eventually consistent: users created during the read make it differ a little.
COUNT_TOLERANCE = 0.005             # a shortfall beyond max(COUNT_TOLERANCE_MIN, this share) is an error
COUNT_TOLERANCE_MIN = 5
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
GROUP_MEMBER_PERMISSION = "GroupMember.Read.All"
# Graph's error code for the PIM endpoints in a tenant without Entra ID P2 / ID Governance (the code
# is stable; its message changed over the years: "The tenant needs an AAD Premium 2 license.", "The
# tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.").
NO_PIM_CODE = "AadPremiumLicenseRequired"
# Graph hosts of the national clouds ("National cloud deployments"); "Get
# onPremisesDirectorySynchronization" lists the global service only.
NATIONAL_HOSTS = ("graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn")
KNOWN_EMPTY_HINT = '[sources] known_empty = ["{name}"] in syncready.toml if the tenant truly has none'

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


def _request_log(base_url: str):
    """Kiota middleware (the innermost one) that logs each attempt at --verbose: method, path,
    status and timing, so retries show too. Headers are never logged: the bearer token stays out."""
    from kiota_http.middleware import BaseMiddleware

    base_path = urlsplit(base_url).path.rstrip("/")

    def show(url) -> str:
        path = redact_url(url.raw_path.decode("ascii", "replace"))
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
        self.label = label or f"graph:{redact_url(self.base_url)}"
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
        """The `value` of each page, following @odata.nextLink as an opaque absolute URL.

        A nextLink seen before (to the page itself or an earlier one), a page whose objects equal an
        earlier page's, or endless empty pages are a paging loop: a SourceError naming the endpoint,
        raised before memory grows (SPEC §8). Only the links and one fingerprint per page are kept.
        """
        url: str | None = self.url(path, params)
        where = f"Graph GET {self.endpoint(url)}"
        seen_links: dict[str, int] = {}
        seen_pages: dict[tuple, int] = {}
        number = empty = 0
        while url:
            number += 1
            seen_links[url] = number
            response = self.run(self.request("GET", url, headers=headers))
            page = self.body(response, "GET", url)
            value = page.get("value")
            if not isinstance(value, list):
                raise SourceError(f"{where}: the answer is not a Graph collection page")
            if value:
                empty = 0
                fingerprint = _fingerprint(value)
                if fingerprint in seen_pages:
                    raise SourceError(f"{where}: page {number} repeats page {seen_pages[fingerprint]} "
                                      "(a paging loop); the read was stopped, nothing was checked")
                seen_pages[fingerprint] = number
            else:
                empty += 1
                if empty > MAX_EMPTY_PAGES:
                    raise SourceError(f"{where}: {empty} empty pages in a row, each linking to another; "
                                      "the read was stopped, nothing was checked")
            yield value
            link = page.get("@odata.nextLink")
            if link is not None and not isinstance(link, str):
                raise SourceError(f"{where}: page {number} has a nextLink that is not a URL")
            if link and link in seen_links:
                raise SourceError(f"{where}: the nextLink of page {number} leads back to page {seen_links[link]} "
                                  "(a paging loop); the read was stopped, nothing was checked")
            url = link

    def count(self, path: str) -> int:
        """`GET {path}/$count` with ConsistencyLevel: eventual (advanced query), as an integer."""
        url = self.url(path.rstrip("/") + "/$count")
        response = self.run(self.request("GET", url, headers={"ConsistencyLevel": "eventual"}))
        text = response.content.decode("utf-8", "replace").strip().lstrip("\ufeff")
        if not text.isdigit():
            raise SourceError(f"Graph GET {self.endpoint(url)}: the answer is not a count")
        return int(text)

    def patch(self, path: str, body: dict) -> None:
        """PATCH with the body as given: a None value is sent as JSON null (clears the property)."""
        url = self.url(path)
        self.run(self.request("PATCH", url, json.dumps(body).encode("utf-8")))

    def batch(self, requests: list[dict], concurrency: int = 4, read_only: bool | None = None) -> list[dict]:
        """Run requests through JSON $batch, 20 per POST, up to `concurrency` POSTs at once.

        Each request is {"method", "url" (relative to the version), "body"?, "headers"?}. The answer
        is one response per request, in the order of `requests` (Graph may run and answer items in
        any order; they are matched by id). Items Graph throttled (429, 503, 504) or did not run
        (424 Failed Dependency) are sent again after the longest Retry-After, or an exponential
        backoff capped at BACKOFF_CAP when none came. A POST that got no usable
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
            again = [i for i in pending if results[i]["status"] in RETRY_ITEM_STATUSES]
            if not again or attempt == MAX_RETRIES:
                break
            waits = [_retry_after(results[i]) for i in again]
            await asyncio.sleep(max((w for w in waits if w is not None), default=backoff(attempt)))
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
                        verbose=bool(getattr(args, "verbose", False)), label=f"graph:{redact_url(target.base_url)}",
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
    """Fill `into` with the cloud side read live from Graph, and record in `into.coverage` what was read.

    Users and domains must be read. Groups, contacts, the sync features, the role assignments, the
    PIM eligibilities and the members of role-holding groups are read if allowed: what could not
    be read is recorded as not read (reason and how to get it) with a warning on stderr, and the
    checks that need it report an error (SPEC §8). `roles_known` and `features.known` keep their
    old meaning for callers that read them. raw_sink, when given, receives the objects exactly as
    Graph returned them under their snapshot file names (cloud/users.json, ...).
    """
    quiet = bool(getattr(args, "quiet", False))
    extra = tuple(getattr(config, "extra_graph", ()) or ())
    if into.coverage.default is not CoverageStatus.NOT_READ:
        into.coverage = Coverage.from_reader()
    with _gc_paused(), open_session(args, config) as session:
        reader = _Reader(session, raw_sink, quiet, into.coverage)
        select = user_select(extra)
        into.cloud_users = reader.collection("users", USERS, {"$select": ",".join(select), "$top": PAGE_SIZE},
                                             partial(cloud_user_from_graph, extra_props=extra), select)
        reader.check_count("users", USERS, len(into.cloud_users))
        into.cloud_groups = reader.optional("groups", "/groups", {"$select": ",".join(GROUP_SELECT),
                                                                 "$top": PAGE_SIZE}, cloud_group_from_graph, GROUP_SELECT)
        into.cloud_contacts = reader.optional("contacts", "/contacts", {"$select": ",".join(CONTACT_SELECT),
                                                                       "$top": PAGE_SIZE}, cloud_contact_from_graph,
                                              CONTACT_SELECT)
        into.domains = reader.collection("domains", "/domains", {"$select": ",".join(DOMAIN_SELECT)},
                                         domain_from_graph, DOMAIN_SELECT)
        into.features, tenant_id = reader.sync_features()
        into.role_assignments, into.roles_known = reader.roles()
        groups_read = into.coverage.get("groups").status is CoverageStatus.READ
        into.group_members = reader.group_members(into.role_assignments, into.cloud_groups, groups_read)
    into.tenant_id = (tenant_id or getattr(args, "tenant_id", None)
                      or next((d.id for d in into.domains if d.is_initial), None) or into.tenant_id)
    into.sources["cloud"] = session.label
    return into


FILES = {"users": "cloud/users.json", "groups": "cloud/groups.json", "contacts": "cloud/contacts.json",
         "domains": "cloud/domains.json", "sync": "cloud/sync.json",
         "roleAssignments": "cloud/roleAssignments.json",
         "roleEligibilitySchedules": "cloud/roleEligibilitySchedules.json",
         "groupMembers": "cloud/groupMembers.json"}


class _Reader:
    def __init__(self, session: GraphSession, raw_sink: dict | None, quiet: bool, coverage: Coverage):
        self.session = session
        self.raw_sink = raw_sink
        self.quiet = quiet
        self.coverage = coverage

    def collection(self, name: str, path: str, params: dict, convert, selected: Iterable[str] = ()) -> list:
        """Every object of a paged collection through `convert`, recorded as read.

        A bad object names its page and index; an id met twice (pages that overlap) is a source
        error; a selected property absent from a record is recorded as missing (SPEC §8).
        """
        result: list = []
        raw = [] if self.raw_sink is not None else None
        progress = Progress(f"Reading {name} from Graph", quiet=self.quiet)
        ids: dict[str, int] = {}
        missing: set[str] = set()
        selected = tuple(p for p in selected if "/" not in p)
        pages = 0
        for page in self.session.iter_pages(path, params):
            pages += 1
            for obj in page:
                if isinstance(obj, dict):
                    key = obj.get("id")
                    if isinstance(key, str):
                        if key in ids:
                            raise SourceError(f"Graph GET {path}: object {key} came on page {ids[key]} and again "
                                              f"on page {pages} (overlapping pages); the read was stopped, "
                                              "nothing was checked")
                        ids[key] = pages
                    missing.update(p for p in selected if p not in obj)
            result.extend(map_records(page, convert, lambda i, n=pages: f"Graph GET {path}: page {n} object {i}"))
            if raw is not None:
                raw.extend(page)
            progress.update(len(result), pages)
        progress.done()
        if raw is not None:
            self.raw_sink[FILES[name]] = raw
        self.coverage.read(name, len(result), source=f"GET {path}", missing=missing)
        return result

    def optional(self, name: str, path: str, params: dict, convert, selected: Iterable[str] = ()) -> list:
        """`collection`, but a 403 records the collection as not read instead of ending the run."""
        try:
            return self.collection(name, path, params, convert, selected)
        except GraphError as exc:
            if exc.status != 403:
                raise
            self._not_read(name, exc)
            return []

    def _not_read(self, name: str, exc: GraphError, how: str | None = None) -> None:
        """Not read because Graph refused: the reason is Graph's status and code, `how` the permission."""
        permission = exc.permission()
        how = how or (f"grant {permission}" if permission else None)
        self.coverage.not_read(name, f"{exc.status} {exc.code}", how=how, source=f"GET {exc.endpoint}")

    def check_count(self, name: str, path: str, read: int) -> None:
        """Cross-check what paging gave with `$count` (SPEC §8): a page that ended early loses users."""
        try:
            counted = self.session.count(path)
        except (GraphError, SourceError) as exc:
            self.coverage.notes.append(f"{name}: the count could not be cross-checked with GET {path}/$count "
                                       f"({_one_line(str(exc))}); a read that ended early would go unnoticed")
            return
        if counted == read:
            return
        tolerance = max(COUNT_TOLERANCE_MIN, int(counted * COUNT_TOLERANCE))
        if counted > read:
            text = (f"Graph GET {path}: {read} {name} were read but GET {path}/$count says {counted} "
                    f"({counted - read} missing)")
            if counted - read > tolerance:
                raise SourceError(f"{text}, more than the tolerance of {tolerance}: the paging ended early; "
                                  "nothing was checked, try again")
            self.coverage.notes.append(f"{text}, within the tolerance of {tolerance} ($count is eventually "
                                       "consistent; users created during the read)")
        else:
            self.coverage.notes.append(f"{name}: {read} read, GET {path}/$count says {counted} ($count is "
                                       "eventually consistent; users deleted during the read)")

    def sync_features(self) -> tuple[SyncFeatures, str | None]:
        try:
            body = self.session.get_json(SYNC)
        except GraphError as exc:
            national = urlsplit(self.session.base_url).hostname in NATIONAL_HOSTS
            if exc.status in (400, 404) and (national or "resource not found for the segment" in exc.message.lower()):
                self.coverage.not_read(
                    "sync", f"{exc.status} {exc.code}: this Graph cloud does not offer {SYNC[1:]} (Microsoft "
                            "documents it for the global service only; national clouds lack it)",
                    how="state the tenant's features in a snapshot: write cloud/sync.json as "
                        '{"features": {"blockSoftMatchEnabled": ..., "softMatchOnUpnEnabled": ..., '
                        '"blockCloudObjectTakeoverThroughHardMatchEnabled": ...}} and check with --snapshot',
                    source=f"GET {SYNC}")
            elif exc.status in (403, 404):
                self.coverage.not_read("sync", f"{exc.status} {exc.code}", source=f"GET {SYNC}",
                                       how="grant OnPremDirectorySynchronization.Read.All (Microsoft documents it "
                                           "for delegated sign-in: --auth device-code or browser), or read "
                                           "cloud/sync.json from a snapshot")
            else:
                raise
            return SyncFeatures(known=False), None
        try:
            sync = sync_object_from_graph(body)
            features = features_from_graph(body)
        except ValueError as exc:
            raise SourceError(f"Graph GET {SYNC}: {exc}") from None
        if self.raw_sink is not None and sync is not None:
            self.raw_sink[FILES["sync"]] = {k: v for k, v in sync.items() if not k.startswith("@odata.")}
        self.coverage.read("sync", 1 if sync is not None else 0, source=f"GET {SYNC}")
        return features, tenant_id_from_sync(body)

    def roles(self) -> tuple[list, bool]:
        """Active assignments, then PIM eligibilities; (assignments, whether all roles are known).

        No $top: "List unifiedRoleAssignments" and "List roleEligibilitySchedules" document $filter,
        $expand and $select only, so the pages are Graph's and the nextLinks are followed.
        """
        params = {"$expand": "roleDefinition"}
        try:
            active = self.collection("roleAssignments", ROLE_ASSIGNMENTS, params, partial(role_assignment_from_graph, eligible=False))
        except GraphError as exc:
            if exc.status != 403:
                raise
            self._not_read("roleAssignments", exc)
            self.coverage.not_read("roleEligibilitySchedules", "the active role assignments were not readable "
                                   "either", how=f"grant {exc.permission()}")
            return [], False
        try:
            eligible = self.collection("roleEligibilitySchedules", ROLE_ELIGIBILITY, params, partial(role_assignment_from_graph, eligible=True))
        except GraphError as exc:
            if exc.status == 400 and exc.code == NO_PIM_CODE:
                self.coverage.not_read(
                    "roleEligibilitySchedules", f"{exc.status} {exc.code}: the tenant has no Entra ID P2 (PIM) "
                    "licence, so Graph does not list eligibilities", how=KNOWN_EMPTY_HINT.format(
                        name="roleEligibilitySchedules"), source=f"GET {ROLE_ELIGIBILITY}")
                return active, True
            if exc.status != 403:
                raise
            self._not_read("roleEligibilitySchedules", exc)
            return active, False
        return active + eligible, True

    def group_members(self, roles: list, groups: list, groups_read: bool) -> dict[str, tuple[str, ...]]:
        """The transitive members of every group that holds a role, active or eligible (SPEC §10).

        Which principals are groups comes from the /groups read; "List group transitive members"
        needs GroupMember.Read.All (or Group.Read.All, Directory.Read.All).
        """
        group_ids = {g.id for g in groups}
        if not groups_read:
            self.coverage.not_read("groupMembers", "groups were not read, so the groups that hold roles "
                                   "are unknown", how=f"grant Group.Read.All and {GROUP_MEMBER_PERMISSION}")
            return {}
        holders = sorted({r.principal_id for r in roles
                          if r.principal_id in group_ids or (r.principal_type or "").lower() == "group"})
        members: dict[str, tuple[str, ...]] = {}
        raw = []
        try:
            for group_id in holders:
                path = f"/groups/{quote(group_id, safe='')}/transitiveMembers"
                found: list[str] = []
                listed = []
                for page in self.session.iter_pages(path, {"$select": "id", "$top": PAGE_SIZE}):
                    for obj in page:
                        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                            found.append(obj["id"])
                            listed.append({k: obj[k] for k in ("id", "@odata.type") if k in obj})
                if len(set(found)) != len(found):
                    raise SourceError(f"Graph GET {path}: a member was listed twice (overlapping pages)")
                members[group_id] = tuple(found)
                raw.append({"id": group_id, "members": listed})
        except GraphError as exc:
            if exc.status != 403:
                raise
            self._not_read("groupMembers", exc, how=f"grant {GROUP_MEMBER_PERMISSION} (or Group.Read.All)")
            return {}
        if self.raw_sink is not None:
            self.raw_sink[FILES["groupMembers"]] = raw
        self.coverage.read("groupMembers", len(members), source="GET /groups/{id}/transitiveMembers")
        return members


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


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (0-based) when Graph named no Retry-After: doubling, capped."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)


def _fingerprint(value: list) -> tuple:
    """A page by its size and first and last object ids (or objects, when they have no id)."""
    def key(obj) -> str:
        return str(obj.get("id")) if isinstance(obj, dict) and "id" in obj else json.dumps(obj, sort_keys=True)
    return len(value), key(value[0]), key(value[-1])


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

