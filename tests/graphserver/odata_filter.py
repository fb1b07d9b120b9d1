"""OData ``$filter`` as Microsoft Graph accepts it on directory objects.

Supported: ``eq ne gt ge lt le``, ``in (...)``, ``and or not``, parentheses,
``startswith(p,'x')``, ``endswith(p,'x')``, lambda ``p/any(v:v eq 'x')`` (with ``eq``,
``startswith``, ``endswith`` inside), ``p/$count eq 0``, nested paths such as
``onPremisesExtensionAttributes/extensionAttribute1``, literals ``'text'`` (a quote doubled
inside), ``true false null`` and numbers. String comparisons are case-insensitive, as in the
directory.

The compiler records which operators need Graph's *advanced query* mode (``ConsistencyLevel:
eventual`` plus ``$count=true``): ``ne``, ``not``, ``endsWith``, ``eq``/``ne`` against ``null``,
``ge``/``le``/``gt``/``lt`` and ``/$count``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

from .messages import GraphError
from .schema import EntityType

Predicate = Callable[[dict], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>-?\d+(?:\.\d+)?(?![\w-]))
      | (?P<punct>[(),:/])
      | (?P<word>\$?[A-Za-z_][\w.@#-]*)
    )""",
    re.VERBOSE,
)

_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_ADVANCED_COMPARISONS = {"ne", "gt", "ge", "lt", "le"}
_OPERATOR_KIND = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}


@dataclass
class Token:
    kind: str
    text: str
    value: Any
    position: int


@dataclass
class CompiledFilter:
    predicate: Predicate
    advanced: list[str] = field(default_factory=list)


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise _syntax_error(text, position)
        kind = match.lastgroup or ""
        raw = match.group(kind)
        start = match.start(kind)
        if kind == "string":
            value: Any = raw[1:-1].replace("''", "'")
        elif kind == "number":
            value = float(raw) if "." in raw else int(raw)
        else:
            value = raw
        tokens.append(Token(kind, raw, value, start))
        position = match.end()
    return tokens


def _syntax_error(text: str, position: int) -> GraphError:
    return GraphError(
        400,
        "BadRequest",
        f"Invalid filter clause: Syntax error at position {position} in '{text}'.",
    )


def _fold(value):
    return value.casefold() if isinstance(value, str) else value


