"""The JSON shapes of a snapshot's Graph and Exchange files (SPEC §2): arrays, Graph pages, lists of
pages, JSON Lines, a UTF-8 or UTF-16 byte order mark, PascalCase PowerShell names.

Every problem becomes a one-line SourceError naming the file and the record.
"""
from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

from ..errors import SourceError
from ..jsonio import refuse_lone_surrogates
from .graphmap import map_records
from .snapshot_layout import USERS

# A list of records from one file, and how to name the i-th of them in a message.
Segment = tuple[list, Callable[[int], str]]

_WHITESPACE = re.compile(r"[ \t\r\n]*")


def map_segments(segments: list[Segment], rel: str, convert: Callable,
                 tick: Callable[[str, int], object] | None = None, every: int = 1000) -> list:
    """Every record through `convert`; `tick`, when given, is told (rel, records so far) at every
    `every`-th record of the file: records are mapped a block at a time, not through a wrapper
    called per record."""
    result: list = []
    for records, label in segments:
        if tick is None:
            result.extend(map_records(records, convert, _prefixed(rel, label)))
            continue
        start = 0
        while start < len(records):
            stop = min(len(records), start + every - len(result) % every)
            result.extend(map_records(records[start:stop], convert, _prefixed(rel, _offset(label, start))))
            if len(result) % every == 0:
                tick(rel, len(result))
            start = stop
    return result


def map_file(root: Path, rel: str, convert: Callable, tick: Callable[[str, int], object] | None = None,
             every: int = 1000) -> list:
    """Every record of a JSON file through `convert`; a ValueError names the record."""
    return map_segments(load_json(root / rel, rel), rel, convert, tick, every)


def load_json(path: Path, rel: str, camel: bool = True) -> list[Segment]:
    """The records of a Graph JSON file, whatever its shape, as segments.

    An empty file is empty JSON Lines, except users.json: no tenant is without users, so an empty
    users.json is a failed export.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{rel}: cannot be read ({exc.strerror or exc})") from None
    text = _decode(data, rel)
    refuse_lone_surrogates(text, rel)
    if not text or text.isspace():                    # not text.strip(), without a copy of the text
        if rel == USERS:
            raise SourceError(f"{rel}: the file is empty")
        return []
    try:
        value = json.loads(text)      # not jsonio.decode: orjson reads these files no faster, in more memory
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise SourceError(_json_error(rel, exc)) from None
        segments = _load_stream(text, rel)
    except (RecursionError, ValueError) as exc:
        raise SourceError(_json_limit(rel, exc)) from None
    else:
        segments = _shape(value, rel)
        _refuse_truncated(value[-1] if type(value) is list and value else value, rel)
    first = next((records[0] for records, _ in segments if records), None)
    if camel and type(first) is dict and "id" not in first and ("Id" in first or "PrincipalId" in first):
        segments = [([_camel(r) for r in records], label) for records, label in segments]
    return segments


def _decode(data: bytes, rel: str) -> str:
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{rel}: not {'UTF-16' if encoding == 'utf-16' else 'UTF-8'} text "
                          f"(byte {data[exc.start]:#04x} at offset {exc.start})") from None


def _json_error(rel: str, exc: json.JSONDecodeError) -> str:
    return f"{rel}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"


def _json_limit(rel: str, exc: Exception) -> str:
    """JSON that parses in principle but not here: nested too deep, or a number of thousands of digits."""
    if isinstance(exc, RecursionError):
        return f"{rel}: JSON nested too deeply to read (no Graph export nests more than a few levels)"
    return f"{rel}: not readable JSON ({' '.join(str(exc).split())[:120]})"


def _offset(label: Callable[[int], str], start: int) -> Callable[[int], str]:
    return lambda i: label(start + i)


def _prefixed(rel: str, label: Callable[[int], str]) -> Callable[[int], str]:
    return lambda i: f"{rel}: {label(i)}"


def _is_page(value) -> bool:
    return type(value) is dict and type(value.get("value")) is list and "id" not in value


def _shape(value, rel: str) -> list[Segment]:
    """Segments of one JSON document: an array of objects or of pages, a page, or one object."""
    if type(value) is list:
        if value and _is_page(value[0]):
            segments: list[Segment] = []
            for number, page in enumerate(value):
                if not _is_page(page):
                    raise SourceError(f"{rel}: page {number}: expected a Graph page {{\"value\": [...]}} like page 0")
                segments.append((page["value"], partial("page {} record {}".format, number)))
            return segments
        return [(value, lambda i: f"record {i}")]
    if _is_page(value):
        return [(value["value"], lambda i: f"record {i}")]
    if type(value) is dict:
        return [([value], lambda i: "the object")]
    raise SourceError(f"{rel}: expected a JSON array or object, found {json.dumps(value)[:40]}")


def _refuse_truncated(last, rel: str) -> None:
    """A last page that still links to a next one is an export that stopped early: users would be missing."""
    if _is_page(last) and last.get("@odata.nextLink"):
        raise SourceError(f"{rel}: the last page still has @odata.nextLink, so the export stopped before the end; "
                          "export every page (follow @odata.nextLink until there is none)")


def _load_stream(text: str, rel: str) -> list[Segment]:
    """JSON Lines (or any concatenation of JSON values): objects, or pages, one after another."""
    decode = json.JSONDecoder().raw_decode
    end = len(text)
    objects: list = []
    starts: list[int] = []
    segments: list[Segment] = []

    def line(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def at_line(at: int) -> Callable[[int], str]:
        return lambda i: f"line {line(at)} record {i}"

    pos = _skip_space(text, 0)
    last = None
    while pos < end:
        try:
            value, pos_after = decode(text, pos)
        except json.JSONDecodeError as exc:
            raise SourceError(_json_error(rel, exc)) from None
        except (RecursionError, ValueError) as exc:
            raise SourceError(_json_limit(rel, exc)) from None
        if _is_page(value):
            segments.append((value["value"], at_line(pos)))
        elif type(value) is list:
            segments.append((value, at_line(pos)))
        else:
            objects.append(value)
            starts.append(pos)
        last = value
        pos = _skip_space(text, pos_after)
    _refuse_truncated(last, rel)
    if objects:
        segments.append((objects, lambda i: f"line {line(starts[i])}"))
    return segments


def _skip_space(text: str, pos: int) -> int:
    """The first position at or after pos that is not JSON whitespace."""
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


def _camel(value):
    """Graph names for the PascalCase properties of Graph PowerShell objects (Id -> id)."""
    if type(value) is dict:
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if type(value) is list:
        return [_camel(v) for v in value]
    return value
