"""jsonio's nesting limit, now read from the text's brackets: it refuses exactly what the walk over
the decoded value (jsonio._nested_deeper, the check it replaces) refuses, with the same message.

The generated texts put brackets, quotes and backslashes inside strings and keys, escapes next to
each other, repeated keys whose dropped value is the deep one, and nesting on both sides of the
limit; each is compared with the old walk at several budgets, and through loads and load_file.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from syncready import jsonio
from syncready.errors import SourceError

pytestmark = pytest.mark.unit

_TRICKY = st.text(alphabet='[]{}"\\\\/nu0aé\u2028 ', max_size=8)
_SCALARS = st.none() | st.booleans() | st.integers() | _TRICKY


def _nest(depth: int, kind: str) -> str:
    return "[" * depth + "1" + "]" * depth if kind == "[]" else '{"k":' * depth + "1" + "}" * depth


_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(_TRICKY, inner, max_size=3), max_leaves=12)


@st.composite
def _texts(draw) -> str:
    """JSON text of a value, sometimes with a deep run or a repeated key dropping a deep value."""
    text = json.dumps(draw(_VALUES), ensure_ascii=draw(st.booleans()))
    depth = draw(st.integers(0, 70))
    choice = draw(st.sampled_from(("plain", "wrap", "repeated")))
    if choice == "wrap":
        return "[" * depth + text + "]" * depth
    if choice == "repeated":
        return '{"a": ' + _nest(depth, draw(st.sampled_from(("[]", "{}")))) + ', "a": ' + text + "}"
    return text


@given(_texts(), st.sampled_from((1, 2, 3, 5, 64)))
@example('{"a": ' + "[" * 70 + "]" * 70 + ', "a": 1}', 64)
@example('["\\\\", "[[[", "\\"[", "]]"]', 2)
@example('[["\\"\\\\\\"[[[["]]', 2)
@example("[" * 64 + "]" * 64, 64)
@example("[" * 65 + "]" * 65, 64)
@example('"[[["', 1)
@example('["\\"", [[[1]]], "\\""]', 2)
@example('["\\\\", [[[1]]], "\\\\"]', 2)
@example("3", 1)
def test_the_text_scan_agrees_with_the_walk(text, budget):
    value = json.loads(text)
    assert jsonio._deeper(text.encode("utf-8"), value, budget) == jsonio._nested_deeper(value, budget)


@pytest.mark.parametrize("budget", [0, -1])
def test_a_budget_below_one_is_the_walk(budget):
    for text in ("1", "[]", "[[1]]"):
        value = json.loads(text)
        assert jsonio._deeper(text.encode(), value, budget) == jsonio._nested_deeper(value, budget)


def _message(call) -> str | None:
    try:
        call()
    except SourceError as exc:
        return str(exc)
    return None


@given(_texts())
def test_loads_and_load_file_refuse_as_before(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("depth") / "doc.json"
    path.write_text(text, encoding="utf-8")
    deep = jsonio._nested_deeper(json.loads(text), jsonio.MAX_DEPTH)
    for call in (lambda: jsonio.loads(text, "doc"), lambda: jsonio.load_file(path, "doc")):
        message = _message(call)
        assert (message is not None) == deep
        if deep:
            assert message.startswith("doc: JSON nested too deeply (more than 64 levels")


def test_a_deep_value_under_a_repeated_key_is_dropped_and_accepted():
    text = '{"a": ' + "[" * 80 + "]" * 80 + ', "a": 1}'
    assert jsonio.loads(text, "doc") == {"a": 1}


def test_raw_decode_scans_only_its_value():
    text = "[1]\n" + "[" * 70 + "]" * 70
    assert jsonio.raw_decode(text, 0, "doc") == ([1], 3)
    with pytest.raises(SourceError, match="nested too deeply"):
        jsonio.raw_decode(text, 4, "doc")
