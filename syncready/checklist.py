"""The cutover checklist: what to do before switching sync on, in order, with counts and commands.

Derived from a results document only (so `syncready report` renders it without the sources), from
each failing result's fix preview (`results[check]["fix"]`: the changes its fixer would make, or the
manual step) and status. Order follows dependencies:

1. inputs that were not read — until they are, the verdicts resting on them are unknown;
2. the safe automatic fixes (one `syncready fix --select ...` command);
3. the unsafe ones (`--unsafe`), which need review;
4. the manual steps, grouped by check: the tenant first, then blockers, then warnings (user
   communication for password-cutover, groups and contacts for group-takeover);
5. the stamping of ImmutableIDs, last: `fix --select anchor-ready` stamps only users whose every
   blocker passes on a fresh read.

Waived failures are accepted and not listed (only counted).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .summary import collection_lines, coverage_of, is_unread, people_of, plural, unread_line
from .vocab import FAILING, FixAvailability, Safety, Severity, Status, SubjectKind, Target

ITEM_LIMIT = 500            # per step: the items kept for the lists (the counts are always complete)
STAMP_CHECK = "anchor-ready"
STALE_CHECK = "cloud-only"  # its fix clearing a stale ImmutableID makes a stamping candidate for later
ALWAYS_READ = (STAMP_CHECK, STALE_CHECK)    # results read whatever their status (the others: failing, waived)
TENANT_CHECK = "tenant-sync-features"
APPLY_HINT = "review the plan, then run it again with --apply --journal FILE"


class StepKind(StrEnum):
    READ_FIRST = "read-first"
    AUTOMATIC = "automatic"
    UNSAFE = "unsafe"
    MANUAL = "manual"
    STAMP = "stamp"


@dataclass(frozen=True)
class Item:
    """One subject's part in a step: what is wrong or what to do for it."""

    subject: str
    check: str
    text: str


@dataclass
class Step:
    kind: StepKind
    lead: str                         # the action, e.g. "resolve 4 UPN conflicts by hand"
    command: str | None = None        # the exact command to run, when there is one
    counts: str = ""                  # "(9 AD changes, 6 cloud users)" without the parentheses
    after: str = ""                   # what to do next, e.g. APPLY_HINT
    checks: tuple[str, ...] = ()
    severity: str = Severity.BLOCKER
    ad_changes: int = 0
    cloud_changes: int = 0
    subjects: int = 0
    items: list[Item] = field(default_factory=list)
    total_items: int = 0

    @property
    def changes(self) -> int:
        return self.ad_changes + self.cloud_changes

    def text(self) -> str:
        """The step as one plain sentence (the command in backticks)."""
        parts = [self.lead + (f" `{self.command}`" if self.command else "")]
        if self.counts:
            parts[0] += f" ({self.counts})"
        if self.after:
            parts.append(self.after)
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "lead": self.lead, "command": self.command, "counts": self.counts,
                "after": self.after, "checks": list(self.checks), "severity": self.severity,
                "ad_changes": self.ad_changes, "cloud_changes": self.cloud_changes, "subjects": self.subjects,
                "text": self.text(), "total_items": self.total_items,
                "items": [{"subject": i.subject, "check": i.check, "text": i.text} for i in self.items]}


