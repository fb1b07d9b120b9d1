"""Counting people, not subjects (SPEC §9), and what a run rests on (SPEC §8).

The engine evaluates subjects: a person who has a cloud user and an AD user is two of them, and the
tenant is one more, so "21 of 103 subjects blocked" halves the real share. Administrators plan in
people: the summary leads with cloud users, counts the AD users that would create new cloud users
apart, counts AD groups and contacts (which are not people) apart again, and turns a tenant blocker
into a banner. A result that is `error` because its inputs were not read is "could not check",
never a blocker that a fix would clear.

Everything here works on a Run and, for re-rendering, on a results document (also an older one
without these fields), so every output says the same thing in the same words.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from .config import normalize_dn
from .vocab import FAILING, Readiness, Status, SubjectKind, values

if TYPE_CHECKING:
    from .engine import Run

ORPHAN_CHECK = "orphan-onprem"
TENANT_FEATURES = "tenant-sync-features"
NOUNS: dict[str, tuple[str, str]] = {SubjectKind.CLOUD_USER: ("cloud user", "cloud users"),
                                     SubjectKind.ONPREM_USER: ("AD user", "AD users"),
                                     SubjectKind.ONPREM_GROUP: ("AD group or contact", "AD groups and contacts"),
                                     SubjectKind.TENANT: ("tenant", "tenant")}
READINESS = values(Readiness)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _field(result: Any, name: str):
    return result.get(name) if isinstance(result, dict) else getattr(result, name, None)


def _joins_unchecked(result: Any) -> bool:
    """orphan-onprem's failure for a join onto a cloud user that is not a subject (an onmicrosoft.com
    UPN): the AD user matches an existing cloud user, so it is counted as matched, not as new."""
    evidence = _field(result, "evidence")
    return isinstance(evidence, dict) and "unchecked" in evidence


def is_unread(result: Any) -> bool:
    """An `error` because the check's inputs were not read (SPEC §8), not because anything failed."""
    if _field(result, "status") != Status.ERROR:
        return False
    evidence = _field(result, "evidence")
    return (isinstance(evidence, dict) and "unread" in evidence) or str(_field(result, "message") or "").startswith(
        "not read: ")


def unread_phrases(result: Any) -> list[str]:
    evidence = _field(result, "evidence")
    found = evidence.get("unread") if isinstance(evidence, dict) else None
    if isinstance(found, list) and found:
        return [str(p) for p in found]
    message = str(_field(result, "message") or "")
    return [message.removeprefix("not read: ")] if message.startswith("not read: ") else []


def _counts() -> dict:
    return {"total": 0, "ready": 0, "at_risk": 0, "blocked": 0, "could_not_check": 0}


def count_people(subjects: Iterable[tuple[str, str, bool, Mapping[str, Any]]], out_of_scope: int = 0,
                 error_checks: Iterable[str] | None = None) -> dict:
    """`cloud_users`, `onprem_users`, `onprem_groups`, `tenant` and `unread_checks` of the results summary.

    subjects are (kind, readiness, already synchronized, results by check id); results may be
    engine Results or results-JSON dicts. error_checks, when known, limits the search for unread
    inputs to the checks that have errors at all (a 100k-user run has few).
    """
    cloud = dict(_counts(), already_synchronized=0, out_of_scope=out_of_scope)
    onprem = dict(_counts(), matched=0, new_cloud_users=0)
    onprem_groups = _counts()      # AD groups and contacts: objects, not people (SPEC §9)
    tenant: dict = dict(_counts(), blockers=[], notes=[])
    groups: dict[str, dict] = {SubjectKind.CLOUD_USER: cloud, SubjectKind.ONPREM_USER: onprem,
                               SubjectKind.ONPREM_GROUP: onprem_groups, SubjectKind.TENANT: tenant}
    unread: dict[tuple[str, str], dict] = {}
    watch = None if error_checks is None else tuple(error_checks)
    for kind, readiness, synced, results in subjects:
        group = groups.get(kind)
        if group is None:
            continue
        group["total"] += 1
        if synced and kind == SubjectKind.CLOUD_USER:
            cloud["already_synchronized"] += 1
            continue
        key = readiness.replace("-", "_") if readiness in READINESS else Readiness.BLOCKED.value
        group[key] += 1
        if kind == SubjectKind.ONPREM_USER:
            orphan = results.get(ORPHAN_CHECK)
            status = _field(orphan, "status")
            if status == Status.PASS or (status in (Status.FAIL, Status.WAIVED) and _joins_unchecked(orphan)):
                onprem["matched"] += 1
            elif status in (Status.FAIL, Status.WAIVED):
                onprem["new_cloud_users"] += 1
        missing = False
        for check_id in (results if watch is None else watch):
            result = results.get(check_id)
            if result is None or not is_unread(result):
                continue
            missing = True
            entry = unread.setdefault((check_id, kind), {"check": check_id, "kind": kind, "subjects": 0, "unread": []})
            entry["subjects"] += 1
            for phrase in unread_phrases(result):
                if phrase not in entry["unread"] and len(entry["unread"]) < 20:
                    entry["unread"].append(phrase)
        if missing:
            group["could_not_check"] += 1
        if kind == SubjectKind.TENANT:
            _tenant_findings(tenant, results)
    return {"cloud_users": cloud, "onprem_users": onprem, "onprem_groups": onprem_groups, "tenant": tenant,
            "unread_checks": list(unread.values())}