def _get_path(obj, path: tuple[str, ...]):
    value = obj
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class _Parser:
    def __init__(self, text: str, entity: EntityType) -> None:
        self.text = text
        self.entity = entity
        self.tokens = _tokenize(text)
        self.index = 0
        self.advanced: list[str] = []

    def parse(self) -> CompiledFilter:
        if not self.tokens:
            raise _syntax_error(self.text, 0)
        predicate = self._or()
        if self.index != len(self.tokens):
            raise _syntax_error(self.text, self.tokens[self.index].position)
        return CompiledFilter(predicate, self.advanced)

    def _peek(self, offset: int = 0) -> Token | None:
        index = self.index + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def _next(self) -> Token:
        token = self._peek()
        if token is None:
            raise _syntax_error(self.text, len(self.text))
        self.index += 1
        return token

    def _keyword(self, *words: str) -> str | None:
        token = self._peek()
        if token and token.kind == "word" and token.text.lower() in words:
            self.index += 1
            return token.text.lower()
        return None

    def _expect(self, text: str) -> None:
        token = self._next()
        if token.text != text:
            raise _syntax_error(self.text, token.position)

    def _or(self, variable: str | None = None) -> Predicate:
        left = self._and(variable)
        while self._keyword("or"):
            right = self._and(variable)
            left = (lambda a, b: lambda o: a(o) or b(o))(left, right)
        return left

    def _and(self, variable: str | None = None) -> Predicate:
        left = self._unary(variable)
        while self._keyword("and"):
            right = self._unary(variable)
            left = (lambda a, b: lambda o: a(o) and b(o))(left, right)
        return left

    def _unary(self, variable: str | None) -> Predicate:
        if self._keyword("not"):
            self.advanced.append("not")
            inner = self._unary(variable)
            return lambda o: not inner(o)
        token = self._peek()
        if token and token.text == "(":
            self._next()
            inner = self._or(variable)
            self._expect(")")
            return inner
        return self._comparison(variable)

    def _function(self, variable: str | None) -> Predicate:
        name_token = self._next()
        name = name_token.text.lower()
        if name not in ("startswith", "endswith"):
            raise GraphError(400, "Request_UnsupportedQuery", "Unsupported Query.")
        self._expect("(")
        getter, prop = self._operand_path(variable)
        self._expect(",")
        literal = self._next()
        if literal.kind != "string":
            raise _syntax_error(self.text, literal.position)
        self._expect(")")
        self._check_string(prop, literal, "startsWith" if name == "startswith" else "endsWith")
        needle = literal.value.casefold()
        if name == "endswith":
            self.advanced.append("endsWith")

            def test(value):
                return isinstance(value, str) and value.casefold().endswith(needle)

        else:

            def test(value):
                return isinstance(value, str) and value.casefold().startswith(needle)

        return lambda o: test(getter(o))

    def _comparison(self, variable: str | None) -> Predicate:
        token = self._peek()
        following = self._peek(1)
        if token and token.kind == "word" and following and following.text == "(":
            return self._function(variable)
        if token is None or token.kind != "word":
            raise _syntax_error(self.text, token.position if token else len(self.text))
        if variable is None and self._is_lambda():
            return self._lambda()
        getter, prop = self._operand_path(variable)
        if self._count_segment():
            return self._count_comparison(getter)
        operator = self._keyword(*_COMPARISONS, "in")
        if operator is None:
            nxt = self._peek()
            raise _syntax_error(self.text, nxt.position if nxt else len(self.text))
        if prop in self.entity.collections and variable is None:
            raise self._unsupported(prop)
        if operator == "in":
            return self._in(getter, prop)
        literal = self._next()
        if literal.kind not in ("string", "number") and literal.text.lower() not in ("true", "false", "null"):
            raise _syntax_error(self.text, literal.position)
        value = self._literal_value(literal)
        self._check_type(prop, literal, operator)
        if value is None:
            self.advanced.append(f"{operator} null")
        elif operator in _ADVANCED_COMPARISONS:
            self.advanced.append(operator)
        return self._compare(getter, operator, value)

    def _is_lambda(self) -> bool:
        index = self.index
        while index + 2 < len(self.tokens) and self.tokens[index + 1].text == "/":
            nxt = self.tokens[index + 2]
            if nxt.text.lower() in ("any", "all"):
                return True
            index += 2
        return False

    def _count_segment(self) -> bool:
        token, following = self._peek(), self._peek(1)
        if token and token.text == "/" and following and following.text == "$count":
            self.index += 2
            self.advanced.append("/$count")
            return True
        return False

    def _count_comparison(self, getter) -> Predicate:
        operator = self._keyword(*_COMPARISONS)
        literal = self._next()
        if operator is None or literal.kind != "number":
            raise _syntax_error(self.text, literal.position)
        return self._compare(lambda o: len(getter(o) or []), operator, literal.value)

    def _lambda(self) -> Predicate:
        getter, prop = self._operand_path(None)
        self._expect("/")
        kind = self._next().text.lower()
        self._expect("(")
        variable_token = self._next()
        if variable_token.kind != "word":
            raise _syntax_error(self.text, variable_token.position)
        self._expect(":")
        inner = self._or(variable_token.text)
        self._expect(")")
        if prop not in self.entity.collections:
            raise self._unsupported(prop)
        if kind == "any":
            return lambda o: any(inner(v) for v in (getter(o) or []))
        self.advanced.append("all")
        return lambda o: all(inner(v) for v in (getter(o) or []))

    def _operand_path(self, variable: str | None):
        token = self._next()
        if token.kind != "word":
            raise _syntax_error(self.text, token.position)
        if variable is not None:
            if token.text != variable:
                raise _syntax_error(self.text, token.position)
            return (lambda v: v), "$it"
        prop = self.entity.canonical(token.text)
        if prop is None and self.entity.is_extension(token.text):
            prop = token.text
        if prop is None or (prop not in self.entity.filterable and not self.entity.is_extension(prop)):
            raise self._unsupported(token.text)
        path = [prop]
        while True:
            slash, nxt = self._peek(), self._peek(1)
            if not (slash and slash.text == "/" and nxt and nxt.kind == "word"):
                break
            if nxt.text.lower() in ("any", "all") or nxt.text == "$count":
                break
            self.index += 2
            path.append(nxt.text)
        keys = tuple(path)
        if len(keys) == 1:
            key = keys[0]
            return (lambda o: o.get(key)), prop
        return (lambda o: _get_path(o, keys)), prop

    def _in(self, getter, prop: str) -> Predicate:
        self._expect("(")
        values = []
        while True:
            literal = self._next()
            if literal.kind not in ("string", "number") and literal.text.lower() not in ("true", "false", "null"):
                raise _syntax_error(self.text, literal.position)
            self._check_type(prop, literal, "eq")
            values.append(_fold(self._literal_value(literal)))
            separator = self._next()
            if separator.text == ")":
                break
            if separator.text != ",":
                raise _syntax_error(self.text, separator.position)
        allowed = set(values)
        return lambda o: _fold(getter(o)) in allowed

    @staticmethod
    def _literal_value(token: Token):
        if token.kind in ("string", "number"):
            return token.value
        return {"true": True, "false": False, "null": None}[token.text.lower()]

    @staticmethod
    def _compare(getter, operator: str, value) -> Predicate:
        folded = _fold(value)
        if operator == "eq":
            return lambda o: _fold(getter(o)) == folded
        if operator == "ne":
            return lambda o: _fold(getter(o)) != folded

        def ordered(o, op=operator):
            current = _fold(getter(o))
            if current is None or folded is None or type(current) is not type(folded):
                return False
            if op == "gt":
                return current > folded
            if op == "ge":
                return current >= folded
            if op == "lt":
                return current < folded
            return current <= folded

        return ordered

    def _edm(self, prop: str) -> str | None:
        if prop in self.entity.booleans:
            return "Edm.Boolean"
        if prop in self.entity.strings or prop == "$it":
            return "Edm.String"
        return None

    def _check_type(self, prop: str, literal: Token, operator: str) -> None:
        expected = self._edm(prop)
        if expected is None or literal.text.lower() == "null":
            return
        if literal.kind == "string":
            found = "Edm.String"
        elif literal.kind == "number":
            found = "Edm.Int32"
        else:
            found = "Edm.Boolean"
        if found != expected:
            raise GraphError(
                400,
                "BadRequest",
                "A binary operator with incompatible types was detected. Found operand types "
                f"'{expected}' and '{found}' for operator kind '{_OPERATOR_KIND[operator]}'.",
            )

    def _check_string(self, prop: str, literal: Token, function: str) -> None:
        if self._edm(prop) == "Edm.Boolean":
            raise GraphError(
                400,
                "BadRequest",
                f"No function signature for the function with name '{function}' matches the "
                "specified arguments.",
            )

    def _unsupported(self, prop: str) -> GraphError:
        return GraphError(
            400,
            "Request_UnsupportedQuery",
            f"Unsupported or invalid query filter clause specified for property '{prop}' of "
            f"resource '{self.entity.resource}'.",
        )


