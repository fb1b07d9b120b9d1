"""A saved fix plan (`fix --out plan.json`): what a change board approves and `fix --apply PLAN` writes.

The file holds every change exactly as the writers take it (its object, the values it removes and
adds — which are its precondition — its safety and the check it fixes), what the plan was made
against (tenant, AD domain and DC, no secrets), when and by which version, the users the plan leaves
blocked and why, and a SHA-256 digest of all of it. The digest is not a signature (anyone who can
edit the file can recompute it); it makes an edit after approval visible: the ticket shows the
digest, `--apply` prints it and refuses a file whose content no longer matches it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .atomic import atomic_write
from .errors import ConfigError, SourceError
from .journal import change_from_json
from .jsonio import loads
from .plan import Change, Manual, Plan, show_values
from .planfile_targets import domain_of
from .vocab import FAILING, Operation, Severity, SubjectKind, Target

SCHEMA = "syncready/plan/1"
DEFAULT_MAX_AGE = "24h"
MAX_PLAN_BYTES = 256 * 1024 * 1024
CLOCK_SKEW = dt.timedelta(minutes=5)       # a plan "from the future" by more than this is refused
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_CHANGE_EXTRAS = ("before", "after", "precondition", "fixes")


@dataclass
class Blocked:
    """A subject the plan touches that stays blocked after it: the blocker checks it does not clear."""

    subject: str
    id: str
    reasons: list[dict[str, str]] = field(default_factory=list)   # check, status, message, why


@dataclass
class SavedPlan:
    changes: list[Change]
    planned_against: dict[str, Any]       # tenant_id, cloud, onprem (source labels), domains
    created: str
    tool: str = __version__
    options: dict[str, Any] = field(default_factory=dict)
    manual: list[Manual] = field(default_factory=list)
    not_planned: list[Manual] = field(default_factory=list)
    still_blocked: list[Blocked] = field(default_factory=list)
    blocked_elsewhere: int = 0            # blocked cloud users the plan does not touch at all
    notes: list[str] = field(default_factory=list)
    fixes: dict[str, list[str]] = field(default_factory=dict)   # change id → the checks it clears

    def __post_init__(self) -> None:
        # One list per change id: two changes that write the same thing (the same id) clear the checks
        # of both, so the file says the same of each and reads back as it was saved.
        merged: dict[str, list[str]] = {}
        for change in self.changes:
            known = merged.setdefault(change.id, [])
            for check_id in self.fixes.get(change.id) or [change.check]:
                if check_id not in known:
                    known.append(check_id)
        self.fixes = merged

    @property
    def tenant_id(self) -> str | None:
        return self.planned_against.get("tenant_id")

    @property
    def domains(self) -> list[str]:
        return list(self.planned_against.get("domains") or [])

    def content(self) -> dict[str, Any]:
        """Everything but the digest, in the file's shape."""
        return {
            "schema": SCHEMA, "created": self.created, "tool": {"version": self.tool},
            "planned_against": self.planned_against, "options": self.options,
            "changes": [change_entry(c, self.fixes.get(c.id)) for c in self.changes],
            "manual": [_manual(m) for m in self.manual], "not_planned": [_manual(m) for m in self.not_planned],
            "still_blocked": [{"subject": b.subject, "id": b.id, "reasons": b.reasons} for b in self.still_blocked],
            "blocked_elsewhere": self.blocked_elsewhere, "notes": self.notes,
        }

    @property
    def digest(self) -> str:
        return digest_of(self.content())

    def to_json(self) -> dict[str, Any]:
        return {**self.content(), "digest": self.digest}

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        return (now or dt.datetime.now(dt.UTC)) - dt.datetime.fromisoformat(self.created)


