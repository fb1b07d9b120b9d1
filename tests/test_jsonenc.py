"""jsonenc.compact_dumps: always json's compact encoder's text (or its exception), faster.

The property compares it with json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
on generated values that include what orjson writes differently (floats) or refuses (integers past
64 bits, lone surrogates, str subclasses); the module is also loaded with orjson unimportable, so
the C-encoder-only path stays tested where orjson is installed."""
from __future__ import annotations

import enum
import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from syncready import jsonenc

from hidden import without

pytestmark = pytest.mark.unit


class Colour(enum.StrEnum):
    RED = "red"


SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text() | st.sampled_from(["\ud800", "a\udc00b"])
           | st.just(Colour.RED))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


def _outcome(dumps, value):
    try:
        return "ok", dumps(value)
    except Exception as exc:  # noqa: BLE001 - the exception's kind is what is compared
        return "raised", type(exc).__name__


def _json(default=None):
    return json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=default).encode


def test_orjson_is_installed_for_the_tests():
    assert jsonenc._orjson is not None, "install the test extra: pip install -e '.[test]' (it holds orjson)"


def test_every_code_point_is_escaped_as_json_escapes_it():
    """The orjson path's claim in one list: each code point (surrogates alone included) as json has it."""
    cells = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    assert jsonenc.compact_dumps()(cells) == _json()(cells)
    assert jsonenc._orjson_safe(cells)      # so it went through orjson
    lone = [chr(c) for c in range(0xD800, 0xE000, 97)]
    assert jsonenc.compact_dumps()(lone) == _json()(lone)


@given(VALUES)
@example([1.5e-7, "x"])
@example(["a", ["b", 2**64]])
@example([None, True, ["SMTP:a@contoso.com"], 9223372036854775807])
@example([Colour.RED, float("nan")])
def test_compact_dumps_is_the_compact_json_encoder(value):
    assert _outcome(jsonenc.compact_dumps(), value) == _outcome(_json(), value)
    assert _outcome(jsonenc.compact_dumps(default=str), value) == _outcome(_json(default=str), value)


def test_a_value_json_cannot_write_raises_as_json_raises():
    dumps = jsonenc.compact_dumps()
    assert _outcome(dumps, [object()]) == _outcome(_json(), [object()]) == ("raised", "TypeError")
    assert jsonenc.compact_dumps(default=str)([{1, 2}]) == _json(default=str)([{1, 2}])


@pytest.fixture(scope="module")
def stdlib_jsonenc():
    """syncready.jsonenc loaded afresh with orjson unimportable (a copy: the real module stays as it is)."""
    return without(jsonenc, "orjson")


@given(VALUES)
def test_without_orjson_compact_dumps_is_the_compact_json_encoder(stdlib_jsonenc, value):
    assert stdlib_jsonenc._orjson is None
    assert _outcome(stdlib_jsonenc.compact_dumps(), value) == _outcome(_json(), value)
