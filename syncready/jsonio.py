"""JSON from files that people and exports make: every way it can be unusable is a SourceError.

Python's json module accepts NaN and Infinity, decodes lone surrogates (which no UTF-8 output
can hold), raises RecursionError on deep nesting and ValueError on numbers longer than the
int-str limit. Each of those becomes one line naming the file and the place.
"""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .errors import SourceError

_orjson: ModuleType | None
try:                                  # the `fast` extra: an optional accelerator, never required
    import orjson as _orjson
except ImportError:                   # exercised by a test that loads this module with orjson hidden
    _orjson = None

MAX_DEPTH = 64            # Graph objects nest a few levels; anything deeper is not an export
MAX_DIGITS = 1000         # no Graph, journal or results number is longer

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONG_NUMBER = re.compile(rf"-?\d{{{MAX_DIGITS + 1},}}")


class JSONSyntaxError(SourceError):
    """The text is not JSON at all (as opposed to JSON syncready refuses); a cut-off line is one."""


class _Refused(ValueError):
    """A value json would decode but syncready refuses; raised from the decoder's hooks."""


def _parse_int(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise _Refused(f"a number of {len(text.lstrip('-'))} digits")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_DIGITS:
        raise _Refused(f"a number of {len(text)} characters")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"the number {text[:40]} is too large")
    return value


def _parse_constant(name: str):
    raise _Refused(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)


