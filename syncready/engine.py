"""The engine: every selected check over every subject in scope, one result each.

The directories are indexed once (syncready.index); each check is then a handful of dict lookups
per subject, so 100k users × 15 checks stay within seconds. The pytest front end calls
`Engine.evaluate` too, so both give the same outcome for the same input.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import itemgetter
from typing import Any

from .checkapi import STATUS_OF, Result, skipped
from .config import Config
from .coverage import Collection, CoverageStatus
from .gcpause import collector_paused
from .immutableid import guid_bytes_to_string
from .index import Index
from .matching import pairing, unpaired
from .model import Directory, OnPremObject
from .registry import Check, get_check, select_checks
from .subjectresults import Layout, Results, tally
from .summary import is_unread, run_people
from .vocab import FAILING, Readiness, Severity, Status, SubjectKind, gates

# FAILING and gates are defined in vocab; `from syncready.engine import FAILING, gates` keeps working

SYNCED = skipped("already synchronized")
NO_RESULT = Result(Status.ERROR, "the check returned no result")
GROUP_CLASSES = ("group", "contact")   # SubjectKind.ONPREM_GROUP: AD groups and contacts
_FIXTURE = {kind: kind.replace("-", "_") for kind in SubjectKind}   # the fixture a subject's object is


@dataclass(slots=True)
class Subject:
    name: str                   # UPN, DN (AD users, groups and contacts) or "tenant"
    id: str                     # Graph object id, objectGUID string or tenant id
    kind: SubjectKind
    obj: Any                    # CloudUser, OnPremObject (user, group or contact) or Directory, by kind
    counterpart: Any = None     # the one OnPremObject with a cloud user's UPN, else None
    counterparts: tuple = ()
    paired: Any = None          # the AD user sync will join to this cloud user (matching.pairing), else None
    pairing: Any = None         # matching.Pairing, made when a selected check asks for `paired`
    results: MutableMapping[str, Result] = field(default_factory=Results)
    readiness: Readiness = Readiness.READY
    synced: bool = False


@dataclass
class Run:
    directory: Directory
    config: Config
    index: Index
    checks: list[Check]
    severity: dict[str, str]
    subjects: list[Subject]
    out_of_scope: dict[str, int]
    waiver_use: dict[int, int]
    today: dt.date
    baseline: dict | None = None
    previews: dict[tuple[str, str], dict] = field(default_factory=dict)
    """What each failing result's fixer would do, by (subject name, check id); see fixing.attach_previews."""

    def summary(self) -> dict:
        counts: dict[str, Any] = {"ready": 0, "at_risk": 0, "blocked": 0, "already_synchronized": 0}
        by_check = {c.id: {s.value: 0 for s in Status} for c in self.checks}
        for subject in self.subjects:
            if subject.synced:
                counts["already_synchronized"] += 1
            else:
                counts[subject.readiness.replace("-", "_")] += 1
        tally((subject.results for subject in self.subjects), by_check)
        counts["by_check"] = by_check
        counts["out_of_scope"] = dict(self.out_of_scope)
        counts.update(run_people(self, by_check))   # people, not subjects (SPEC §9)
        return counts

    def exit_code(self, fail_on: str) -> int:
        """1 when a failing result's check gates `fail_on`. A ready subject has none (Engine.run makes
        every subject with a failing result at-risk or blocked), so only the others are looked through."""
        for subject in self.subjects:
            if subject.readiness == Readiness.READY:
                continue
            for check_id, result in subject.results.items():
                if result.status in FAILING and gates(self.severity[check_id], fail_on):
                    return 1
        return 0


