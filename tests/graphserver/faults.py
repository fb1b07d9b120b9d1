"""Fault injection: break the nth request that matches a path prefix.

``server.faults.add("/users", 429, after=2)`` lets two matching requests through and answers the
third with 429 and ``Retry-After: 1``. Kinds:

* an HTTP status (``429``, ``503``, ``504``, any other 4xx/5xx): Graph's error document; 429
  and 503 carry ``Retry-After`` (``seconds``, default 1) unless ``retry_after=False``: Microsoft's
  "throttling guidance" promises the header on 429 only, and a 503 or 504 from a gateway often
  has none. The request itself is not carried out.
* ``"drop"``: the request is carried out (a PATCH is applied), then the response's headers and
  half its body are sent and the connection closes.
* ``"slow"``: the request is carried out and its response held back ``seconds`` (default 1.0).

A prefix matches the path with or without the ``/v1.0`` (or ``/beta``) segment (``"/users"`` and
``"/v1.0/users"`` are the same), and also identity paths such as ``"/{tenant}/oauth2"``. Status
faults also match the requests inside a ``$batch`` (by each item's ``url``), which then get a
per-item error response; ``drop`` and ``slow`` only match whole HTTP requests.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Fault:
    path_prefix: str
    kind: int | str
    count: int | None = 1
    after: int = 0
    seconds: float | None = None
    method: str | None = None
    retry_after: bool = True
    seen: int = 0
    fired: int = 0
    targets: list[str] = field(default_factory=list)

    @property
    def status(self) -> int | None:
        return self.kind if isinstance(self.kind, int) else None

    def retry_after_seconds(self) -> int | None:
        """The Retry-After this fault's answer carries, if any."""
        if self.status not in (429, 503) or not self.retry_after:
            return None
        return int(self.seconds) if self.seconds is not None else 1

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        version = next((v for v in ("/v1.0", "/beta") if path.startswith(v + "/")), "")
        relative = path[len(version):]
        return path.startswith(self.path_prefix) or relative.startswith(self.path_prefix)


class Faults:
    """The queue of injected faults, consulted for every request in arrival order."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        path_prefix: str,
        kind: int | str,
        count: int | None = 1,
        after: int = 0,
        *,
        seconds: float | None = None,
        method: str | None = None,
        retry_after: bool = True,
    ) -> Fault:
        """Fault ``count`` matching requests (``None``: all) after letting ``after`` through."""
        if isinstance(kind, str) and kind.isdigit():
            kind = int(kind)
        if isinstance(kind, str) and kind not in ("drop", "slow"):
            raise ValueError(f"unknown fault kind {kind!r}")
        if isinstance(kind, int) and not 400 <= kind <= 599:
            raise ValueError(f"fault status must be 4xx or 5xx, not {kind}")
        fault = Fault(path_prefix, kind, count, after, seconds, method, retry_after)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __iter__(self):
        return iter(list(self._faults))

    def __len__(self) -> int:
        return len(self._faults)

    def take(self, method: str, path: str, *, statuses_only: bool = False) -> Fault | None:
        """The fault that fires for this request, if any (counting it as seen by the others)."""
        chosen: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not fault.matches(method, path):
                    continue
                if statuses_only and fault.status is None:
                    continue
                fault.seen += 1
                if chosen is None and fault.seen > fault.after:
                    fault.fired += 1
                    fault.targets.append(path)
                    chosen = fault
        return chosen


PAGING_KINDS = ("loop", "back", "repeat", "empty", "short")


@dataclass
class PagingFault:
    """A paging defect on page ``page`` (1-based) of a collection whose path ends with ``path``.

    * ``loop``: the page's nextLink is the page's own URL;
    * ``back``: the page's nextLink is the first page's URL (an earlier page);
    * ``repeat``: the page also holds the previous page's last object (an id seen before);
    * ``empty``: an empty page with a nextLink is served before the page;
    * ``short``: the page has no nextLink, so the read ends early.
    """

    kind: str
    path: str = "/users"
    page: int = 2

    def matches(self, path: str) -> bool:
        return path.lower().rstrip("/").endswith(self.path.lower().rstrip("/"))


class PagingFaults:
    """``server.paging.add("loop", "/users", page=3)``: defects of the pages Graph returns."""

    def __init__(self) -> None:
        self._faults: list[PagingFault] = []

    def add(self, kind: str, path: str = "/users", page: int = 2) -> PagingFault:
        if kind not in PAGING_KINDS:
            raise ValueError(f"unknown paging fault {kind!r}")
        if page < 1 or (kind in ("repeat", "back") and page < 2):
            raise ValueError(f"a {kind} fault needs a page after the first")
        fault = PagingFault(kind, path, page)
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        self._faults.clear()

    def for_path(self, path: str) -> list[PagingFault]:
        return [f for f in self._faults if f.matches(path)]

    def __len__(self) -> int:
        return len(self._faults)
