"""The fixer API: what a module `fixers/<check id with underscores>.py` may define and what it is given.

What a check's fixer offers is declared once, in the check's META: `fix="always"` or `"sometimes"`
means the module defines `plan`; `fix="manual"` means it may define `guidance` (else the plan shows
META.how_to_fix). A fixer module does not restate it (a stray `AVAILABILITY`, or `SAFETY`, is
accepted only when it equals META, else loading the fixer fails).

The functions, all called with the subject, its result and the FixContext:

- `plan(subject, result, ctx) -> list[Change]` — the changes that clear the failure. Read current
  values through `ctx.values(obj, attribute, current)`: it sees the changes already planned by the
  fixers before this one, so two fixers touching one attribute chain instead of colliding.
- `guidance(subject, result, ctx) -> str` — for manual checks: what the administrator has to do.
- `wants(subject, result, ctx) -> bool` — optional: also plan for a *passing* result (stamping).
- `unread_guidance(subject, result, ctx) -> str` — optional: how to look meanwhile when the check's
  inputs were not read (the plan then refuses with "read what is missing").

Safety is per change, as a linter's fixes are: `Change.safety` is `Safety.SAFE` or `Safety.UNSAFE`;
a change that does not say (None) takes META.safety. Without `--unsafe` the plan keeps a fixer's safe
changes and lists its unsafe ones as not planned; with `--unsafe` it keeps all of them.

Refusing, the one place this is decided:

- **Full refusal** — `raise NotFixable(reason)`: nothing of this failure is planned (changes the
  fixer built before raising are dropped) and the plan lists the reason as "not planned". Use it
  when a partial fix would be wrong or pointless (it would leave the check failing for the same
  cause, or do harm).
- **Partial refusal** — `ctx.refuse(reason)` and return the changes that can be planned: the plan
  keeps those and lists the reason beside them (e.g. proxy-superset adds the addresses nobody else
  holds and names the ones it leaves out).
- Any other exception is a bug in the fixer: `fix` lists the subject as not planned with the
  error, and `check`'s preview notes it; neither crashes.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .addresses import split_proxy
from .checkapi import CheckMeta, Result
from .engine import Run, Subject
from .plan import Change
from .vocab import FixAvailability, Operation, Safety, Target
from .writers.base import value_key

# everything a fixer module needs, from one import
__all__ = ["Change", "CheckFunction", "FixContext", "Fixer", "GuidanceFunction", "NotFixable", "Operation",
           "PlanFunction", "Result", "Safety", "Subject", "Target", "WantsFunction", "fixer_from_module"]

CheckFunction = Callable[..., Result]
"""`check(...)` in checks/<id>.py: fixtures requested by name (see checkapi), one Result back."""


class NotFixable(Exception):
    """This failure cannot be fixed automatically; the message says why and what to do instead."""


@dataclass
class FixContext:
    """What a fixer is given beside the subject and result: the run, the options, the overlay."""

    run: Run
    unsafe: bool = False
    options: dict = field(default_factory=dict)      # [fix] table of syncready.toml
    stamping: bool = True                            # plan fixes for passing results that want one
    _overlay: dict = field(default_factory=dict)
    _refusals: list = field(default_factory=list)
    _by_dn: dict | None = None
    _added: dict = field(default_factory=dict)       # SMTP address → objects planned changes give it

    def refuse(self, reason: str) -> None:
        """Part of a failure cannot be fixed: the fixer plans the rest and the plan shows this reason."""
        self._refusals.append(reason)

    @property
    def index(self) -> Any:
        return self.run.index

    def onprem_by_dn(self) -> dict[str, Any]:
        """The AD objects read, by DN as a change names them (made once, when a fixer's change asks)."""
        table = self._by_dn
        if table is None:
            table = self._by_dn = {o.dn: o for o in self.run.directory.onprem}
        return table

    def values(self, obj: Any, attribute: str, current: Any) -> list:
        """The attribute's values once the changes planned so far are applied."""
        key = (getattr(obj, "dn", None) or obj.id, attribute.lower())
        if key not in self._overlay:
            if current is None:
                current = []
            elif isinstance(current, (str, bytes, int)):
                current = [current]
            self._overlay[key] = list(current)
        return list(self._overlay[key])

    def planned_holders(self, address: str, besides: str) -> list[str]:
        """The objects (DN or id) other than `besides` that changes planned so far give this SMTP
        address: a second subject's fix must not add it again (the Index knows only what was read)."""
        return sorted(self._added.get(address.strip().lower(), set()) - {besides})

    def record(self, change: Change) -> None:
        attribute = change.attribute.lower()
        if attribute in ("proxyaddresses", "mail"):
            for value in change.add:
                if isinstance(value, str):
                    prefix, address = split_proxy(value)
                    if address and (prefix.lower() == "smtp" or address == value):    # SMTP, or mail
                        self._added.setdefault(address.strip().lower(), set()).add(change.object)
        key = (change.object, change.attribute.lower())
        if key not in self._overlay:
            return
        values = self._overlay[key]
        for value in change.remove:
            keys = [value_key(change.attribute, v) for v in values]
            wanted = value_key(change.attribute, value)
            if wanted in keys:
                values.pop(keys.index(wanted))
        values.extend(v for v in change.add if v is not None)


class PlanFunction(Protocol):
    def __call__(self, subject: Subject, result: Result, ctx: FixContext, /) -> list[Change]: ...


class GuidanceFunction(Protocol):
    def __call__(self, subject: Subject, result: Result, ctx: FixContext, /) -> str: ...


class WantsFunction(Protocol):
    def __call__(self, subject: Subject, result: Result, ctx: FixContext, /) -> bool: ...


@dataclass(frozen=True)
class Fixer:
    """A fixer module as the plan uses it: its functions, with availability and default safety from META."""

    check: str
    availability: FixAvailability
    safety: Safety
    plan: PlanFunction | None = None
    guidance: GuidanceFunction | None = None
    wants: WantsFunction | None = None
    unread_guidance: GuidanceFunction | None = None

    @property
    def manual(self) -> bool:
        return self.availability == FixAvailability.MANUAL or self.plan is None


def fixer_from_module(meta: CheckMeta, module: Any) -> Fixer:
    """The fixer of a check from its module (None: no fixer, the plan shows META.how_to_fix).

    Raises RuntimeError when the module contradicts META: a stray AVAILABILITY or SAFETY that differs,
    or a fixable check whose fixer has no `plan`."""
    availability, safety = meta.fix, meta.safety or Safety.SAFE
    if module is None:
        return Fixer(meta.id, availability, safety)
    where = f"fixers/{module.__name__.rpartition('.')[2]}.py"
    for name, declared in (("AVAILABILITY", meta.fix), ("SAFETY", meta.safety)):
        stray = getattr(module, name, None)
        if stray is not None and stray != declared:
            raise RuntimeError(f"{where} sets {name} = {stray!r} but META of {meta.id} says {str(declared)!r}; "
                               f"declare it once, in META")
    plan = getattr(module, "plan", None)
    if availability != FixAvailability.MANUAL and not callable(plan):
        raise RuntimeError(f"{where}: {meta.id} is fixable ({availability}) but its fixer defines no plan()")
    return Fixer(meta.id, availability, safety,
                 plan=plan if availability != FixAvailability.MANUAL else None,
                 guidance=getattr(module, "guidance", None), wants=getattr(module, "wants", None),
                 unread_guidance=getattr(module, "unread_guidance", None))