class Engine:
    def __init__(self, directory: Directory, config: Config | None = None, select=None, ignore=None,
                 today: dt.date | None = None):
        self.directory = directory
        self.config = config or Config()
        _settle_coverage(directory, self.config)
        with collector_paused():
            self.index = Index(directory, self.config)
        self.checks = select_checks(list(self.config.select) if select is None else select,
                                    list(self.config.ignore) if ignore is None else ignore)
        for check_id in list(self.config.severity) + [w.check for w in self.config.waivers if w.check != "*"]:
            get_check(check_id)
        self.severity = {c.id: self.config.severity.get(c.id, c.meta.severity) for c in self.checks}
        self.today = today or dt.date.today()
        self.waivers = [w for w in self.config.waivers if not w.expired(self.today)]
        self.waiver_use: dict[int, int] = {}
        self._bound: dict[str, tuple] = {}

    # subjects -------------------------------------------------------------------------------
    def subjects(self, users=None) -> tuple[list[Subject], dict[str, int]]:
        """Every subject in scope (SPEC §3), optionally only the given UPNs or DNs (the collector
        paused, as for the index: the subjects and the matching's predictions hold no cycles)."""
        with collector_paused():
            return self._subjects(users)

    def _subjects(self, users) -> tuple[list[Subject], dict[str, int]]:
        wanted = {u.lower() for u in users} if users else None
        subjects: list[Subject] = []
        out_of_scope: dict[str, int] = {}
        index = self.index
        kinds = {c.meta.subject for c in self.checks}
        pair = any("paired" in c.params for c in self.checks)
        if SubjectKind.TENANT in kinds and wanted is None:
            subjects.append(Subject("tenant", self.directory.tenant_id, SubjectKind.TENANT, self.directory))
        if SubjectKind.CLOUD_USER in kinds:
            for user in self.directory.cloud_users:
                if wanted is not None and user.upn.lower() not in wanted:
                    continue
                reason = index.cloud_scope_reason(user)
                if reason:
                    out_of_scope[reason] = out_of_scope.get(reason, 0) + 1
                    continue
                found = index.counterpart_tuple(user)
                paired = pairing(user, index) if pair else None
                subjects.append(Subject(user.upn, user.id, SubjectKind.CLOUD_USER, user,
                                        found[0] if len(found) == 1 else None, found,
                                        paired.onprem if paired is not None else None, paired,
                                        synced=bool(user.sync_enabled)))
        for kind, objects in ((SubjectKind.ONPREM_USER, index.onprem_subjects),
                              (SubjectKind.ONPREM_GROUP, self._onprem_groups)):
            if kind not in kinds:
                continue
            for obj in objects():
                if wanted is not None and (obj.upn or "").lower() not in wanted and obj.dn.lower() not in wanted:
                    continue
                guid = guid_bytes_to_string(obj.object_guid) if obj.object_guid else ""
                subjects.append(Subject(obj.dn, guid, kind, obj))
        return subjects, out_of_scope

    def _onprem_groups(self) -> list[OnPremObject]:
        """In-scope AD groups and contacts: the objects sync may match onto cloud groups and contacts."""
        index = self.index
        return [o for o in self.directory.onprem if o.object_class in GROUP_CLASSES and index.in_scope(o)]

    # evaluation -----------------------------------------------------------------------------
    def fixtures(self, subject: Subject) -> dict:
        fx = {"index": self.index, "config": self.config, "counterpart": subject.counterpart, "paired": subject.paired,
              "cloud_user": None, "onprem_user": None, "onprem_group": None, "tenant": None}
        fx[_FIXTURE[subject.kind]] = subject.obj
        return fx

    def evaluate(self, check: Check, subject: Subject, fixtures: dict | None = None) -> Result:
        """One check for one subject, with counterpart skips, errors and waivers applied."""
        bound = self.bind(check)
        return self._outcome(bound, subject, bound[2](fixtures or self.fixtures(subject)))

    def bind(self, check: Check) -> tuple:
        """(id, function, fixtures → arguments, needs_counterpart, unread), once per check and run.

        `unread` is what of the check's inputs (SPEC §8) was not read, decided here once, so no
        subject pays for coverage and both front ends see the same answer.
        """
        bound = self._bound.get(check.id)
        if bound is None:
            missing = self.directory.coverage.unread(self.inputs(check))
            unread = Result(Status.ERROR, "not read: " + "; ".join(missing), {"unread": missing}) if missing else None
            bound = self._bound[check.id] = _bind(check) + (unread,)
        return bound

    def inputs(self, check: Check) -> tuple[str, ...]:
        """The check's declared inputs; "drift" stands for the Graph property of every [drift] pair."""
        found: list[str] = []
        for item in check.meta.inputs:
            if item == "drift":
                found.extend(f"users.{prop.split('/', 1)[0]}" for _, prop in self.config.drift)
            else:
                found.append(item)
        return tuple(dict.fromkeys(found))

    def _outcome(self, bound, subject: Subject, arguments: tuple) -> Result:
        """The one place a check's rules are applied, by the pytest front end and by `run` for every
        subject where one applies (`_evaluate_column` maps the plain call over the other subjects)."""
        check_id, func, _, needs_counterpart, unread = bound
        if subject.synced:
            return SYNCED
        if unread is not None:
            result = unread       # one frozen Result per check and run, as identical for every subject
        elif needs_counterpart and (subject.paired if needs_counterpart == "paired" else subject.counterpart) is None:
            result = _no_counterpart(subject, needs_counterpart)
        else:
            result = _call(func, arguments)
        if self.waivers and result.status in FAILING and unread is None and not is_unread(result):
            # a waiver accepts a known failure; it never stands in for data that was not read, whether
            # the engine found the inputs unread or the check did (SPEC §8)
            result = self._waive(check_id, subject.name, result)
        return result

    def _waive(self, check_id: str, subject_name: str, result: Result) -> Result:
        for waiver in self.waivers:
            if waiver.covers(check_id, subject_name):
                self.waiver_use[id(waiver)] = self.waiver_use.get(id(waiver), 0) + 1
                expires = waiver.expires.isoformat() if waiver.expires else None
                return Result(Status.WAIVED, result.message, result.evidence,
                              waiver={"reason": waiver.reason, "expires": expires, "original_status": result.status})
        return result

    def run(self, users=None) -> Run:
        """Every check over its subjects, one check at a time: the same check's code over every subject
        in turn costs about a third less CPU than every check in turn over one subject (measured with
        bench/bench_checks.py), and each subject's results still come in the checks' order. The cyclic
        collector is paused meanwhile: at 100k users its full passes over the new subjects and results
        were about a quarter of the run."""
        with collector_paused():
            return self._run(users)

    def _run(self, users) -> Run:
        subjects, out_of_scope = self._subjects(users)
        layouts = {kind: Layout(c.id for c in self.checks if c.meta.subject == kind) for kind in SubjectKind}
        groups: dict[SubjectKind, _Group] = {}
        for subject in subjects:
            layout = layouts[subject.kind]
            if subject.synced:       # every check says "already synchronized": one shared Result
                subject.results = Results(layout, [SYNCED] * len(layout.ids))
                continue
            values = [None] * len(layout.ids)     # filled below, one position per check
            subject.results = Results(layout, values)
            group = groups.get(subject.kind)
            if group is None:
                group = groups[subject.kind] = _Group(self.index, self.config)
            group.add(subject, values)
        for check in self.checks:
            group = groups.get(check.meta.subject)
            if group is not None:
                self._evaluate_column(check, group, layouts[check.meta.subject].positions[check.id])
        return Run(self.directory, self.config, self.index, self.checks, self.severity, subjects, out_of_scope,
                   self.waiver_use, self.today)

    def _evaluate_column(self, check: Check, group: _Group, position: int) -> None:
        """One check over every subject of its kind, in the subjects' order. The common case (every
        input read, no waivers, the counterpart the check needs there) is one C-level `map` of the
        check over argument columns: a Python loop around each of 100k users × 24 checks cost more
        than most checks' own work. Any other subject goes through `_outcome`, as in pytest."""
        bound = self.bind(check)
        func, needs, unread = bound[1], bound[3], bound[4]
        blocker = self.severity[check.id] == Severity.BLOCKER
        keys = _row_keys(check)
        rest: _Group | None = group
        if unread is None and not self.waivers:
            needed = _ROW[needs] if needs else 0        # the object at 0 is never None
            chosen = group.having(needed)
            # `map` needs an argument column: a check of no fixtures is called one subject at a time
            mapped = _mapped(func, chosen.columns(keys), len(chosen.subjects)) if keys else None
            if mapped is None:
                column = [_call(func, args) for args in chosen.rows(keys)]
                mapped = column, list(map(STATUS_OF, column))
            column, statuses = mapped
            _fill(chosen, column, statuses, position, blocker)
            rest = group.lacking(needed) if needed else None
        if rest is not None and rest.subjects:
            column = [self._outcome(bound, subject, args)
                      for subject, args in zip(rest.subjects, rest.rows(keys), strict=True)]
            _fill(rest, column, list(map(STATUS_OF, column)), position, blocker)