def digest_of(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def change_entry(change: Change, fixes: list[str] | None = None) -> dict[str, Any]:
    """A change as the plan file holds it: the writers' form plus what a reviewer reads."""
    return {**change.to_json(), "before": show_values(change.remove), "after": show_values(change.add),
            "precondition": precondition(change), "fixes": list(fixes or [change.check])}


def precondition(change: Change) -> str:
    """What must still hold when the change is applied; otherwise it is a conflict and is not written."""
    if change.op == Operation.CREATE:
        return f"no object exists at {change.object}"
    if change.op == Operation.DELETE:
        return f"{change.object} is the object the fix created"
    where = "cloud" if change.target == Target.CLOUD else "AD"
    if change.op == Operation.PATCH:
        return f"{where} {change.attribute} is still {show_values(change.remove) or '(empty)'}"
    parts = ([f"still holds {show_values(change.remove)}"] if change.remove else []) + \
        ([f"does not yet hold {show_values(change.add)}"] if change.add else [])
    return f"{where} {change.attribute} " + " and ".join(parts)


def _manual(item: Manual) -> dict[str, str]:
    return {"check": item.check, "subject": item.subject, "message": item.message, "guidance": item.guidance}


# --- building ----------------------------------------------------------------------------------

def from_run(run: Any, plan: Plan, select: list[str], users: tuple[str, ...] = (), unsafe: bool = False,
             now: dt.datetime | None = None) -> SavedPlan:
    """The saved form of a plan built from `run` (which holds every check's results, so what stays
    blocked is known): the changes are the plan's own objects, nothing is re-planned."""
    directory = run.directory
    onprem_domains = {domain_of(c.object) for c in plan.changes if c.target == Target.ONPREM}
    if not onprem_domains:
        onprem_domains = {domain_of(o.dn) for o in directory.onprem if getattr(o, "dn", None)}
    against = {"tenant_id": directory.tenant_id, "cloud": directory.sources.get("cloud"),
               "onprem": directory.sources.get("onprem"), "domains": sorted(d for d in onprem_domains if d)}
    blocked, elsewhere, fixes = still_blocked(run, plan, select)
    created = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    return SavedPlan(list(plan.changes), against, created,
                     options={"select": list(select), "users": list(users), "unsafe": unsafe},
                     manual=list(plan.manual), not_planned=list(plan.refused), still_blocked=blocked,
                     blocked_elsewhere=elsewhere, notes=list(plan.notes), fixes=fixes)


def still_blocked(run: Any, plan: Plan, select: list[str]) -> tuple[list[Blocked], int, dict[str, list[str]]]:
    """Subjects the plan touches whose blocker failures it does not clear, with why; how many blocked
    cloud users it leaves untouched; and per change id the checks it clears.

    A selected check is cleared when the plan changes it for the subject, or when its fixer planned
    nothing and refused nothing (the changes of an earlier fixer on the same object already fix it:
    mail-primary-smtp's new primary address is also what proxy-superset wanted); the fix properties
    hold fixers to that. A manual step, a refusal or an unselected check leaves it failing."""
    planned = {(c.subject, c.check) for c in plan.changes}
    why: dict[tuple[str, str], str] = {}
    for item in plan.manual:
        why[(item.subject, item.check)] = f"manual: {item.guidance}"
    for item in plan.refused:
        why[(item.subject, item.check)] = f"not planned: {item.guidance}"
    changed = {c.subject for c in plan.changes}
    touched = changed | {m.subject for m in [*plan.manual, *plan.refused]}
    fixes = {c.id: [c.check] for c in plan.changes}
    out: list[Blocked] = []
    elsewhere = 0
    for subject in run.subjects:
        failing = {cid: r for cid, r in subject.results.items()
                   if r.status in FAILING and run.severity.get(cid) == Severity.BLOCKER}
        if subject.name not in touched:
            elsewhere += bool(failing) and subject.kind == SubjectKind.CLOUD_USER
            continue
        reasons = []
        for cid, result in failing.items():
            key = (subject.name, cid)
            if key in why or cid not in select:
                reasons.append({"check": cid, "status": str(result.status), "message": result.message or "",
                                "why": why.get(key, "not selected: fix it with its own --select or by hand")})
            elif key not in planned and subject.name in changed:
                for change in plan.changes:
                    if change.subject == subject.name:
                        fixes[change.id].append(cid)
        if reasons:
            out.append(Blocked(subject.name, subject.id, reasons))
    return out, elsewhere, fixes


def save(saved: SavedPlan, path: str | os.PathLike[str]) -> None:
    with atomic_write(path) as fp:
        json.dump(saved.to_json(), fp, ensure_ascii=False, indent=1, default=str)
        fp.write("\n")


# --- loading -----------------------------------------------------------------------------------

def load(path: str | os.PathLike[str]) -> SavedPlan:
    """A saved plan, refused (SourceError, one line) when malformed or modified since it was saved."""
    name = f"plan {path}"
    try:
        with open(path, "rb") as fp:
            data = fp.read(MAX_PLAN_BYTES + 1)
    except FileNotFoundError:
        raise SourceError(f"{name} does not exist") from None
    except OSError as exc:
        raise SourceError(f"{name} cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_PLAN_BYTES:
        raise SourceError(f"{name} is larger than {MAX_PLAN_BYTES // 2**20} MiB; not a syncready plan")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name} is not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})") from None
    record = loads(text, name)
    try:
        saved = _parse(record)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SourceError(f"{name}: malformed plan ({type(exc).__name__}: {exc})") from None
    recorded = record.get("digest")
    content = {k: v for k, v in record.items() if k != "digest"}
    if recorded != digest_of(content) or saved.content() != json.loads(json.dumps(content)):
        raise SourceError(f"{name} was modified after it was saved (its digest {_short(recorded)} does not match "
                          "its content); make and approve the plan again")
    return saved


