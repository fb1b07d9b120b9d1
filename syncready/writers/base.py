"""What every writer offers the apply and undo loops."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..journal import Journal
    from ..plan import Change, Value


class Conflict(Exception):
    """The object no longer holds the values the plan was made from; nothing was written."""


class WriteFailed(Exception):
    """The directory refused the change for another reason; nothing was written."""


class ConnectionLost(Exception):
    """The outcome of the write is unknown; the run stops and the journal says so."""


class Writer(Protocol):
    """What apply and undo need of every writer; `apply` returns what the journal records with the outcome."""

    def apply(self, change: Change) -> dict[str, Any]: ...

    def state(self, change: Change) -> str: ...


class CreatingWriter(Writer, Protocol):
    """A writer that creates objects (LDAP), so undo can tell its creations from older objects."""

    def guid_of(self, dn: str) -> str | None: ...

    def created_after(self, dn: str, moment: dt.datetime) -> bool: ...


class BatchWriter(Writer, Protocol):
    """A writer that sends many changes at once (Graph $batch), journaling them itself."""

    def apply_many(self, changes: list[Change], journal: Journal) -> Iterator[tuple[Change, str, str, dict[str, Any]]]:
        ...


def value_key(attribute: str, value: Value) -> str | bytes:
    """How values compare: binary exactly; proxyAddresses by exact prefix (SMTP: is not smtp:) and
    case-insensitive address; other text case-insensitively, as AD's matching rules do."""
    if isinstance(value, bytes):
        return value
    text = str(value)
    if attribute.lower() == "proxyaddresses":
        prefix, sep, address = text.partition(":")
        return prefix + sep + address.lower()
    return text.lower()


def state_of(change: Change, current: Iterable[Value]) -> str:
    """'after' when the change is in place, 'before' when it is not yet, else 'other'.

    A change that only rewrites letter case (givenName Ann → ann) is judged on the exact text,
    since by AD's case-insensitive matching its before and after would look the same.
    """
    key: Callable[[Value], Hashable] = lambda v: value_key(change.attribute, v)  # noqa: E731
    if {key(v) for v in change.add if v is not None} & {key(v) for v in change.remove if v is not None}:
        key = lambda v: v if isinstance(v, bytes) else str(v)  # noqa: E731
    have = {key(v) for v in current}
    add = {key(v) for v in change.add if v is not None}
    remove = {key(v) for v in change.remove if v is not None}
    if add <= have and not (remove - add) & have:
        return "after"
    if remove <= have and not (add - remove) & have:
        return "before"
    return "other"