def _mapped(func: Callable[..., Result], columns: list, count: int) -> tuple[list[Result], list[Status]] | None:
    """The check over argument columns and the results' statuses; None if any call raised, gave
    something without a status (None) or ended the map early (a StopIteration out of a check ends a
    `map` without an error). The caller then calls the check again for every subject, one at a time,
    so that only the subjects it fails on get an error: a broken check costs its calls twice."""
    try:
        column = list(map(func, *columns))
        statuses = list(map(STATUS_OF, column))      # AttributeError: a call returned None
    except Exception:  # a broken check is reported, never fatal
        return None
    return (column, statuses) if len(column) == count else None


class _Group:
    """The unsynchronized subjects of one kind, with each one's results list, and their arguments as
    `cells`: the objects, counterparts and paired AD users (positions 0–2, one list each), then the
    index, the configuration and None (3–5, the same for all; see _ROW). `having(n)`/`lacking(n)`:
    the sub-group whose column n is or is not None, made once."""

    __slots__ = ("subjects", "values", "cells", "_split")

    def __init__(self, index: Index, config: Config):
        self.subjects: list[Subject] = []
        self.values: list[list] = []
        self.cells: tuple[Any, ...] = ([], [], [], index, config, None)
        self._split: dict[int, tuple[_Group, _Group]] = {}

    def add(self, subject: Subject, values: list) -> None:
        self.subjects.append(subject)
        self.values.append(values)
        cells = self.cells
        cells[0].append(subject.obj)
        cells[1].append(subject.counterpart)
        cells[2].append(subject.paired)

    def having(self, n: int) -> _Group:
        return self if n == 0 else self._parts(n)[0]

    def lacking(self, n: int) -> _Group:
        return self._parts(n)[1]

    def _parts(self, n: int) -> tuple[_Group, _Group]:
        parts = self._split.get(n)
        if parts is None:
            parts = self._split[n] = (_Group(self.cells[3], self.cells[4]), _Group(self.cells[3], self.cells[4]))
            column = self.cells[n]
            for i, subject in enumerate(self.subjects):
                parts[column[i] is None].add(subject, self.values[i])
        return parts

    def columns(self, keys: tuple[int, ...]) -> list:
        """The arguments at row positions `keys`, one iterable per argument, each len(subjects) long."""
        n = len(self.subjects)
        return [self.cells[k] if k < 3 else repeat(self.cells[k], n) for k in keys]

    def rows(self, keys: tuple[int, ...]) -> Iterable[tuple]:
        """The same arguments as one tuple per subject (an empty one each for a check of no fixtures)."""
        columns = self.columns(keys)
        return zip(*columns, strict=True) if columns else repeat((), len(self.subjects))


