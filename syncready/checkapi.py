"""What a check module declares and returns.

A check is a plain function named `check` in `checks/<id with underscores>.py`. Its parameters are
fixtures, requested by name as in pytest: `cloud_user`, `onprem_user`, `tenant`, `counterpart`,
`index`, `config`. Beside it, `META` says what the check is. The engine and the pytest front end
both call the function the same way, so their outcomes cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("blocker", "warning")
SUBJECT_KINDS = ("cloud-user", "onprem-user", "tenant")
FIX_AVAILABILITY = ("always", "sometimes", "manual")
STATUSES = ("pass", "fail", "skip", "error", "waived")


@dataclass(frozen=True)
class Reference:
    title: str
    url: str


@dataclass(frozen=True)
class CheckMeta:
    id: str
    title: str
    severity: str
    subject: str
    fix: str
    description: str
    why: str
    how_to_fix: str
    references: tuple[Reference, ...] = ()
    safety: str | None = None          # "safe" | "unsafe" for fixable checks
    needs_counterpart: bool = False    # skipped unless exactly one on-prem user has the UPN
    order: int = 100                   # position in listings (SPEC §4 table order)
    inputs: tuple[str, ...] = ()       # collections (and `collection.property`) it reads (SPEC §8)

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.id}: severity {self.severity!r}")
        if self.subject not in SUBJECT_KINDS:
            raise ValueError(f"{self.id}: subject {self.subject!r}")
        if self.fix not in FIX_AVAILABILITY:
            raise ValueError(f"{self.id}: fix {self.fix!r}")


@dataclass(slots=True)
class Result:
    """The outcome of one check for one subject."""

    status: str
    message: str | None = None
    evidence: dict | None = None
    waiver: dict | None = None
    baseline: str | None = None
    extra: dict = field(default_factory=dict)

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
        out.update(self.extra)
        return out


PASS = Result("pass")


def passed(message: str | None = None, **evidence) -> Result:
    if message is None and not evidence:
        return PASS
    return Result("pass", message, evidence or None)


def failed(message: str, **evidence) -> Result:
    return Result("fail", message, evidence)


def skipped(reason: str, **evidence) -> Result:
    return Result("skip", reason, evidence or None)