def _tenant_findings(tenant: dict, results: Mapping[str, Any]) -> None:
    for check_id, result in results.items():
        status, message = _field(result, "status"), _field(result, "message")
        if status in FAILING and not is_unread(result):
            tenant["blockers"].append({"check": check_id, "message": message,
                                       "banner": tenant_banner(check_id, message, _field(result, "evidence"))})
        elif status == Status.PASS and message:
            tenant["notes"].append(f"{check_id}: {message}")


def tenant_banner(check_id: str, message, evidence) -> str:
    """A tenant-level failure in one line: it stops matching for everyone, not for one user."""
    evidence = evidence if isinstance(evidence, dict) else {}
    if check_id == TENANT_FEATURES and evidence.get("blockSoftMatchEnabled"):
        text = "soft match is blocked for the whole tenant"
        if evidence.get("blockCloudObjectTakeoverThroughHardMatchEnabled"):
            text += (", and so is hard match of cloud-created users: no AD user can be matched to an existing "
                     "cloud user, every one would become a second account")
        return text
    return f"{check_id} fails for the whole tenant: {message or 'see the check'}"


def run_people(run: Run, by_check: Mapping[str, Mapping[str, int]]) -> dict:
    """The people counts of a Run (its summary's by_check says which checks have errors)."""
    errors = [cid for cid, n in by_check.items() if n.get("error")]
    rows = ((s.kind, s.readiness, s.synced, s.results) for s in run.subjects)
    return count_people(rows, sum(run.out_of_scope.values()), errors)


def people_counted(summary: Any) -> bool:
    """Whether a results document's summary holds its people counts (SPEC §9): else people_of
    counts them from its subjects, one more pass over them."""
    summary = _dict(summary)
    return all(isinstance(summary.get(k), dict) for k in ("cloud_users", "onprem_users", "tenant"))


def people_of(doc: Mapping) -> dict:
    """The people counts of a results document: its own, or counted from its subjects when it is
    older than SPEC §9 (or, for the AD groups and contacts alone, older than group subjects)."""
    summary = _dict(doc.get("summary"))
    if people_counted(summary):
        groups = summary.get("onprem_groups")
        return {"cloud_users": summary["cloud_users"], "onprem_users": summary["onprem_users"],
                "onprem_groups": groups if isinstance(groups, dict) else _counts(),
                "tenant": summary["tenant"], "unread_checks": list(summary.get("unread_checks") or [])}
    rows = []
    for s in doc.get("subjects") or ():
        if isinstance(s, dict):
            results = _dict(s.get("results"))
            rows.append((str(s.get("kind") or SubjectKind.CLOUD_USER), str(s.get("readiness") or Readiness.BLOCKED),
                         bool(s.get("already_synchronized")), results))
    out = _dict(summary.get("out_of_scope"))
    return count_people(rows, sum(v for v in out.values() if isinstance(v, int)))


# ---- words, shared by every output ----------------------------------------------------------

def plural(n: int, kind: str) -> str:
    one, many = NOUNS.get(kind, (kind, kind))
    return f"{n:,} {one if n == 1 else many}"


