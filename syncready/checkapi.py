"""What a check module declares and returns.

A check is a plain function named `check` in `checks/<id with underscores>.py`. Its parameters are
fixtures, requested by name as in pytest: `cloud_user`, `onprem_user`, `tenant`, `counterpart`,
`index`, `config`. Beside it, `META` says what the check is. The engine and the pytest front end
both call the function the same way, so their outcomes cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from .vocab import FixAvailability, Safety, Severity, Status, SubjectKind, values

# the SPEC strings, kept under the names other modules import
SEVERITIES = values(Severity)
SUBJECT_KINDS = values(SubjectKind)
FIX_AVAILABILITY = values(FixAvailability)
STATUSES = values(Status)


@dataclass(frozen=True)
class Reference:
    title: str
    url: str


@dataclass(frozen=True)
class CheckMeta:
    """What a check is. Its `fix` is the one declaration of what its fixer offers (a fixer module does
    not restate it), and `safety` the default safety of that fixer's changes (a change may say its own)."""

    id: str
    title: str
    severity: Severity
    subject: SubjectKind
    fix: FixAvailability
    description: str
    why: str
    how_to_fix: str
    references: tuple[Reference, ...] = ()
    safety: Safety | None = None       # default safety of the fixer's changes, for fixable checks
    needs_counterpart: bool = False    # skipped unless exactly one on-prem user has the UPN
    order: int = 100                   # position in listings (SPEC §4 table order)
    inputs: tuple[str, ...] = ()       # collections (and `collection.property`) it reads (SPEC §8)

    def __post_init__(self) -> None:
        for name, enum in (("severity", Severity), ("subject", SubjectKind), ("fix", FixAvailability),
                           ("safety", Safety)):
            value = getattr(self, name)
            if value is None and name == "safety":
                continue
            try:
                object.__setattr__(self, name, enum(value))
            except ValueError:
                raise ValueError(f"{self.id}: {name} {value!r}") from None


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one check for one subject; immutable once made (a waiver or a baseline mark
    makes a new one with `dataclasses.replace`), so no later step can change what a check said.
    What a fixer would do is kept beside the results, in `Run.previews`."""

    status: Status
    message: str | None = None
    evidence: dict | None = None
    waiver: dict | None = None
    baseline: str | None = None

    def to_json(self) -> dict:
        out: dict = {"status": self.status}
        if self.message is not None:
            out["message"] = self.message
        if self.evidence:
            out["evidence"] = self.evidence
        if self.waiver:
            out["waiver"] = self.waiver
        if self.baseline:
            out["baseline"] = self.baseline
        return out


PASS = Result(Status.PASS)
STATUS_OF = attrgetter("status")     # a Result's status, as a C-level function for map()


def passed(message: str | None = None, **evidence) -> Result:
    if message is None and not evidence:
        return PASS
    return Result(Status.PASS, message, evidence or None)


def failed(message: str, **evidence) -> Result:
    return Result(Status.FAIL, message, evidence)


def skipped(reason: str, **evidence) -> Result:
    return Result(Status.SKIP, reason, evidence or None)