def decode(data: str | bytes) -> Any:
    """What json.loads(data) gives, the same value or the same exception, by orjson where its value is
    certainly json's (see _accepted_by_orjson: what json.loads accepts, loads accepts too, but for the
    three cases sent back to json); everything else, every refusal included, json decides."""
    value = _accepted_by_orjson(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return json.loads(data) if value is _UNDECIDED else value


def loads(text: str, name: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of a whole text; `name` is how the file is called in the message."""
    return _guarded(lambda: _DECODER.decode(text), text, name, max_depth)


def _loads_utf8(data: bytes, text: str, name: str) -> Any:
    """loads(text, name) when `data` is the UTF-8 text is decoded from: the depth scan reads the bytes."""
    return _guarded(lambda: _DECODER.decode(text), text, name, MAX_DEPTH, data=data)


def raw_decode(text: str, pos: int, name: str, *, max_depth: int = MAX_DEPTH) -> tuple[Any, int]:
    """One JSON value starting at pos (for JSON Lines and concatenated values), and where it ends."""
    return _guarded(lambda: _DECODER.raw_decode(text, pos), text, name, max_depth, pos)


def _guarded(decode: Callable, text: str, name: str, max_depth: int, pos: int = 0, data: bytes | None = None):
    try:
        result = decode()
    except json.JSONDecodeError as exc:
        raise JSONSyntaxError(f"{name}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})") from None
    except _Refused as exc:
        raise SourceError(f"{name}: {exc}{_where_number(text, pos)}; not usable JSON") from None
    except RecursionError:
        raise SourceError(f"{name}: JSON nested too deeply{_where_depth(text, pos, max_depth)}") from None
    except ValueError as exc:      # the int-str conversion limit, and anything else the decoder refuses
        raise SourceError(f"{name}: not usable JSON ({exc})") from None
    value = result[0] if isinstance(result, tuple) else result
    end = result[1] if isinstance(result, tuple) else len(text)
    if data is None:
        data = text[pos:end].encode("utf-8", "surrogatepass")
    if _deeper(data, value, max_depth):
        raise SourceError(f"{name}: JSON nested too deeply{_where_depth(text, pos, max_depth)}")
    refuse_lone_surrogates(text, name, pos, end)
    return result


_STRUCTURE = bytes.maketrans(b"[]{}", b"()()")
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'"[]{}')
_QUOTE_OR_BACKSLASH_ESCAPE = re.compile(rb'\\[\\"]')
_STRING = re.compile(rb'"[^"]*"')


def _deeper(data: bytes, value, budget: int) -> bool:
    """_nested_deeper(value, budget), answered from the JSON text `data` of `value` in C-level passes.

    The text's brackets outside strings are a superset of the value's containers (a repeated key
    keeps only its last value), so a text no deeper than the budget settles it; otherwise, rarely,
    the value is walked. Escaped quotes and backslashes are cut out first, so every quote left
    delimits a string; openers and closers become ( and ), and each round of removing "()" takes
    one level off every innermost container."""
    if budget > 0:
        pieces, at = [], 0
        for escape in _QUOTE_OR_BACKSLASH_ESCAPE.finditer(data):
            pieces.append(data[at:escape.start()].translate(_STRUCTURE, _NOT_STRUCTURE))
            at = escape.end()
        pieces.append(data[at:].translate(_STRUCTURE, _NOT_STRUCTURE))
        shape = b"".join(pieces)
        while b'""' in shape:         # strings without brackets (adjacent quotes: nothing lies between)
            shape = shape.replace(b'""', b"")
        if b'"' in shape:
            shape = _STRING.sub(b"", shape)
        for _ in range(budget):
            if not shape:
                return False
            shape = shape.replace(b"()", b"")
        if not shape:
            return False
    return _nested_deeper(value, budget)


def _nested_deeper(value, budget: int) -> bool:
    """Whether containers nest more than `budget` levels; recursion stops at the budget."""
    if not budget:
        return True
    for child in (value.values() if type(value) is dict else value) if type(value) in (dict, list) else ():
        kind = type(child)
        if (kind is dict or kind is list) and _nested_deeper(child, budget - 1):
            return True
    return False


_ESCAPED_SURROGATE = re.compile(r"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")


def lone_surrogate_at(text: str, pos: int = 0, end: int | None = None) -> int | None:
    """Where a \\u escape of half a UTF-16 surrogate pair stands without its other half, or None.

    Such a string decodes, but no UTF-8 output (reports, AD, Graph) can hold it. Only the escapes
    are looked at: text decoded from UTF-8 or UTF-16 bytes cannot hold a lone surrogate."""
    end = len(text) if end is None else end
    if not _SURROGATE_ESCAPE.search(text, pos, end):
        return None
    paired_low = -1
    for match in _ESCAPED_SURROGATE.finditer(text, pos, end):
        if len(match.group(1)) % 2 == 0:        # an escaped backslash followed by the letter u
            continue
        start = match.start(2) - 2
        if start == paired_low:
            continue
        if int(match.group(2), 16) >= 0xDC00:
            return start
        low = _ESCAPED_SURROGATE.match(text, match.end(), end)
        if not (low and len(low.group(1)) == 1 and int(low.group(2), 16) >= 0xDC00):
            return start
        paired_low = low.start(2) - 2
    return None


def refuse_lone_surrogates(text: str, name: str, pos: int = 0, end: int | None = None) -> None:
    at = lone_surrogate_at(text, pos, end)
    if at is not None:
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise SourceError(f"{name}: a lone UTF-16 surrogate ({text[at:at + 6]} without its pair) at line {line} "
                          f"column {column} is not text; fix the value or the tool that exported it")


def _where_depth(text: str, pos: int, limit: int) -> str:
    """' (more than N levels at line L)': found by counting brackets outside strings, on error only."""
    depth, in_string, escaped, line = 0, False, False, 1
    for index in range(pos, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, index) + 1
                return f" (more than {limit} levels at line {line})"
        elif char in "]}":
            depth -= 1
    return f" (more than {limit} levels)"


def _where_number(text: str, pos: int) -> str:
    match = _LONG_NUMBER.search(text, pos)
    if not match:
        return ""
    return f" at line {text.count(chr(10), 0, match.start()) + 1}"


def load_file(path, name: str | None = None) -> Any:
    """The JSON value of a UTF-8 file (a byte order mark is allowed)."""
    label = str(path) if name is None else name
    try:
        with open(path, "rb") as fp:
            data = fp.read()
    except FileNotFoundError:
        raise SourceError(f"{label} does not exist") from None
    except OSError as exc:
        raise SourceError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    value = _accepted_by_orjson(data)
    if value is not _UNDECIDED:
        return value
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{label}: not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})") from None
    return _loads_utf8(data, text, label)


_UNDECIDED = object()
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def _accepted_by_orjson(data: bytes) -> Any:
    """orjson's value of the file's bytes where it is certainly what loads(text) gives, else _UNDECIDED.

    A third less CPU than decoding the text and parsing it with the hooks (a 48 MB results file:
    0.63 -> 0.44 s), and no copy of the file as text (a 119 MB results file decodes to 238 MB of
    text). orjson refuses all that loads refuses except three things, each sent to the text path: a
    run of 19 digits or more but an integer that fits 64 bits (beyond them orjson makes a float; AD's
    "never" 9223372036854775807 fits), any surrogate escape (loads decides which are lone), nesting
    over MAX_DEPTH.
    """
    if _orjson is None or _SURROGATE_ESCAPE_BYTES.search(data):
        return _UNDECIDED
    if not _long_runs_fit(data, data.translate(_DIGITS_AS_ZERO)):     # the translated copy is let go here
        return _UNDECIDED
    try:
        value = _orjson.loads(data)
    except Exception:                  # noqa: BLE001 - whatever orjson refuses, the text path decides
        return _UNDECIDED
    return _UNDECIDED if _deeper(data, value, MAX_DEPTH) else value


_BEFORE_INTEGER = frozenset(b":,[ \t\r\n")
_AFTER_INTEGER = frozenset(b",]} \t\r\n")
_NINETEEN = b"0" * 19


def _long_runs_fit(data: bytes, zeroed: bytes) -> bool:
    """Whether every run of 19 digits or more is a whole integer (a number of its own, not part of
    a string, a fraction or an exponent) that orjson reads exactly: -2**63 to 2**64 - 1. `zeroed` is
    `data` with every digit a 0 (runs are found by bytes.find, not a regular expression's scan)."""
    at = zeroed.find(_NINETEEN)
    while at >= 0:
        end = at + 19
        while end < len(zeroed) and zeroed[end] == 0x30:
            end += 1
        if end - at > 20 or end < len(data) and data[end] not in _AFTER_INTEGER:
            return False
        negative = at > 0 and data[at - 1] == 0x2D           # "-"
        before = at - 1 if negative else at
        if before > 0 and data[before - 1] not in _BEFORE_INTEGER:
            return False
        if int(data[at:end]) > (2 ** 63 if negative else 2 ** 64 - 1):
            return False
        at = zeroed.find(_NINETEEN, end)
    return True


def _stack_room() -> None:
    """The decoder recurses once per level; keep MAX_DEPTH well inside the interpreter's limit."""
    if sys.getrecursionlimit() < 4 * MAX_DEPTH:
        raise RuntimeError("the recursion limit is too low for syncready's JSON reader")


_stack_room()


def json_type(value) -> str:
    """How a JSON value's type reads in an error message ("an object", "null", ...)."""
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)
