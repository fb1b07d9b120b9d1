"""Fault injection: break the nth request that matches a path prefix.

``server.faults.add("/users", 429, after=2)`` lets two matching requests through and answers the
third with 429 and ``Retry-After: 1``. Kinds:

* an HTTP status (``429``, ``503``, ``504``, any other 4xx/5xx): Graph's error document; 429
  and 503 carry ``Retry-After`` (``seconds``, default 1). The request itself is not carried out.
* ``"drop"``: the request is carried out (a PATCH is applied), then the response's headers and
  half its body are sent and the connection closes.
* ``"slow"``: the request is carried out and its response held back ``seconds`` (default 1.0).

A prefix matches the path with or without the ``/v1.0`` segment (``"/users"`` and
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
    seen: int = 0
    fired: int = 0
    targets: list[str] = field(default_factory=list)

    @property
    def status(self) -> int | None:
        return self.kind if isinstance(self.kind, int) else None

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        relative = path[len("/v1.0"):] if path.startswith("/v1.0/") else path
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
    ) -> Fault:
        """Fault ``count`` matching requests (``None``: all) after letting ``after`` through."""
        if isinstance(kind, str) and kind.isdigit():
            kind = int(kind)
        if isinstance(kind, str) and kind not in ("drop", "slow"):
            raise ValueError(f"unknown fault kind {kind!r}")
        if isinstance(kind, int) and not 400 <= kind <= 599:
            raise ValueError(f"fault status must be 4xx or 5xx, not {kind}")
        fault = Fault(path_prefix, kind, count, after, seconds, method)
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
