"""The compact JSON encoder the writers use (results, snapshot, HTML data), made faster, same bytes.

`json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode` builds a new C encoder on
every call, half the cost of encoding a user's dozen facts; the results JSON makes 300k such calls
at 100k users. `compact_dumps` builds json's C encoder once, and hands a flat list of strings, None,
booleans, integers and lists of those to orjson (the `fast` extra) when it is installed: for those
values orjson writes exactly json's bytes (every code point escaped alike, tested over all of
them); what it writes otherwise (floats) or refuses (integers past 64 bits, lone surrogates) goes to
json, and so, by choice, does any subclass (a StrEnum member, an IntEnum).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from types import ModuleType
from typing import Any

_orjson: ModuleType | None
try:                                  # optional: without it every value goes to json's C encoder
    import orjson as _orjson
except ImportError:                   # exercised by a test that loads this module with orjson hidden
    _orjson = None

_FLAT = frozenset((str, type(None), bool, int))
_CELLS = _FLAT | {list}


def compact_dumps(default: Callable[[Any], Any] | None = None) -> Callable[[Any], str]:
    """What json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=default).encode
    gives for a value, or the exception it raises (a cycle aside: RecursionError, not ValueError;
    the documents written hold none)."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=default)
    one_shot = encoder.encode
    made = (c_make_encoder(None, encoder.default, encode_basestring, None, ":", ",", False, False, True)
            if c_make_encoder is not None else None)
    orjson_dumps = _orjson.dumps if _orjson is not None else None

    def dumps(value: Any) -> str:
        if orjson_dumps is not None and type(value) is list and _orjson_safe(value):
            try:
                return orjson_dumps(value).decode()
            except TypeError:          # orjson.JSONEncodeError (a TypeError): a big integer, a lone surrogate
                pass
        if made is None or type(value) is str:
            return one_shot(value)
        return "".join(made(value, 0))
    return dumps


def _orjson_safe(cells: list) -> bool:
    """Only values whose orjson bytes are json's: no float, no subclass, lists one level deep."""
    if not _CELLS.issuperset(map(type, cells)):
        return False
    for cell in cells:          # a loop, not all() over a generator: a third less per call
        if type(cell) is list and not _FLAT.issuperset(map(type, cell)):
            return False
    return True