def compile_filter(text: str, entity: EntityType) -> CompiledFilter:
    """Compile a ``$filter`` value for ``entity``; raises :class:`GraphError` as Graph would."""
    return _Parser(text, entity).parse()


_SEARCH_CLAUSE = re.compile(r'"([A-Za-z]+):([^"]*)"')
_WORD_SPLIT = re.compile(r"[^0-9A-Za-z]+")


def compile_search(text: str, entity: EntityType) -> Predicate:
    """``$search="property:value"`` clauses joined by ``AND``/``OR`` (tokenized prefix match)."""
    parts = re.split(r"\s+(AND|OR)\s+", text.strip())
    predicates: list[Predicate] = []
    joins: list[str] = []
    for index, part in enumerate(parts):
        if index % 2:
            joins.append(part)
            continue
        match = _SEARCH_CLAUSE.fullmatch(part)
        if not match:
            raise GraphError(
                400,
                "Request_UnsupportedQuery",
                "Syntax error: character '\"' is not valid at position 0 in '" + text + "'.",
            )
        prop = entity.canonical(match.group(1))
        if prop is None:
            raise GraphError(
                400,
                "Request_UnsupportedQuery",
                f"Unsupported or invalid search clause specified for property '{match.group(1)}' "
                f"of resource '{entity.resource}'.",
            )
        predicates.append(_search_term(prop, match.group(2).casefold()))
    result = predicates[0]
    for join, nxt in zip(joins, predicates[1:], strict=False):
        if join == "AND":
            result = (lambda a, b: lambda o: a(o) and b(o))(result, nxt)
        else:
            result = (lambda a, b: lambda o: a(o) or b(o))(result, nxt)
    return result


def _search_term(prop: str, needle: str) -> Predicate:
    def matches(value) -> bool:
        if isinstance(value, list):
            return any(matches(v) for v in value)
        if not isinstance(value, str):
            return False
        folded = value.casefold()
        if folded.startswith(needle):
            return True
        return any(word.startswith(needle) for word in _WORD_SPLIT.split(folded) if word)

    return lambda o: matches(o.get(prop))