def lead_line(cloud: Mapping) -> str:
    """ "27 of 51 cloud users ready, 16 blocked, 8 at risk" (already synchronized ones aside)."""
    ready, at_risk, blocked = (int(cloud.get(k) or 0) for k in ("ready", "at_risk", "blocked"))
    total = ready + at_risk + blocked
    if not total:
        return "no cloud user to check"
    noun = "cloud user" if total == 1 else "cloud users"
    return f"{ready:,} of {total:,} {noun} ready, {blocked:,} blocked, {at_risk:,} at risk"


def cloud_aside(cloud: Mapping, reasons: Any = None) -> str | None:
    """What the lead line leaves out: not fully checked, synchronized already, out of scope (by
    reason when the summary's `out_of_scope` gives them)."""
    parts = []
    if cloud.get("could_not_check"):
        parts.append(f"{int(cloud['could_not_check']):,} of them could not be fully checked (inputs not read)")
    if cloud.get("already_synchronized"):
        parts.append(f"{int(cloud['already_synchronized']):,} already synchronized")
    reasons = {str(k): v for k, v in _dict(reasons).items() if isinstance(v, int) and v}
    if reasons:
        parts.append("not in scope: " + ", ".join(f"{n:,} {why}" for why, n in sorted(reasons.items())))
    elif cloud.get("out_of_scope"):
        parts.append(f"{int(cloud['out_of_scope']):,} not in scope")
    return "; ".join(parts) or None


def onprem_line(onprem: Mapping) -> str | None:
    """ "5 AD users would create new cloud users (46 of 51 in scope match a cloud user)"; the AD users
    orphan-onprem could not decide for (inputs not read) are said to be unknown, never counted as matched."""
    total = int(onprem.get("total") or 0)
    if not total:
        return None
    new, matched = int(onprem.get("new_cloud_users") or 0), int(onprem.get("matched") or 0)
    unknown = max(total - new - matched, 0)
    if unknown == total:
        who = f"the {plural(total, 'onprem-user')}" if total > 1 else "the AD user"
        return f"could not tell whether {who} in scope would create new cloud users (see could not check)"
    verb = "would create a new cloud user" if new == 1 else "would create new cloud users"
    aside = f"; {unknown:,} could not be checked" if unknown else ""
    return f"{plural(new, 'onprem-user')} {verb} ({matched:,} of {total:,} in scope match a cloud user{aside})"


def groups_line(groups: Mapping) -> str | None:
    """ "2 of 7 AD groups and contacts in scope at risk (5 ready)": objects sync may match onto cloud
    groups and contacts, counted apart from people; None when there were none to check."""
    total = int(groups.get("total") or 0)
    if not total:
        return None
    ready, at_risk, blocked = (int(groups.get(k) or 0) for k in ("ready", "at_risk", "blocked"))
    head = f"{at_risk + blocked:,} of {plural(total, SubjectKind.ONPREM_GROUP)} in scope at risk"
    parts = [f"{ready:,} ready"] + ([f"{blocked:,} blocked"] if blocked else [])
    if groups.get("could_not_check"):
        parts.append(f"{int(groups['could_not_check']):,} could not be fully checked (inputs not read)")
    return f"{head} ({', '.join(parts)})"


def tenant_line(tenant: Mapping) -> str | None:
    if not tenant.get("total"):
        return None
    if tenant.get("blockers"):
        return "tenant: " + "; ".join(str(b.get("banner") or b.get("message")) for b in tenant["blockers"])
    if tenant.get("could_not_check"):
        return "tenant: could not be checked (inputs not read)"
    return "tenant: matching allowed" + (f" ({'; '.join(tenant['notes'])})" if tenant.get("notes") else "")


def unread_line(entry: Mapping) -> str:
    """ "could not check: roleAssignments not read (file absent; ...) — no-admin-role for 51 cloud users"."""
    what = []
    for phrase in entry.get("unread") or ["its inputs"]:
        name, _, rest = str(phrase).partition(" (")
        what.append(f"{name} not read" + (f" ({rest}" if rest else ""))
    n = int(entry.get("subjects") or 0)
    who = "the tenant" if entry.get("kind") == SubjectKind.TENANT else plural(n, str(entry.get("kind")))
    return f"could not check: {'; '.join(what)} — {entry.get('check')} for {who}"


