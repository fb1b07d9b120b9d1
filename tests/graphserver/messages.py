"""Requests and responses as the server's handlers see them, and Graph's error documents."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, UTC
from urllib.parse import parse_qsl

GRAPH_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)
PLAIN_JSON = "application/json; charset=utf-8"


def dumps(value) -> bytes:
    """Compact UTF-8 JSON, as Graph writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def graph_date() -> str:
    """The timestamp format of Graph's ``innerError.date``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def client_request_id(self) -> str:
        return self.headers.get("client-request-id") or self.request_id

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def params(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, value, content_type: str = GRAPH_JSON, **headers: str) -> Response:
        return cls(status, dumps(value), content_type, dict(headers))

    def body_json(self):
        return json.loads(self.body) if self.body else None


class GraphError(Exception):
    """An error Graph answers with its ``{"error": {...}}`` document."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def response(self, request: Request) -> Response:
        error = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        error["innerError"] = {
            "date": graph_date(),
            "request-id": request.request_id,
            "client-request-id": request.client_request_id,
        }
        return Response.json(self.status, {"error": error}, PLAIN_JSON, **self.headers)


STATUS_ERRORS = {
    400: ("BadRequest", "Bad request."),
    401: ("InvalidAuthenticationToken", "Access token validation failure."),
    403: ("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
    404: ("Request_ResourceNotFound", "Resource not found."),
    424: ("FailedDependency", "Dependent request failed."),
    429: ("TooManyRequests", "Please retry again later."),
    500: ("generalException", "General exception while processing."),
    502: ("BadGateway", "Bad gateway."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The request timed out."),
}


def status_error(status: int, retry_after: int | None = None) -> GraphError:
    """The error Graph sends for a bare status (used by fault injection)."""
    code, message = STATUS_ERRORS.get(status, ("UnknownError", "An error occurred."))
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return GraphError(status, code, message, headers=headers)