def _fill(group: _Group, column: list[Result], statuses: list, position: int, blocker: bool) -> None:
    """Put each result in its subject's results and mark the subjects it fails."""
    for values, result in zip(group.values, column, strict=True):
        values[position] = result
    for subject in compress(group.subjects, map(FAILING.__contains__, statuses)):
        if blocker:
            subject.readiness = Readiness.BLOCKED
        elif subject.readiness == Readiness.READY:
            subject.readiness = Readiness.AT_RISK


def _call(func, arguments: tuple) -> Result:
    """A check's function on its fixtures; a failure or no result becomes an `error` Result."""
    try:
        result = func(*arguments)
    except Exception as exc:  # a broken check is reported, never fatal for the run
        return _broken(exc)
    return NO_RESULT if result is None else result


def _broken(exc: Exception) -> Result:
    return Result(Status.ERROR, f"the check itself failed: {type(exc).__name__}: {exc}")

def _bind(check: Check):
    """(id, function, fixtures → arguments, needs_counterpart), computed once per check and run."""
    params = check.params
    arguments: Callable[[dict], tuple] = _picker(params)
    needs = check.meta.needs_counterpart and ("paired" if "paired" in params else "counterpart")
    return check.id, check.func, arguments, needs


_ROW = {"counterpart": 1, "paired": 2, "index": 3, "config": 4}   # in _Group.cells; 0 the subject's object, 5 None


def _row_keys(check: Check) -> tuple[int, ...]:
    """The positions in _Group.cells of the check's arguments (object, counterpart, paired, index, config, None)."""
    own = _FIXTURE[check.meta.subject]
    return tuple(0 if p == own else _ROW.get(p, 5) for p in check.params)


def _picker(keys) -> Callable[[Any], tuple]:
    """The values at `keys` (fixture names) of a fixtures dict as an argument tuple; itemgetter alone
    would give a bare value for one key and fail for none."""
    if not keys:
        return lambda _: ()
    if len(keys) == 1:
        key = keys[0]
        return lambda found: (found[key],)
    return itemgetter(*keys)


def _settle_coverage(directory: Directory, config: Config) -> None:
    """Apply `[sources] known_empty`; and read a Directory built in memory with roles_known=False (the
    model's default before coverage existed) as "role assignments not read", as it always was."""
    coverage = directory.coverage
    coverage.declare_empty(config.known_empty)
    if (not directory.roles_known and coverage.default is CoverageStatus.READ
            and Collection.ROLE_ASSIGNMENTS not in coverage.collections):
        coverage.not_read(Collection.ROLE_ASSIGNMENTS, "the directory was built without role assignments")


def _no_counterpart(subject: Subject, needs: str = "counterpart") -> Result:
    if needs == "paired" and subject.pairing is not None:
        return unpaired(subject.pairing, list(subject.counterparts))
    if not subject.counterparts:
        return skipped("no on-prem user has this userPrincipalName (see upn-exists)")
    dns = [o.dn for o in subject.counterparts]
    return skipped(f"{len(dns)} on-prem users have this userPrincipalName (see upn-unique)", onprem_dns=dns)
