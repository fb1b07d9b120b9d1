"""jsonio.decode: orjson (the `fast` extra) when installed, and always what json.loads gives.

The property compares the orjson path with json.loads itself on generated and malformed JSON, str
and bytes; the module is also loaded with orjson unimportable, so the stdlib path stays tested
where orjson is installed (the test extra installs it).
"""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from syncready import jsonio

from hidden import without

pytestmark = pytest.mark.unit

# What orjson and json disagree on, or nearly: each must come out as json.loads has it.
EDGES = [
    "NaN", "-NaN", "Infinity", "-Infinity", "[NaN]", "1e400", "-1e400", "1e-400", "-0", "-0.0", "0e0",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "[1, 18446744073709551616]", '{"a": [-99999999999999999999]}',
    "1" * 4301, "1." + "0" * 1200, "1.7976931348623157e308", "1.7976931348623159e308", "2.4703282292062328e-324",
    "12345678901234567890.5", "9.3e18", "[9.3e18]", "-9.3e18",
    '"\\ud800"', '"\\udc00"', '"\\ud800\\udc00"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"', '"\\u0000"', '"\\/"',
    '"\ud800"', '"\x01"', '"\x7f"', '"\t"', "\ufeff[]", "\ufeff\ufeff[]", "[1,]", "[1] [2]", "[1]\x0c", "\xa0[1]",
    "", " ", "01", "1.", ".5", "+1", "1E+5", "true", "True", "null ", " [ ] ", "{", '{"a":1,"a":2,"b":3}',
    '{"b":1,"a":2,"b":3}', '{"a" 1}', "[\"a\\x\"]", "\x00[]", "[]\x00", "\x00\x00\x00[",
    "[" * 64 + "]" * 64, "[" * 65 + "]" * 65, '{"a":' * 65 + "1" + "}" * 65, "[" * 1024 + "]" * 1024,
    "[" * 1025 + "]" * 1025, "[" * 3000,
]
EDGE_BYTES = [b"\xef\xbb\xbf[1]", b"\xff\xfe[\x00]\x00", b"\xfe\xff\x00[\x00]", b"[\x00]\x00", b"\xed\xa0\x80",
              b'"\xed\xa0\x80"', b'"\xc3"', b"\x80", b"[1]\xef\xbb\xbf", b'{"a": 1}\n']


def _outcome(decode, data):
    """("value", a typed canonical form) or ("error", exception type, message)."""
    try:
        return ("value", _canonical(decode(data)))
    except (ValueError, RecursionError) as exc:
        return ("error", type(exc), str(exc))


def _canonical(value):
    """Distinguishes what == does not: int from float, -0.0, NaN, key order."""
    if type(value) is dict:
        return ("dict", [(k, _canonical(v)) for k, v in value.items()])
    if type(value) is list:
        return ("list", [_canonical(v) for v in value])
    if type(value) is float:
        return ("float", "nan" if math.isnan(value) else repr(value))
    return (type(value).__name__, value)


def _same_as_json(data) -> None:
    assert _outcome(jsonio.decode, data) == _outcome(json.loads, data), data[:80]


def _inputs(text: str):
    yield text
    try:
        yield text.encode("utf-8")
    except UnicodeEncodeError:          # a lone surrogate: no UTF-8 bytes hold it
        yield text.encode("utf-8", "surrogatepass")


def test_orjson_is_installed_for_the_tests():
    """The test extra installs orjson, so the property below runs the orjson path."""
    assert jsonio._orjson is not None, "install the test extra: pip install -e '.[test]' (it holds orjson)"


@pytest.mark.parametrize("text", EDGES, ids=range(len(EDGES)))
def test_edges_decode_as_json_does(text):
    for data in _inputs(text):
        _same_as_json(data)


@pytest.mark.parametrize("data", EDGE_BYTES, ids=range(len(EDGE_BYTES)))
def test_edge_bytes_decode_as_json_does(data):
    _same_as_json(data)


def test_a_big_integer_stays_an_integer():
    """orjson reads 2**64 as a float; decode gives json's exact integer."""
    assert jsonio.decode('{"n": 18446744073709551616}') == {"n": 2 ** 64}
    assert type(jsonio.decode("[-9223372036854775809]")[0]) is int


def test_nesting_json_refuses_is_refused():
    """orjson reads 1,000 levels; json's recursion limit refuses them, and so does decode."""
    with pytest.raises(RecursionError):
        jsonio.decode("[" * 1000 + "]" * 1000)


_SCALARS = (st.none() | st.booleans() | st.integers() | st.sampled_from([2 ** 63, 2 ** 64, -2 ** 63 - 1, -0])
            | st.floats() | st.text(max_size=8))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=4), inner, max_size=4), max_leaves=20)
_ALPHABET = st.sampled_from(list('[]{}",:0123456789.eE+- \t\n\\utrfalsnNIy') + ["\\ud800", "\\udc00", "\xe9"])


@st.composite
def _documents(draw):
    value = draw(_VALUES)
    text = json.dumps(value, ensure_ascii=draw(st.booleans()),
                      separators=draw(st.sampled_from([(",", ":"), (", ", ": ")])))
    mutation = draw(st.sampled_from(["none", "delete", "insert", "cut", "wrap"]))
    if mutation == "none" or not text:
        return text
    at = draw(st.integers(0, len(text)))
    if mutation == "delete":
        return text[:at] + text[at + 1:]
    if mutation == "insert":
        return text[:at] + draw(_ALPHABET) + text[at:]
    if mutation == "cut":
        return text[:at]
    depth = draw(st.integers(1, 70))
    return "[" * depth + text + "]" * depth


@given(_documents())
@example('{"a": [1, 2.5, null, true, "\\u00e9"]}')
def test_decode_is_json_loads_on_generated_json(text):
    for data in _inputs(text):
        _same_as_json(data)


@given(st.lists(_ALPHABET, max_size=30).map("".join))
def test_decode_is_json_loads_on_malformed_json(text):
    for data in _inputs(text):
        _same_as_json(data)


@pytest.fixture
def stdlib_jsonio():
    """syncready.jsonio loaded afresh with orjson unimportable (a copy: the real module stays as it is)."""
    return without(jsonio, "orjson")


def test_without_orjson_decode_is_json_loads(stdlib_jsonio):
    assert stdlib_jsonio._orjson is None
    for text in EDGES:
        for data in _inputs(text):
            assert _outcome(stdlib_jsonio.decode, data) == _outcome(json.loads, data), text[:80]
    for data in EDGE_BYTES:
        assert _outcome(stdlib_jsonio.decode, data) == _outcome(json.loads, data)
