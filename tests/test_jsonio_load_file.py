"""jsonio.load_file reads a file with orjson where it is certainly what the text path gives: the
same value, or for any file it cannot vouch for, the text path's own outcome (value or message).

Every edge of tests/test_jsonio_decode.py and generated JSON (long digit runs, surrogate escapes,
deep nesting, repeated keys) is read both ways: load_file, and the text path alone.
"""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from syncready import jsonio
from syncready.errors import SourceError
from tests.test_jsonio_decode import EDGE_BYTES, EDGES

pytestmark = pytest.mark.unit


def _text_path(data: bytes, label: str):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ("refused", f"{label}: not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})")
    try:
        return ("value", jsonio.loads(text, label))
    except SourceError as exc:
        return ("refused", type(exc).__name__, str(exc))


def _load_file(path, label: str):
    try:
        return ("value", jsonio.load_file(path, label))
    except SourceError as exc:
        if str(exc).startswith(f"{label}: not UTF-8"):
            return ("refused", str(exc))
        return ("refused", type(exc).__name__, str(exc))


def _same(a, b) -> bool:
    """Equal, with NaN never present (both paths refuse it) and -0.0 told from 0.0."""
    return repr(a) == repr(b) and a == b


def _check(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("load") / "doc.json"
    path.write_bytes(data)
    assert _same(_load_file(path, "doc"), _text_path(data, "doc"))


@pytest.mark.parametrize("data", [e.encode("utf-8", "surrogatepass") for e in EDGES] + EDGE_BYTES)
def test_edges_load_as_the_text_path_does(tmp_path_factory, data):
    _check(tmp_path_factory, data)


_NUMBERS = st.integers(-(10 ** 25), 10 ** 25) | st.floats(allow_nan=False, allow_infinity=False)
_STRINGS = st.text(alphabet='ab\\"[]{}\ud800\udc00\u00e9\U0001f600', max_size=6)
_VALUES = st.recursive(st.none() | st.booleans() | _NUMBERS | _STRINGS,
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_STRINGS, inner, max_size=3),
                       max_leaves=10)


@given(_VALUES, st.booleans(), st.integers(0, 70))
@example({"a": 1e308}, True, 0)
@example([12345678901234567890], True, 0)
@example([1234567890123456789], True, 0)
@example(["\ud83d\ude00"], True, 0)
@example({"a": [1], "b": 2}, True, 64)
@example([9223372036854775807, -9223372036854775808, 18446744073709551615, -1234567890123456789], True, 0)
@example({"n": 18446744073709551616, "m": -9223372036854775809}, True, 0)
@example(["12345678901234567890", "a-1234567890123456789", 1234567890123456789.5, 1e-1234567890123456789], True, 0)
@example([123456789012345678901], True, 0)
def test_generated_json_loads_as_the_text_path_does(tmp_path_factory, value, ascii_only, depth):
    text = "[" * depth + json.dumps(value, ensure_ascii=ascii_only) + "]" * depth
    _check(tmp_path_factory, text.encode("utf-8", "surrogatepass"))


def test_a_results_sized_file_is_read_by_orjson(tmp_path, monkeypatch):
    """The fast path is taken for an ordinary file (the text path is not reached)."""
    path = tmp_path / "doc.json"
    doc = {"subjects": [{"subject": f"user{i}", "n": i, "x": math.pi} for i in range(100)]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(jsonio, "_loads_utf8", lambda *a: pytest.fail("the text path was taken"))
    assert jsonio.load_file(path) == doc


def test_a_file_of_integers_that_fit_64_bits_is_read_by_orjson(tmp_path, monkeypatch):
    """AD's "never" (accountExpires 9223372036854775807) is in most results files: 19 digits that
    orjson reads exactly, so the fast path (no copy of the file as text) is still taken."""
    path = tmp_path / "doc.json"
    doc = {"subjects": [{"accountExpires": 9223372036854775807, "n": 2 ** 64 - 1, "m": -2 ** 63}] * 3}
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    monkeypatch.setattr(jsonio, "_loads_utf8", lambda *a: pytest.fail("the text path was taken"))
    assert jsonio.load_file(path) == doc


@pytest.mark.parametrize("text", ["[18446744073709551616]", "[-9223372036854775809]", '["12345678901234567890"]',
                                  "[1234567890123456789.5]", "[1234567890123456789e2]", "[1e1234567890123456789]",
                                  "[123456789012345678901]"])
def test_a_long_digit_run_orjson_may_read_otherwise_goes_to_the_text_path(tmp_path, monkeypatch, text):
    path = tmp_path / "doc.json"
    path.write_text(text, encoding="utf-8")
    taken = []
    real = jsonio._loads_utf8
    monkeypatch.setattr(jsonio, "_loads_utf8", lambda *a: taken.append(1) or real(*a))
    try:
        value = jsonio.load_file(path)
    except SourceError:
        value = None
    assert taken and (value is None or value == json.loads(text))
