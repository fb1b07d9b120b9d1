"""A subject's results by check id, held as one list in the order of a table shared by its kind.

A run keeps one result per check and subject: 24 × 100k cloud users. A dict per subject costs 832
bytes at 24 entries; this store costs its list (8 bytes a result) and one small object, and the
check ids and their positions (`Layout`) are shared by every subject of the kind. It is a
MutableMapping, so readers keep using `items()`, `[id]`, `get`, `in`, `values()`, and assignment of a
check id outside the layout (a test, a baseline mark) is kept beside the list, after it, as a dict
would keep a new key.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from itertools import chain
from typing import Any

from .checkapi import STATUS_OF, Result


class Layout:
    """The check ids of one kind of subject, in the run's order, and the position of each."""

    __slots__ = ("ids", "positions")

    def __init__(self, ids: Iterable[str]):
        self.ids = tuple(ids)
        self.positions = {check_id: i for i, check_id in enumerate(self.ids)}


NO_LAYOUT = Layout(())


class Results(MutableMapping[str, Result]):
    """Check id → Result. `values` holds one Result per id of `layout` (Engine.run fills every
    position before the run is returned); other ids go to a dict beside it."""

    __slots__ = ("_layout", "_values", "_more")

    def __init__(self, layout: Layout = NO_LAYOUT, values: list[Any] | None = None):
        self._layout = layout
        self._values: list[Any] = [] if values is None else values
        self._more: dict[str, Result] | None = None

    def __getitem__(self, check_id: str) -> Result:
        position = self._layout.positions.get(check_id)
        if position is not None:
            return self._values[position]
        if self._more is None:
            raise KeyError(check_id)
        return self._more[check_id]

    def get(self, check_id: str, default: Any = None) -> Any:
        position = self._layout.positions.get(check_id)
        if position is not None:
            return self._values[position]
        return default if self._more is None else self._more.get(check_id, default)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._layout.positions or (self._more is not None and check_id in self._more)

    def __setitem__(self, check_id: str, result: Result) -> None:
        position = self._layout.positions.get(check_id)
        if position is not None:
            self._values[position] = result
        elif self._more is None:
            self._more = {check_id: result}
        else:
            self._more[check_id] = result

    def __delitem__(self, check_id: str) -> None:
        if check_id in self._layout.positions:     # rare: the rest becomes a plain dict, in order
            kept = {k: r for k, r in self.items() if k != check_id}
            self._layout, self._values, self._more = NO_LAYOUT, [], kept
            return
        if self._more is None:
            raise KeyError(check_id)
        del self._more[check_id]

    def __iter__(self) -> Iterator[str]:
        ids = iter(self._layout.ids)
        return ids if not self._more else chain(ids, self._more)

    def ids(self) -> tuple[str, ...]:
        """The check ids in order, as one tuple (the layout's own when nothing is beside the list)."""
        return self._layout.ids if not self._more else (*self._layout.ids, *self._more)

    def __len__(self) -> int:
        return len(self._values) + (len(self._more) if self._more else 0)

    def items(self) -> Iterable[tuple[str, Result]]:  # type: ignore[override]
        pairs = zip(self._layout.ids, self._values, strict=True)
        return pairs if not self._more else chain(pairs, self._more.items())

    def values(self) -> tuple[Result, ...]:  # type: ignore[override]
        found = tuple(self._values)
        return found if not self._more else found + tuple(self._more.values())

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def tally(stores: Iterable[Mapping[str, Result]], into: Mapping[str, dict[str, int]]) -> None:
    """Add every result of `stores` to into[check id][status]. The Results of one layout are counted
    a column (one check) at a time, by C-level passes over their lists (the statuses read and counted
    in one Counter), so 24 × 100k results cost no Python step each. Any other store is counted
    result by result."""
    columns: dict[int, tuple[Layout, list[list[Any]]]] = {}
    for store in stores:
        if type(store) is Results and not store._more and len(store._values) == len(store._layout.ids):
            found = columns.get(id(store._layout))
            if found is None:
                found = columns[id(store._layout)] = (store._layout, [])
            found[1].append(store._values)
        else:
            for check_id, result in store.items():
                into[check_id][result.status] += 1
    for layout, rows in columns.values():
        for check_id, column in zip(layout.ids, zip(*rows, strict=True), strict=False):
            counts = into[check_id]
            for status, n in Counter(map(STATUS_OF, column)).items():
                counts[status] += n
