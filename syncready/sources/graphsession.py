"""The Graph transport: msgraph-sdk's request adapter driven from synchronous code (SPEC §2).

Requests go through msgraph-sdk's `GraphRequestAdapter` and its middleware (retry on 429/503/504
honouring Retry-After, redirects, telemetry), but responses are taken raw through kiota's
`NativeResponseHandler` and parsed with `json`: building SDK model objects costs about 4 ms a user,
which is minutes for a large tenant, while the directory model is mapped from plain dicts anyway.
The reader and the Graph writer both use `GraphSession.get_json`, `iter_pages`, `count`, `patch`
(which can send JSON null, which SDK models drop) and `batch` (JSON $batch); the writer imports
this module and `grapherrors`, never the reader.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import time
import uuid
from collections.abc import Generator
from urllib.parse import quote, urlsplit

from ..errors import ConfigError, SourceError
from ..jsonio import decode
from ..options import GraphOptions
from ..progress import configure_logging
from ..termtext import redact_url
from .graphauth import CERTIFICATE_VAR, SECRET_VAR, TOKEN_VAR, graph_target, make_auth_provider, make_credential
from .grapherrors import (MAX_RETRIES, RETRY_STATUSES, GraphError, GraphUnreachable, SignInFailed,
                          error_from_answer, header, is_tls, sign_in_reason, transport_failure)
from .graphpaging import iter_pages, mark_sent_hook, sending_context

BATCH_SIZE = 20                     # Graph's limit of requests in one $batch
# A $batch item answered 424 Failed Dependency was not run ("Combine multiple HTTP requests using
# JSON batching"), so sending it again is safe, write or not.
RETRY_ITEM_STATUSES = (*RETRY_STATUSES, 424)
BACKOFF_BASE = 0.5                  # seconds, doubled per attempt when no Retry-After came (503/504 may have none)
BACKOFF_CAP = 30.0
TRANSPORT_RETRIES = 3               # a GET whose connection broke is sent again this often
CONNECT_RETRIES = 1

log = logging.getLogger("syncready.graph")


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
        from kiota_http.middleware.options import HeadersInspectionHandlerOption, RetryHandlerOption
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
                                   limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
                                   event_hooks={"request": [mark_sent_hook]})
        options = dict(sdk_options)
        options[RetryHandlerOption.get_key()] = RetryHandlerOption(delay=1.0, max_retries=MAX_RETRIES)
        # The handler's default copies every request's and answer's headers (the bearer token too)
        # into one collection that grows with each request; the answers are read here, not there.
        options[HeadersInspectionHandlerOption.get_key()] = HeadersInspectionHandlerOption(
            inspect_request_headers=False, inspect_response_headers=False)
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
            value = decode(response.content)
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

    def start(self, method: str, url: str, headers: dict | None = None) -> asyncio.Task:
        """`request`, returning once it is written (or has failed) instead of when it is answered.

        The answer is taken with `finish`; meanwhile the caller works and Graph answers.
        """
        sent = self._loop.create_future()
        task = self._loop.create_task(self.request(method, url, headers=headers), context=sending_context(sent))
        self.run(asyncio.wait((task, sent), return_when=asyncio.FIRST_COMPLETED))
        return task

    def finish(self, task: asyncio.Task):
        """The answer of a `start`ed request (its error raised here, not before)."""
        return self.run(task)

    def cancel(self, task: asyncio.Task) -> None:
        """Drop a `start`ed request that is no longer wanted, and whatever it raised."""
        task.cancel()
        self.run(asyncio.wait((task,)))
        if not task.cancelled():
            task.exception()

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
            raise SignInFailed(f"sign-in to Microsoft Graph failed: {sign_in_reason(exc)}") from None

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
                    again = not is_tls(exc) and attempt < CONNECT_RETRIES
                if not again:
                    raise failure from None
                attempt += 1
                await asyncio.sleep(0.5 * 2 ** (attempt - 1))
        if response.status_code >= 400:
            raise self.error(method, url, response.status_code, response.headers, response.content)
        return response

    def error(self, method: str, url: str, status: int, headers, content) -> GraphError:
        return error_from_answer(method, self.endpoint(url), status, headers, content)

    def _transport_failure(self, method: str, url: str, exc) -> GraphUnreachable:
        httpx = self._httpx
        return transport_failure(method, self.endpoint(url), url, exc, (httpx.ConnectError, httpx.ConnectTimeout))

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

    def __enter__(self) -> GraphSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the API the reader and the writer use ----------------------------------------------------

    def get_json(self, path_or_url: str, params: dict | None = None, headers: dict | None = None) -> dict:
        url = self.url(path_or_url, params)
        response = self.run(self.request("GET", url, headers=headers))
        return self.body(response, "GET", url) if response.content else {}

    def iter_pages(self, path: str, params: dict | None = None,
                   headers: dict | None = None) -> Generator[list, None, None]:
        """The `value` of each page, following @odata.nextLink, the next one asked for early (graphpaging)."""
        return iter_pages(self, path, params, headers)

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
        results: list[dict] = [{} for _ in requests]     # each filled by _batch_chunk
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



def open_session(options: GraphOptions) -> GraphSession:
    """The Graph session the options describe; the CA file may also come from SSL_CERT_FILE or
    REQUESTS_CA_BUNDLE (a TLS-inspecting proxy or a private endpoint)."""
    configure_logging(options.verbose)
    target = graph_target(options.graph_url)
    method = options.auth or _auth_from_environment()
    ca_file = options.ca_file or os.environ.get("SSL_CERT_FILE") or os.environ.get("REQUESTS_CA_BUNDLE")
    if ca_file and not os.path.isfile(ca_file):
        raise ConfigError(f"the CA file {ca_file} for Graph does not exist")
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_file) if ca_file else True
    credential = make_credential(method, target, options.tenant_id, options.client_id, ca_file)
    provider = make_auth_provider(credential, target)
    return GraphSession(target.base_url, credential, provider, verify=verify, verbose=options.verbose,
                        label=f"graph:{redact_url(target.base_url)}", timeout=options.timeout)


def _auth_from_environment() -> str:
    if os.environ.get(TOKEN_VAR):
        return "token"
    if os.environ.get(SECRET_VAR):
        return "secret"
    if os.environ.get(CERTIFICATE_VAR):
        return "certificate"
    raise ConfigError("say how to sign in to Microsoft Graph: --auth secret|certificate|device-code|browser|"
                      "managed-identity|azure-cli|environment|token")



def _retry_after(item: dict) -> float | None:
    value = header(item.get("headers") or {}, "Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (0-based) when Graph named no Retry-After: doubling, capped."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)
