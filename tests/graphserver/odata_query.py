"""System query options (``$select``, ``$top``, ``$expand``, ...) and the opaque page token."""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from dataclasses import dataclass, field

from .messages import GraphError
from .schema import EntityType

SYSTEM_OPTIONS = (
    "select",
    "filter",
    "top",
    "skip",
    "skiptoken",
    "count",
    "search",
    "orderby",
    "expand",
    "format",
)
_TOKEN_MAGIC = b"DSpt\x02\x00\x01"


@dataclass
class Query:
    select: tuple[str, ...] | None = None
    filter: str | None = None
    top: int | None = None
    skiptoken: str | None = None
    count: bool = False
    search: str | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)
    expand: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def signature(self, path: str) -> int:
        """Binds a page token to the collection and the query it was issued for."""
        canonical = path.lower() + "?" + "&".join(f"{k}={v}" for k, v in sorted(self.pairs))
        return zlib.crc32(canonical.encode("utf-8"))


def _select_error(name: str, entity: EntityType) -> GraphError:
    return GraphError(
        400,
        "BadRequest",
        "Parsing OData Select and Expand failed: Could not find a property named "
        f"'{name}' on type '{entity.odata_type}'.",
    )


def parse_select(value: str, entity: EntityType) -> tuple[str, ...]:
    names: list[str] = []
    for raw in value.split(","):
        name = raw.strip()
        if not name:
            raise GraphError(
                400,
                "BadRequest",
                "Parsing OData Select and Expand failed: An identifier was expected at position "
                f"{len(value)}.",
            )
        if name == "*":
            names.extend(sorted(entity.properties))
            continue
        canonical = entity.canonical(name)
        if canonical is None and entity.is_extension(name):
            canonical = name
        if canonical is None:
            raise _select_error(name, entity)
        if canonical not in names:
            names.append(canonical)
    return tuple(names)


def parse_top(value: str, maximum: int | None) -> int:
    try:
        top = int(value)
    except ValueError:
        raise GraphError(
            400,
            "BadRequest",
            f"Invalid value '{value}' for $top query option found. The $top query option "
            "requires a non-negative integer value.",
        ) from None
    if top < 0:
        raise GraphError(
            400,
            "BadRequest",
            f"Invalid value '{value}' for $top query option found. The $top query option "
            "requires a non-negative integer value.",
        )
    if maximum is not None and not 1 <= top <= maximum:
        raise GraphError(
            400,
            "Request_UnsupportedQuery",
            f"Invalid page size specified: '{top}'. Must be between 1 and {maximum} inclusive.",
        )
    return top


def parse_expand(value: str, entity: EntityType) -> dict[str, tuple[str, ...] | None]:
    result: dict[str, tuple[str, ...] | None] = {}
    depth = 0
    current = ""
    items: list[str] = []
    for char in value:
        if char == "," and depth == 0:
            items.append(current)
            current = ""
            continue
        depth += char == "("
        depth -= char == ")"
        current += char
    items.append(current)
    for item in items:
        item = item.strip()
        name, _, options = item.partition("(")
        canonical = entity.canonical(name.strip())
        if canonical is None or canonical not in entity.navigation:
            raise _select_error(name.strip(), entity)
        nested: tuple[str, ...] | None = None
        if options:
            inner = options.rstrip(")")
            for part in inner.split(";"):
                key, _, val = part.partition("=")
                if key.strip().lstrip("$").lower() == "select":
                    nested = tuple(v.strip() for v in val.split(",") if v.strip())
        result[canonical] = nested
    return result


def parse_orderby(value: str, entity: EntityType) -> list[tuple[str, bool]]:
    keys: list[tuple[str, bool]] = []
    for part in value.split(","):
        words = part.split()
        if not words or len(words) > 2:
            raise GraphError(400, "BadRequest", f"Invalid $orderby clause '{value}'.")
        prop = entity.canonical(words[0])
        if prop is None:
            raise _select_error(words[0], entity)
        descending = len(words) == 2 and words[1].lower() == "desc"
        if len(words) == 2 and words[1].lower() not in ("asc", "desc"):
            raise GraphError(400, "BadRequest", f"Invalid $orderby clause '{value}'.")
        keys.append((prop, descending))
    return keys


def parse_query(
    params: list[tuple[str, str]],
    entity: EntityType,
    *,
    max_top: int | None,
    allow_skip: bool = False,
) -> Query:
    query = Query()
    seen: set[str] = set()
    for raw_name, value in params:
        bare = raw_name[1:] if raw_name.startswith("$") else raw_name
        option = bare.lower()
        if option not in SYSTEM_OPTIONS:
            if raw_name.startswith("$"):
                raise GraphError(
                    400, "BadRequest", f"The query parameter '{raw_name}' is not supported."
                )
            continue
        if option in seen:
            raise GraphError(
                400,
                "BadRequest",
                f"Query option '${option}' was specified more than once, but it must be "
                "specified at most once.",
            )
        seen.add(option)
        if option == "skiptoken":
            query.skiptoken = value
            continue
        query.pairs.append((f"${option}", value))
        if option == "select":
            query.select = parse_select(value, entity)
        elif option == "filter":
            query.filter = value
        elif option == "top":
            query.top = parse_top(value, max_top)
        elif option == "skip":
            if not allow_skip:
                raise GraphError(
                    400, "Request_BadRequest", "'$skip' is not supported by the service."
                )
        elif option == "count":
            if value.lower() not in ("true", "false"):
                raise GraphError(
                    400,
                    "BadRequest",
                    f"'{value}' is not a valid count option.",
                )
            query.count = value.lower() == "true"
        elif option == "search":
            query.search = value
        elif option == "orderby":
            query.orderby = parse_orderby(value, entity)
        elif option == "expand":
            query.expand = parse_expand(value, entity)
    return query


def encode_skiptoken(offset: int, signature: int) -> str:
    raw = _TOKEN_MAGIC + struct.pack(">II", offset, signature)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_skiptoken(token: str, signature: int) -> int:
    expired = GraphError(
        400,
        "Directory_ExpiredPageToken",
        "The specified page token value has expired and can no longer be included in your request.",
    )
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise expired from None
    if len(raw) != len(_TOKEN_MAGIC) + 8 or not raw.startswith(_TOKEN_MAGIC):
        raise expired
    offset, token_signature = struct.unpack(">II", raw[len(_TOKEN_MAGIC):])
    if token_signature != signature:
        raise expired
    return offset