def _parse(record: object) -> SavedPlan:
    if not isinstance(record, dict):
        raise TypeError("the plan is not a JSON object")
    if record.get("schema") != SCHEMA:
        raise ValueError(f"schema is {_short(record.get('schema'))}, expected {SCHEMA}")
    created = _text(record, "created")
    moment = dt.datetime.fromisoformat(created)
    if moment.tzinfo is None:
        raise ValueError("created has no time zone")
    tool = record.get("tool")
    if not isinstance(tool, dict) or not isinstance(tool.get("version"), str):
        raise TypeError("tool.version is not a text")
    against = _object(record, "planned_against")
    for key in ("tenant_id", "cloud", "onprem"):
        if against.get(key) is not None and not isinstance(against[key], str):
            raise TypeError(f"planned_against.{key} is not a text")
    if not _texts(against.get("domains", [])):
        raise TypeError("planned_against.domains is not a list of texts")
    entries = _list(record, "changes")
    changes = [_change(entry, number) for number, entry in enumerate(entries, 1)]
    fixes: dict[str, list[str]] = {}
    for change, entry in zip(changes, entries, strict=True):
        fixes.setdefault(change.id, []).extend(c for c in _fixes(entry) if c not in fixes.get(change.id, ()))
    blocked = [_blocked(item) for item in _list(record, "still_blocked")]
    elsewhere = record.get("blocked_elsewhere", 0)
    if type(elsewhere) is not int:
        raise TypeError("blocked_elsewhere is not a whole number")
    notes = record.get("notes", [])
    if not _texts(notes):
        raise TypeError("notes is not a list of texts")
    return SavedPlan(changes, against, created, tool["version"], _object(record, "options"),
                     [_manual_from(m) for m in _list(record, "manual")],
                     [_manual_from(m) for m in _list(record, "not_planned")], blocked, elsewhere, list(notes),
                     fixes)


def _fixes(entry: dict) -> list[str]:
    value = entry.get("fixes", [])
    if not _texts(value):
        raise TypeError("a change's fixes is not a list of check ids")
    return list(value)


def _change(entry: object, number: int) -> Change:
    if not isinstance(entry, dict):
        raise TypeError(f"change {number} is not an object")
    return change_from_json({k: v for k, v in entry.items() if k not in _CHANGE_EXTRAS})


def _manual_from(item: object) -> Manual:
    if not isinstance(item, dict) or not all(isinstance(item.get(k), str)
                                             for k in ("check", "subject", "message", "guidance")):
        raise TypeError("a manual or not-planned step is not {check, subject, message, guidance} texts")
    return Manual(item["check"], item["subject"], item["message"], item["guidance"])


def _blocked(item: object) -> Blocked:
    if not isinstance(item, dict) or not isinstance(item.get("subject"), str) or not isinstance(item.get("id"), str):
        raise TypeError("a still_blocked entry is not {subject, id, reasons}")
    reasons = item.get("reasons")
    if not isinstance(reasons, list) or not all(isinstance(r, dict) and all(isinstance(v, str) for v in r.values())
                                                for r in reasons):
        raise TypeError("still_blocked reasons is not a list of objects of texts")
    return Blocked(item["subject"], item["id"], reasons)


def _text(record: dict, key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise TypeError(f"{key} is {_short(value)}, expected a text")
    return value


def _object(record: dict, key: str) -> dict:
    value = record.get(key, {})
    if not isinstance(value, dict):
        raise TypeError(f"{key} is not an object")
    return value


def _list(record: dict, key: str) -> list:
    value = record.get(key, [])
    if not isinstance(value, list):
        raise TypeError(f"{key} is not a list")
    return value


def _texts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True, default=str)
    return text if len(text) <= 40 else text[:40] + "…"


# --- age ---------------------------------------------------------------------------------------

def parse_age(text: str, where: str = "--max-age") -> dt.timedelta:
    """'24h', '90m', '2d', '3600s' as a duration; anything else is a ConfigError naming `where`."""
    match = _AGE.match(text) if isinstance(text, str) else None
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"{where} {text!r} is not a positive duration such as 24h, 90m, 2d or 3600s")
    return dt.timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def check_age(saved: SavedPlan, path: str, max_age: dt.timedelta, shown: str,
              now: dt.datetime | None = None) -> None:
    """Refuses a plan older than `max_age` (the directories have moved on) or dated in the future."""
    age = saved.age(now)
    if age < -CLOCK_SKEW:
        raise ConfigError(f"plan {path} is dated {saved.created}, in the future; check this machine's clock "
                          "and make the plan again")
    if age > max_age:
        hours = age.total_seconds() / 3600
        raise ConfigError(f"plan {path} was made {hours:.1f} h ago ({saved.created}), more than the maximum age "
                          f"{shown} (--max-age, [fix] plan_max_age); make and approve a fresh plan")