@dataclass
class Checklist:
    steps: list[Step] = field(default_factory=list)
    waived: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"steps": [s.to_json() for s in self.steps], "waived": self.waived}


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _n(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


# What a manual step asks, per check, for n subjects; checks not named here use their title.
MANUAL_LEADS: dict[str, tuple[str, str, str]] = {
    "tenant-sync-features": ("change the tenant's sync features", "", ""),
    "upn-exists": ("give", "cloud user an AD account with its UPN", "cloud users an AD account with their UPN"),
    "upn-unique": ("resolve", "UPN conflict by hand", "UPN conflicts by hand"),
    "proxy-unique": ("resolve", "address conflict by hand", "address conflicts by hand"),
    "single-match": ("resolve", "wrong predicted match by hand", "wrong predicted matches by hand"),
    "cloud-only": ("correct", "stale ImmutableID", "stale ImmutableIDs"),
    "previously-synced": ("clear the leftovers of an earlier sync on", "user", "users"),
    "cloud-managed": ("hand the source of authority back to AD for", "cloud-managed user",
                      "cloud-managed users"),
    "sid-unique": ("resolve", "duplicate SID (onPremisesSecurityIdentifier)",
                   "duplicate SIDs (onPremisesSecurityIdentifier)"),
    "no-admin-role": ("remove the admin roles of", "user (restore them after the first sync) or accept it will "
                      "be duplicated", "users (restore them after the first sync) or accept they will be "
                      "duplicated"),
    "in-sync-scope": ("move", "AD user into the sync scope (or widen [scope] include)",
                      "AD users into the sync scope (or widen [scope] include)"),
    "attribute-valid": ("correct", "invalid AD value set by hand", "invalid AD value sets by hand"),
    "anchor-ready": ("resolve", "anchor conflict", "anchor conflicts"),
    "exchange-recipient-type": ("align the Exchange recipient type of", "user", "users"),
    "exchange-duplicate-mailbox": ("migrate or remove", "on-prem mailbox that would duplicate a cloud mailbox",
                                   "on-prem mailboxes that would duplicate cloud mailboxes"),
    "exchange-remote-mailbox": ("complete", "remote mailbox", "remote mailboxes"),
    "sync-client-match": ("stamp (or give a primary SMTP address to)", "user the sync client cannot soft-match",
                          "users the sync client cannot soft-match"),
    "account-enabled": ("decide on", "disabled AD account: enable it or keep it out of sync",
                        "disabled AD accounts: enable them or keep them out of sync"),
    "attribute-drift": ("review", "value sync would overwrite", "values sync would overwrite"),
    "password-cutover": ("tell", "user how the password changes at cutover (user communication)",
                         "users how their passwords change at cutover (user communication)"),
    "group-takeover": ("review", "AD group or contact that takes over or duplicates a cloud group",
                       "AD groups and contacts that take over or duplicate cloud groups"),
    "orphan-onprem": ("decide on", "AD user that would create a new cloud user (scope it out or accept it)",
                      "AD users that would create new cloud users (scope them out or accept them)"),
}


def manual_lead(check_id: str, title: str, n: int) -> str:
    verb, one, many = MANUAL_LEADS.get(check_id, ("", "", ""))
    if verb and not one:
        return verb
    if verb:
        return f"{verb} {_n(n, one, many)}"
    return f"by hand, {title or check_id}: {n:,}"


@dataclass
class _Acc:
    """Per step under construction: subjects, changes by target, items."""

    subjects: set[str] = field(default_factory=set)
    kinds: dict[str, set[str]] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    ad: int = 0
    cloud: int = 0
    items: list[Item] = field(default_factory=list)
    total: int = 0

    def add(self, subject: str, kind: str, check: str, text: str | None = None) -> None:
        self.subjects.add(subject)
        self.kinds.setdefault(kind, set()).add(subject)
        if check not in self.checks:
            self.checks.append(check)
        if text is not None:
            self.total += 1
            if len(self.items) < ITEM_LIMIT:
                self.items.append(Item(subject, check, text))

    def who(self) -> str:
        return ", ".join(plural(len(names), kind) for kind, names in self.kinds.items() if kind != SubjectKind.TENANT)

    def counts(self) -> str:
        parts = []
        if self.ad:
            parts.append(_n(self.ad, "AD change", "AD changes"))
        if self.cloud:
            parts.append(_n(self.cloud, "cloud change", "cloud changes"))
        who = self.who()
        return ", ".join(parts + ([who] if who else []))


def _fix_command(checks: Iterable[str], unsafe: bool = False) -> str:
    return f"syncready fix --select {','.join(checks)}" + (" --unsafe" if unsafe else "")


def build_checklist(doc: Mapping[str, Any]) -> Checklist:
    """The ordered cutover steps of a results document (see the module docstring).

    A document a run just made (results.SubjectEntries) feeds the builder only what it learns from
    (`feed_checklist`), and keeps the checklist, so the terminal and the Markdown summary of one
    `check` share one pass instead of rebuilding every subject's entry each."""
    subjects: Any = doc.get("subjects") or ()
    lazy = hasattr(subjects, "feed_checklist")
    if lazy and subjects.checklist is not None and subjects.checklist[0] == id(doc):
        return subjects.checklist[1]
    builder = ChecklistBuilder(doc)
    if lazy:
        subjects.feed_checklist(builder)
    else:
        for entry in subjects:
            builder.add(entry)
    checklist = builder.finish()
    if lazy:
        subjects.checklist = (id(doc), checklist)
    return checklist


class ChecklistBuilder:
    """The checklist one subject at a time, so a renderer that reads the subjects anyway (the HTML
    packing) derives it in the same single pass over a lazy 100k-subject document."""

    def __init__(self, doc: Mapping[str, Any]):
        checks = [c for c in doc.get("checks") or [] if isinstance(c, dict) and c.get("id")]
        self.doc = doc
        self.order = {c["id"]: n for n, c in enumerate(checks)}
        self.meta = {c["id"]: c for c in checks}
        self.safe, self.unsafe = _Acc(), _Acc()
        self.manual: dict[str, _Acc] = {}
        self.stamp_now, self.stamp_later = _Acc(), _Acc()
        self.waived = 0
        self.tenant_blocks_hard_match = False
        self.clean: dict[int, dict] = {}    # id → "results" with no failing or waived result, kept alive

    def add(self, entry: Any) -> None:
        if not isinstance(entry, dict) or entry.get("already_synchronized"):
            return
        self.add_subject(str(entry.get("subject")), str(entry.get("kind") or SubjectKind.CLOUD_USER),
                         _dict(entry.get("results")), bool(entry.get("onprem")),
                         _dict(entry.get("cloud")).get("immutableId"))

    def add_subject(self, name: str, kind: str, results: dict, has_onprem: bool, immutable_id: Any) -> None:
        """A subject not already synchronized, by all the checklist reads of it: its results, whether its
        entry has on-prem facts, its cloud ImmutableID (a schema 2 row gives them without an entry)."""
        safe, unsafe, meta = self.safe, self.unsafe, self.meta
        if self.clean.get(id(results)) is results:      # shared by many entries (a schema 2 file's ready rows)
            if kind == SubjectKind.CLOUD_USER:
                _stamp_candidate(name, has_onprem, immutable_id, results, meta, self.stamp_now, self.stamp_later,
                                 clean=True)
            return
        covered: list[str] = []         # fixable, nothing planned: another fixer's changes may clear it
        before = safe.total + unsafe.total
        clean = True
        for check_id, result in results.items():
            if not isinstance(result, dict):
                continue
            status = result.get("status")
            if status == Status.WAIVED:
                self.waived += 1
                clean = False
                continue
            if status not in FAILING:
                continue
            clean = False
            if is_unread(result) or check_id not in self.order:
                continue
            if check_id == TENANT_CHECK and _dict(result.get("evidence")).get(
                    "blockCloudObjectTakeoverThroughHardMatchEnabled"):
                self.tenant_blocks_hard_match = True
            preview = _dict(result.get("fix"))
            changes = [c for c in preview.get("changes") or [] if isinstance(c, dict)]
            for change in changes:
                acc = unsafe if change.get("safety") == Safety.UNSAFE else safe
                if change.get("target") == Target.CLOUD:
                    acc.cloud += 1
                else:
                    acc.ad += 1
                acc.add(name, kind, check_id, f"{check_id}: {change.get('summary') or ''}")
            guidance = preview.get("manual")
            if not changes and not guidance and meta[check_id].get("fix") != FixAvailability.MANUAL:
                covered.append(check_id)
                continue
            if guidance or not changes:
                acc = self.manual.setdefault(check_id, _Acc())
                acc.add(name, kind, check_id, str(guidance or result.get("message") or meta[check_id].get("title")))
        changed = safe.total + unsafe.total > before
        for check_id in covered:
            if changed:
                safe.add(name, kind, check_id)
            else:
                self.manual.setdefault(check_id, _Acc()).add(name, kind, check_id, str(
                    results[check_id].get("message") or meta[check_id].get("how_to_fix") or check_id))
        if clean and results and len(self.clean) < _CLEAN_KEPT:
            self.clean[id(results)] = results
        if kind == SubjectKind.CLOUD_USER:
            _stamp_candidate(name, has_onprem, immutable_id, results, meta, self.stamp_now, self.stamp_later, clean)

    def stamp_ready(self, name: str) -> None:
        """A cloud user with no failing or waived result that _stamp_candidate would stamp now (its
        anchor-ready passes, it has an AD counterpart and no ImmutableID), known without its entry."""
        self.stamp_now.add(name, SubjectKind.CLOUD_USER, STAMP_CHECK)

    def finish(self) -> Checklist:
        safe, unsafe, meta, order = self.safe, self.unsafe, self.meta, self.order
        steps = [s for s in (_read_first(self.doc),) if s is not None]
        if safe.checks:
            ids = sorted(safe.checks, key=order.__getitem__)
            steps.append(Step(StepKind.AUTOMATIC, "run", _fix_command(ids), safe.counts(), APPLY_HINT,
                              tuple(ids), _worst(ids, meta), safe.ad, safe.cloud, len(safe.subjects),
                              safe.items, safe.total))
        if unsafe.checks:
            ids = sorted(unsafe.checks, key=order.__getitem__)
            steps.append(Step(StepKind.UNSAFE, "review, then run", _fix_command(ids, unsafe=True), unsafe.counts(),
                              "unsafe changes (enabling accounts, clearing ImmutableIDs, rewriting values): "
                              + APPLY_HINT, tuple(ids), _worst(ids, meta), unsafe.ad, unsafe.cloud,
                              len(unsafe.subjects), unsafe.items, unsafe.total))
        for check_id in sorted(self.manual, key=lambda cid: (cid != TENANT_CHECK,
                                                            meta[cid].get("severity") != Severity.BLOCKER,
                                                            order[cid])):
            acc = self.manual[check_id]
            lead = manual_lead(check_id, str(meta[check_id].get("title") or ""), len(acc.subjects))
            steps.append(Step(StepKind.MANUAL, lead, checks=(check_id,), severity=str(meta[check_id].get("severity")),
                              subjects=len(acc.subjects), items=acc.items, total_items=acc.total))
        if STAMP_CHECK in order:
            stamp = _stamp_step(self.stamp_now, self.stamp_later, steps, self.tenant_blocks_hard_match)
            if stamp is not None:
                steps.append(stamp)
        return Checklist(steps, self.waived)


_CLEAN_KEPT = 1024      # clean "results" remembered: a schema 2 file's tables share a few; a schema 1 file none


def _worst(check_ids: Iterable[str], meta: Mapping[str, Mapping]) -> str:
    severities = {meta[c].get("severity") for c in check_ids}
    return Severity.BLOCKER if Severity.BLOCKER in severities else Severity.WARNING


def _stamp_candidate(name: str, has_onprem: bool, immutable_id: Any, results: Mapping[str, Any],
                     meta: Mapping[str, Mapping], now: _Acc, later: _Acc, clean: bool = False) -> None:
    """A cloud user the stamping will set an ImmutableID on: now (every blocker passes), or later
    (once the steps above clear its blockers: a stale ImmutableID cleared counts too). `clean`: no
    result is failing or waived (known from an earlier entry with the same results)."""
    anchor = results.get(STAMP_CHECK)
    if not isinstance(anchor, dict) or anchor.get("status") != Status.PASS or not has_onprem:
        return
    kind = SubjectKind.CLOUD_USER
    if immutable_id:
        stale = results.get(STALE_CHECK)
        preview = _dict(stale).get("fix")
        if isinstance(preview, dict) and any(c.get("attribute") == "onPremisesImmutableId"
                                             for c in preview.get("changes") or [] if isinstance(c, dict)):
            later.add(name, kind, STAMP_CHECK)
        return
    failing = [] if clean else [cid for cid, r in results.items()
               if cid != STAMP_CHECK and isinstance(r, dict) and r.get("status") in (*FAILING, Status.WAIVED)
               and (meta.get(cid) or {}).get("severity") == Severity.BLOCKER
               and not (cid == "single-match" and _dict(r.get("evidence")).get("stamping_would_match"))]
    (later if failing else now).add(name, kind, STAMP_CHECK)


def _stamp_step(now: _Acc, later: _Acc, before: list[Step], blocked: bool) -> Step | None:
    total = len(now.subjects) + len(later.subjects)
    if not total:
        return None
    counts = f"{len(now.subjects):,} ready now"
    if later.subjects:
        counts += f", {len(later.subjects):,} more once the steps above clear their blockers"
    after = "fix stamps only users whose every blocker passes on a fresh read; " + APPLY_HINT
    if blocked:
        after = ("the tenant blocks hard match of cloud-created users (blockCloudObjectTakeoverThroughHardMatch"
                 "Enabled): turn it off first, or the stamping is refused; " + after)
    lead = f"then stamp {_n(total, 'ImmutableID', 'ImmutableIDs')}" if before else \
        f"stamp {_n(total, 'ImmutableID', 'ImmutableIDs')}"
    return Step(StepKind.STAMP, lead, _fix_command([STAMP_CHECK]), counts, after, (STAMP_CHECK,),
                Severity.BLOCKER, cloud_changes=total, subjects=total)


def _read_first(doc: Mapping[str, Any]) -> Step | None:
    """Inputs not read: each collection the coverage says was not read, and each check that could not
    decide because of it (with how many subjects). No step when no verdict rests on them (e.g.
    cloud/mailboxes.json absent while the Exchange checks skip for want of an Exchange schema): the
    header's "Not read:" line still says so, but "until then those verdicts are unknown" would be false."""
    coverage = coverage_of(doc)
    missing = collection_lines(coverage)[1] if coverage else []
    entries = people_of(doc)["unread_checks"]
    if not entries:
        return None
    items = [Item("", "", f"not read: {line}") for line in missing]
    items += [Item("", str(e.get("check") or ""), unread_line(e)) for e in entries]
    checks = tuple(dict.fromkeys(str(e.get("check")) for e in entries))
    subjects = max((int(e.get("subjects") or 0) for e in entries), default=0)
    parts = [_n(len(missing), "input not read", "inputs not read")] if missing else []
    if checks:
        parts.append(f"{_n(len(checks), 'check', 'checks')} could not decide for up to {subjects:,} subjects")
    return Step(StepKind.READ_FIRST, "read what was not read first", counts=", ".join(parts),
                after="then run syncready check again: until then those verdicts are unknown, not passes",
                checks=checks, subjects=subjects, items=items, total_items=len(items))


def fix_hint(check: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    """For one failing result, what to do: the fix command, the manual step, or read the inputs first
    (the worklist's per-user column; the same rule as the checklist's steps)."""
    check_id = str(check.get("id") or "")
    if is_unread(result):
        return "could not check: read what was not read, then check again"
    preview = _dict(result.get("fix"))
    changes = [c for c in preview.get("changes") or [] if isinstance(c, dict)]
    parts = []
    if changes:
        risky = any(c.get("safety") == Safety.UNSAFE for c in changes)
        parts.append(_fix_command([check_id], unsafe=risky))
    if preview.get("manual"):
        parts.append(str(preview["manual"]))
    if not parts:
        parts.append(str(check.get("how_to_fix") or ("manual" if check.get("fix") == FixAvailability.MANUAL
                                                      else result.get("message") or "")))
    return "; ".join(parts)