def unread_counts(people: Mapping) -> dict[str, int]:
    """Per check, how many of its errors are inputs not read (so no banner calls them blockers)."""
    out: dict[str, int] = {}
    for entry in people.get("unread_checks") or ():
        out[str(entry.get("check"))] = out.get(str(entry.get("check")), 0) + int(entry.get("subjects") or 0)
    return out


# ---- coverage (SPEC §8) ---------------------------------------------------------------------

def coverage_document(run: Run) -> dict:
    """The results JSON `coverage`: config used, scope in force, per collection what was read, and
    notes (the readers' and this run's: scope OUs that match nothing, waivers that waive nothing)."""
    scope = run.config.scope
    unmatched = unmatched_scope(run)
    read = run.directory.coverage.to_json()
    return {"config": run.config.path,
            "scope": {"include": list(scope.include), "exclude": list(scope.exclude), "unmatched": unmatched},
            "collections": read["collections"],
            "notes": read["notes"] + [scope_note(ou, scope) for ou in unmatched] + unused_waivers(run)}


def unmatched_scope(run: Run) -> list[str]:
    """Each configured include/exclude OU under which no AD object lies (a typo widens or narrows
    the scope silently); nothing when AD was not read."""
    scope = run.config.scope
    wanted = {ou: normalize_dn(ou) for ou in (*scope.include, *scope.exclude)}
    if not wanted or not run.directory.coverage.usable("adUsers"):
        return []
    for obj in run.directory.onprem:
        if not wanted:
            break
        key = normalize_dn(obj.dn)
        for ou, base in list(wanted.items()):
            if key == base or key.endswith("," + base):
                del wanted[ou]
    return list(wanted)


def scope_note(ou: str, scope) -> str:
    which = "include" if ou in scope.include else "exclude"
    return f"scope {which} OU {ou} matches no AD object: check its spelling (it changes nothing as written)"


def unused_waivers(run: Run) -> list[str]:
    """A note for each unexpired waiver that waived nothing in this run."""
    notes = []
    names = None
    for waiver in run.config.waivers:
        if waiver.expired(run.today) or run.waiver_use.get(id(waiver)):
            continue
        if names is None:
            names = [s.name.lower() for s in run.subjects]
        patterns = [p.lower() for p in waiver.subjects]
        named = any(fnmatchcase(name, p) for name in names for p in patterns)
        label = f"waiver for {waiver.check} ({', '.join(waiver.subjects)})"
        notes.append(f"{label} waived nothing: {waiver.check} does not fail for the subjects it names; remove it"
                     if named else f"{label} matches no subject in this run: check the names")
    return notes


def coverage_of(doc: Mapping) -> dict | None:
    """The document's coverage object, or None for results older than SPEC §8."""
    found = doc.get("coverage")
    return found if isinstance(found, dict) else None


def collection_lines(coverage: Mapping) -> tuple[list[str], list[str]]:
    """("users 52 (cloud/users.json)", ...) read or declared empty, and what was not read and why."""
    read, missing = [], []
    collections = _dict(coverage.get("collections"))
    for name, entry in collections.items():
        if not isinstance(entry, dict):
            continue
        status = entry.get("status")
        if status == "not-read":
            text = f"{name}: {entry.get('reason') or 'not read'}"
            missing.append(text + (f" ({entry['how']})" if entry.get("how") else ""))
            continue
        text = f"{name} {int(entry.get('count') or 0):,}"
        if status == "empty":
            text += " (declared empty)"
        elif entry.get("source"):
            text += f" ({entry['source']})"
        if entry.get("missing_properties"):
            text += f" without {', '.join(map(str, entry['missing_properties']))}"
        read.append(text)
    return read, missing


def coverage_warnings(coverage: Mapping) -> list[str]:
    """ "Not read: ..." and "Note: ..." lines: what an output that has no header must still say once."""
    _, missing = collection_lines(coverage)
    return [f"Not read: {line}" for line in missing] + [f"Note: {note}" for note in coverage.get("notes") or ()]


def scope_text(coverage: Mapping) -> str:
    scope = _dict(coverage.get("scope"))
    include = [str(x) for x in scope.get("include") or []]
    exclude = [str(x) for x in scope.get("exclude") or []]
    text = "include " + ("; ".join(include) if include else "the whole domain")
    if exclude:
        text += ", exclude " + "; ".join(exclude)
    return text
