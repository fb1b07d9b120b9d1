"""``POST /$batch``: JSON batching as Graph documents it.

The body is ``{"requests": [{"id", "method", "url", "headers"?, "body"?, "dependsOn"?}]}`` with
at most 20 requests and unique ids; the answer is ``200`` with ``{"responses": [{"id",
"status", "headers", "body"?}]}``. Each item runs with the batch's own bearer token. ``url`` must
be relative to the version (``/users/{id}``); an absolute URL gets a per-item 400 "Resource not
found for the segment 'https:'." as Graph answers it. Status faults injected for an item's path
produce a per-item error (429 carries ``Retry-After`` in the item's headers).

Order, as Microsoft's "Combine multiple HTTP requests using JSON batching" page documents it:
items without ``dependsOn`` may run in any order and "responses to the batched requests might
appear in a different order" (correlate by ``id``). ``server.batch.order`` is ``"shuffle"``
(the default, a fixed ``seed``), ``"reversed"`` or ``"given"``. An item whose ``dependsOn`` names
an item that failed (status 400 or more, or itself 424) is not run and answers ``424 Failed
Dependency``; a ``dependsOn`` naming an unknown id is a 400 for the whole batch.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from typing import TYPE_CHECKING

from .messages import GRAPH_JSON, GraphError, Request, Response, status_error
from .tokens import TokenInfo

if TYPE_CHECKING:
    from .server import GraphServer

MAX_REQUESTS = 20
_BAD_PAYLOAD = "Invalid batch payload format."
ORDERS = ("shuffle", "reversed", "given")


class BatchEndpoint:
    def __init__(self, server: GraphServer, order: str = "shuffle", seed: int = 0) -> None:
        if order not in ORDERS:
            raise ValueError(f"batch order must be one of {ORDERS}, not {order!r}")
        self.server = server
        self.order = order
        self._random = random.Random(seed)

    def _schedule(self, items: list[dict]) -> list[dict]:
        """An order to run the items in: the configured one, then moved so dependencies run first."""
        ordered = list(items)
        if self.order == "reversed":
            ordered.reverse()
        elif self.order == "shuffle":
            self._random.shuffle(ordered)
        by_id = {str(i["id"]): i for i in items}
        done: set[str] = set()
        result: list[dict] = []

        def visit(item: dict, path: tuple[str, ...]) -> None:
            item_id = str(item["id"])
            if item_id in done:
                return
            if item_id in path:
                raise GraphError(400, "BadRequest", "Batch request contains a circular dependency.")
            for dependency in _depends_on(item):
                visit(by_id[dependency], path + (item_id,))
            done.add(item_id)
            result.append(item)

        for item in ordered:
            visit(item, ())
        return result

    def handle(self, request: Request, token: TokenInfo, version: str = "v1.0") -> Response:
        if request.method != "POST":
            raise GraphError(
                405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."
            )
        try:
            payload = json.loads(request.body or b"null")
        except ValueError:
            payload = None
        items = payload.get("requests") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise GraphError(400, "BadRequest", _BAD_PAYLOAD)
        if len(items) > MAX_REQUESTS:
            raise GraphError(
                400,
                "BadRequest",
                f"Number of requests in the batch exceeds the maximum of {MAX_REQUESTS}.",
            )
        ids = [str(i.get("id", "")) for i in items]
        if any(not i for i in ids) or len(set(ids)) != len(ids):
            raise GraphError(400, "BadRequest", "Batch request contains duplicate or missing request ids.")
        known = set(ids)
        for item in items:
            for dependency in _depends_on(item):
                if dependency not in known:
                    raise GraphError(
                        400, "BadRequest", f"Request id {dependency} in dependsOn was not found in the batch."
                    )
        statuses: dict[str, int] = {}
        responses = []
        for item in self._schedule(items):
            failed = [d for d in _depends_on(item) if statuses.get(d, 0) >= 400]
            if failed:
                response = self._item(str(item["id"]), _failed_dependency(failed).response(request))
            else:
                response = self._run(item, request, token, version)
            statuses[str(item["id"])] = response["status"]
            responses.append(response)
        return Response.json(200, {"responses": responses}, GRAPH_JSON)

    def _run(self, item: dict, outer: Request, token: TokenInfo, version: str) -> dict:
        item_id = str(item["id"])
        method = str(item.get("method", "")).upper()
        url = str(item.get("url", ""))
        headers = {str(k).lower(): _header_value(v) for k, v in (item.get("headers") or {}).items()}
        headers.setdefault("client-request-id", outer.client_request_id)
        path, _, query = url.partition("?")
        body = item.get("body")
        absolute = "://" in url
        relative_path = path if path.startswith("/") else "/" + path
        inner = Request(method, path if absolute else f"/{version}{relative_path}", query, headers)
        if body is not None:
            if "content-type" not in headers:
                return self._item(
                    item_id,
                    GraphError(
                        400,
                        "BadRequest",
                        f"Write request id : {item_id} does not contain Content-Type header or body.",
                    ).response(inner),
                )
            inner.body = _body_bytes(body)
        self.server.record(inner, batch_item=item_id)
        if not method or absolute or not path:
            first = url.split("/", 1)[0] if url else ""
            return self._item(
                item_id,
                GraphError(400, "BadRequest", f"Resource not found for the segment '{first}'.").response(inner),
            )
        fault = self.server.faults.take(method, inner.path, statuses_only=True)
        if fault is not None:
            return self._item(item_id, status_error(fault.status, fault.retry_after_seconds()).response(inner))
        return self._item(item_id, self.server.route_graph(inner, token))

    @staticmethod
    def _item(item_id: str, response: Response) -> dict:
        result: dict = {"id": item_id, "status": response.status}
        headers = dict(response.headers)
        if response.content_type:
            headers["Content-Type"] = response.content_type
        result["headers"] = headers
        if response.body:
            if (response.content_type or "").startswith("application/json"):
                result["body"] = json.loads(response.body)
            else:
                result["body"] = base64.b64encode(response.body).decode("ascii")
        return result


def _depends_on(item: dict) -> list[str]:
    value = item.get("dependsOn") or []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _failed_dependency(failed: list[str]) -> GraphError:
    return GraphError(424, "FailedDependency", f"Dependent request(s) {', '.join(failed)} failed.")


def _header_value(value) -> str:
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _body_bytes(body) -> bytes:
    """A JSON body as sent, or the bytes of a base64-encoded one."""
    if isinstance(body, str):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")
