"""Carries out cloud changes through Microsoft Graph: the ImmutableID stamping (onPremisesImmutableId),
and clearing what an earlier sync left (SPEC §10) — onPremisesObjectIdentifier, onPremisesSecurityIdentifier,
onPremisesSamAccountName and onPremisesDistinguishedName are written through Graph beta (BETA), the only
version whose Update User takes them (they are read through v1.0); onPremisesObjectIdentifier accepts only
null, so clearing it cannot be undone (`undo_refusal`), and it is in no published schema, so it is never
selected and a precondition on it holds when Graph does not return it.

Graph has no conditional PATCH for this property, so the precondition is a fresh read just before
the write: the value must still be what the plan saw (`remove`), else the change is a conflict and
nothing is written. A value already equal to the new one is not rewritten: `apply` returns
{"unchanged": True}, `apply_many` journals the outcome nothing_to_do.
Clearing sends a JSON null, which is the only way Graph empties the property.

`apply` does one change (read, PATCH). `apply_many` does the same for many changes through JSON
$batch (reads in batches of 20, then writes in batches of 20), journaling each change's intent
before its write is sent and its outcome after, so a run killed at any point stays undoable.

Directory reads can lag behind writes (a replica that has not yet seen a recent change), so a
re-read that disagrees with the plan is read again after CONSISTENCY_DELAYS before the change is
called a conflict; $batch items may run in any order and are matched to their changes by id.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import quote

from ..sources.grapherrors import GraphError, GraphUnreachable, SignInFailed
from ..sources.graphsession import BATCH_SIZE, GraphSession
from .base import Conflict, ConnectionLost, WriteFailed

if TYPE_CHECKING:
    from ..journal import Journal, OutcomeRecord
    from ..plan import Change, Value

User: TypeAlias = dict[str, Any]
"""A Graph user (or $batch item) as JSON."""
Decision: TypeAlias = tuple[str, str, dict[str, Any]]
"""(outcome, detail, extra) of one change, as the journal records them."""
Result: TypeAlias = tuple["Change", str, str, dict[str, Any]]
"""(change, outcome, detail, extra), what apply_many yields."""

CONTEXT = ("onPremisesSyncEnabled", "userPrincipalName")
OBJECT_IDENTIFIER = "onPremisesObjectIdentifier"
BETA = frozenset({OBJECT_IDENTIFIER, "onPremisesSecurityIdentifier", "onPremisesSamAccountName",
                  "onPremisesDistinguishedName"})
NULL_ONLY = frozenset({OBJECT_IDENTIFIER})     # Graph takes null and nothing else
UNSELECTABLE = frozenset({OBJECT_IDENTIFIER})  # $select of it is refused: read the default set
BETA_PERMISSION = {OBJECT_IDENTIFIER: "User-OnPremisesSyncBehavior.ReadWrite.All"}
CONSISTENCY_DELAYS = (0.25, 0.5, 1.0, 2.0)     # seconds between re-reads that disagree with the plan
SYNCED = "originated within an external service"
DUPLICATE = "another object with the same value"


class GraphWriter:
    def __init__(self, session: GraphSession, concurrency: int = 4) -> None:
        self.session = session
        self.concurrency = concurrency
        self._fatal: str | None = None          # sign-in or permission failure: later writes fail alike
        self._federated: dict[str, bool] = {}

    # --- reading --------------------------------------------------------------------------------

    def _patch_url(self, change: Change) -> str:
        """/users/{id} under v1.0 (relative, for $batch too), or the absolute beta URL for BETA attributes."""
        path = f"/users/{quote(change.object, safe='')}"
        if change.attribute not in BETA:
            return path
        head, _, version = self.session.base_url.rpartition("/")
        if version not in ("v1.0", "beta"):
            raise WriteFailed(f"{change.attribute} is written through Graph beta, but --graph-url "
                              f"{self.session.base_url} does not end in /v1.0; nothing was written")
        return f"{head}/beta{path}"

    @staticmethod
    def _read_url(change: Change) -> str:
        """Reads go through v1.0 (batchable); a property no schema has is not selected (Graph refuses)."""
        wanted = CONTEXT if change.attribute in UNSELECTABLE else (change.attribute, *CONTEXT)
        return f"/users/{quote(change.object, safe='')}?$select={','.join(dict.fromkeys(wanted))}"

    def read(self, change: Change) -> User | None:
        """The user's current values of the change's attribute (and sync state), None if it is gone."""
        try:
            return self.session.get_json(self._read_url(change))
        except GraphError as exc:
            if exc.status == 404:
                return None
            raise self._failure(exc, None) from None
        except GraphUnreachable as exc:
            raise ConnectionLost(f"{exc} (nothing was written)") from None
        except SignInFailed as exc:
            raise self._fatal_failure(str(exc)) from None

    def current(self, change: Change) -> Value:
        user = self.read(change)
        value: Value = None if user is None else (user.get(change.attribute) or None)
        return value

    def state(self, change: Change) -> str:
        """'after' when the change is in place, 'before' when not yet, else 'other' (undo and resume)."""
        user = self.read(change)
        return "other" if user is None else _state(change, user)

    def states(self, changes: list[Change]) -> list[str]:
        """`state` of many changes, read through $batch."""
        results = self.session.batch([{"method": "GET", "url": self._read_url(c)} for c in changes],
                                     self.concurrency)
        states: list[str] = []
        for change, item in zip(changes, results, strict=True):
            if "signin" in item:
                raise self._fatal_failure(item["signin"])
            if item["status"] == 404:
                states.append("other")
            elif item["status"] != 200:
                raise self._item_failure("GET", self._read_url(change), item, None, nothing_sent=True)
            else:
                states.append(_state(change, item["body"] or {}))
        return states

    # --- writing one change ---------------------------------------------------------------------

    def apply(self, change: Change) -> dict[str, Any]:
        refusal = _unsupported(change)
        if refusal:
            raise WriteFailed(refusal)
        if self._fatal:
            raise WriteFailed(self._fatal)
        user = self.read(change)
        decided = _decide(change, user)
        for delay in CONSISTENCY_DELAYS:
            if decided is None or decided[0] != "conflict":
                break
            time.sleep(delay)
            user = self.read(change)
            decided = _decide(change, user)
        if decided is not None:
            if decided[0] == "conflict":
                raise Conflict(decided[1])
            return {"unchanged": True}
        try:
            self.session.patch(self._patch_url(change), {change.attribute: _new(change)})
        except GraphError as exc:
            if change.attribute in BETA and exc.status == 403:
                need = BETA_PERMISSION.get(change.attribute, "User.ReadWrite.All")
                raise WriteFailed(f"{exc} — clearing {change.attribute} needs {need} (Graph beta)") from None
            raise self._failure(exc, user) from None
        except GraphUnreachable as exc:
            if not exc.sent:
                raise ConnectionLost(f"{exc} (the change was not sent)") from None
            raise ConnectionLost(f"{exc}; whether the change was made is unknown") from None
        except SignInFailed as exc:
            raise self._fatal_failure(str(exc)) from None
        refusal = undo_refusal(change)
        return {"undo": refusal} if refusal else {}

    def undo_refusal(self, change: Change) -> str | None:
        """Why undo cannot write this change's inverse (None: it can); `undo` lists it as not undone."""
        return undo_refusal(change)

    # --- writing many changes through $batch ----------------------------------------------------

    def apply_many(self, changes: list[Change], journal: Journal) -> Iterator[Result]:
        """Apply changes through $batch; yields (change, outcome, detail, extra) per journaled change.

        Per window of 20 × concurrency changes: the users are re-read in $batch GETs; then the intent
        of every change of the window is journaled; changes whose precondition failed, or that are
        already in place, get their outcome at once; the rest are PATCHed in $batch and journaled as
        their answers come. Items Graph throttles are sent again after Retry-After. A journal with
        `intents(changes)` and `outcomes(records)` writes each group with one fsync.

        Outcomes are the journal's: applied, nothing_to_do (the value was already in place, so undo
        leaves it alone), conflict, failed, unknown. After an unknown outcome (connection lost, 5xx)
        no further window is started; changes not yielded were not attempted and not journaled.
        ConnectionLost is raised when the re-read of a window fails, before anything of it is sent.
        """
        for change in [c for c in changes if c.attribute in BETA]:
            result = self._apply_one(change, journal)
            yield result
            if result[1] == "unknown":
                return
        changes = [c for c in changes if c.attribute not in BETA]
        window = BATCH_SIZE * max(1, self.concurrency)
        for start in range(0, len(changes), window):
            part = changes[start:start + window]
            stopped = False
            for result in self._apply_window(part, journal):
                stopped = stopped or result[1] == "unknown"
                yield result
            if stopped:
                return

    def _apply_one(self, change: Change, journal: Journal) -> Result:
        """A beta change (no $batch across versions): journaled intent, `apply`, journaled outcome."""
        seq = _intents(journal, [change])[0]
        decided: Decision
        try:
            extra = self.apply(change)
        except Conflict as exc:
            decided = ("conflict", str(exc), {})
        except WriteFailed as exc:
            decided = ("failed", str(exc), {})
        except ConnectionLost as exc:
            decided = ("unknown", str(exc), {})
        else:
            if extra.pop("unchanged", False):
                decided = ("nothing_to_do", "already in place; nothing written", extra)
            else:
                decided = ("applied", "", extra)
        _outcomes(journal, [(seq, *decided)])
        return (change, *decided)

    def _apply_window(self, changes: list[Change], journal: Journal) -> Iterator[Result]:
        decisions: list[Decision | None] = []
        users: list[User | None] = []
        if self._fatal:
            decisions = [("failed", self._fatal, {})] * len(changes)
            users = [None] * len(changes)
        else:
            reads = self.session.batch([{"method": "GET", "url": self._read_url(c)} for c in changes],
                                       self.concurrency)
            for change, item in zip(changes, reads, strict=True):
                refusal = _unsupported(change)
                if refusal:
                    decisions.append(("failed", refusal, {}))
                    users.append(None)
                    continue
                if "signin" in item:
                    decisions.append(("failed", str(self._fatal_failure(item["signin"])), {}))
                    users.append(None)
                    continue
                if item["status"] == 404:
                    user: User | None = None
                elif item["status"] == 200:
                    user = item["body"] or {}
                else:
                    failure = self._item_failure("GET", self._read_url(change), item, None, nothing_sent=True)
                    if isinstance(failure, ConnectionLost):
                        raise failure
                    decisions.append(("failed", str(failure), {}))
                    users.append(None)
                    continue
                users.append(user)
                decisions.append(_decide(change, user))
            self._settle(changes, users, decisions)
        seqs = _intents(journal, changes)
        immediate = [(seq, *d) for seq, d in zip(seqs, decisions, strict=True) if d is not None]
        _outcomes(journal, immediate)
        outcome_of = {seq: (outcome, detail, extra) for seq, outcome, detail, extra in immediate}
        send = [i for i, d in enumerate(decisions) if d is None]
        if send:
            answers = self.session.batch(
                [{"method": "PATCH", "url": f"/users/{quote(changes[i].object, safe='')}",
                  "body": {changes[i].attribute: _new(changes[i])}} for i in send],
                self.concurrency, read_only=False)
            records: list[OutcomeRecord] = []
            for i, item in zip(send, answers, strict=True):
                if "signin" in item:
                    outcome: Decision = ("failed", str(self._fatal_failure(item["signin"])), {})
                else:
                    outcome = self._patch_outcome(changes[i], item, users[i])
                records.append((seqs[i], *outcome))
                outcome_of[seqs[i]] = outcome
            _outcomes(journal, records)
        for change, seq in zip(changes, seqs, strict=True):
            yield (change, *outcome_of[seq])

    def _settle(self, changes: list[Change], users: list[User | None], decisions: list[Decision | None]) -> None:
        """Re-read, after CONSISTENCY_DELAYS, the changes whose re-read disagreed with the plan: a
        lagging replica, not a conflict, until the last re-read still disagrees."""
        for delay in CONSISTENCY_DELAYS:
            pending = [i for i, d in enumerate(decisions) if d is not None and d[0] == "conflict"]
            if not pending:
                return
            time.sleep(delay)
            reads = self.session.batch([{"method": "GET", "url": self._read_url(changes[i])} for i in pending],
                                       self.concurrency)
            for i, item in zip(pending, reads, strict=True):
                if item["status"] == 200:
                    users[i] = item["body"] or {}
                elif item["status"] == 404:
                    users[i] = None
                else:
                    continue
                decisions[i] = _decide(changes[i], users[i])

    def _patch_outcome(self, change: Change, item: User, user: User | None) -> Decision:
        status = item["status"]
        if 200 <= status < 300:
            return "applied", "", {}
        url = f"/users/{quote(change.object, safe='')}"
        failure = self._item_failure("PATCH", url, item, user, nothing_sent=status == -1)
        if isinstance(failure, Conflict):
            return "conflict", str(failure), {}
        if isinstance(failure, ConnectionLost):
            return "unknown", str(failure), {}
        return "failed", str(failure), {}

    # --- failures -------------------------------------------------------------------------------

    def _item_failure(self, method: str, url: str, item: User, user: User | None, nothing_sent: bool) -> Exception:
        """The exception a failed $batch item stands for (status 0: the POST's connection broke)."""
        status = item["status"]
        if status in (0, -1):
            message = ((item.get("body") or {}).get("error") or {}).get("message", "connection lost")
            if nothing_sent:
                return ConnectionLost(f"{message} (nothing was written)")
            return ConnectionLost(f"{message}; whether the change was made is unknown")
        return self._failure(self.session.item_error(method, url, item), user)

    def _failure(self, exc: GraphError, user: User | None) -> Exception:
        if exc.status == 404:
            return Conflict("the user no longer exists in the tenant")
        if exc.status in (401, 403):
            return self._fatal_failure(str(exc))
        if exc.status == 429 or (exc.status < 500 and exc.method == "GET"):
            return WriteFailed(str(exc))
        if exc.status >= 500:
            if exc.method == "GET":
                return ConnectionLost(f"{exc} (nothing was written)")
            return ConnectionLost(f"{exc}; whether the change was made is unknown")
        return WriteFailed(str(exc) + self._explain(exc, user))

    def _fatal_failure(self, text: str) -> WriteFailed:
        self._fatal = text
        return WriteFailed(text)

    def _explain(self, exc: GraphError, user: User | None) -> str:
        """Why Graph refused a stamp, in the administrator's terms (Graph's own text stays first)."""
        text = exc.message.lower()
        if SYNCED in text:
            return " — the user is already synchronized from AD, so sync owns its ImmutableID"
        if DUPLICATE in text:
            return " — another cloud user already holds this ImmutableID"
        upn = (user or {}).get("userPrincipalName") or ""
        if "@" in upn and self._is_federated(upn.rsplit("@", 1)[1]):
            return (" — the user's UPN is in a federated domain, where Graph sets an ImmutableID only at "
                    "creation: move the UPN to the onmicrosoft.com domain, stamp, and move it back")
        return ""

    def _is_federated(self, domain: str) -> bool:
        name = domain.lower()
        if name not in self._federated:
            try:
                found = self.session.get_json(f"/domains/{quote(name, safe='')}", {"$select": "authenticationType"})
                self._federated[name] = str(found.get("authenticationType", "")).lower() == "federated"
            except (GraphError, GraphUnreachable, SignInFailed):
                self._federated[name] = False
        return self._federated[name]


def _unsupported(change: Change) -> str | None:
    """Why this writer cannot carry the change out, or None."""
    if change.target != "cloud" or change.op != "patch" or not change.attribute:
        return f"a Graph writer cannot {change.op} {change.attribute or 'an object'}"
    if len(change.add) > 1 or len(change.remove) > 1:
        return f"{change.attribute} is single-valued; the change names several values"
    if change.attribute in NULL_ONLY and _new(change) is not None:
        return (f"Graph accepts only null for {change.attribute}, so {_new(change)!s} cannot be written back "
                "(the journal keeps it; the next sync of the AD user stamps its own objectGUID)")
    return None


def undo_refusal(change: Change) -> str | None:
    """Why the inverse of `change` cannot be written through Graph, or None."""
    if change.attribute in NULL_ONLY and _old(change) is not None and _new(change) is None:
        return (f"Graph accepts only null for {change.attribute}: the earlier value {_old(change)!s} cannot be "
                "written back (it stays recorded in the journal); the next sync of the AD user stamps its own")
    return None


def _new(change: Change) -> Value:
    return change.add[0] if change.add and change.add[0] not in (None, "") else None


def _old(change: Change) -> Value:
    return change.remove[0] if change.remove and change.remove[0] not in (None, "") else None


def _unreadable(change: Change, user: User) -> bool:
    """Graph did not return the property (it is in no published schema): its value cannot be compared."""
    return change.attribute in UNSELECTABLE and change.attribute not in user


def _state(change: Change, user: User) -> str:
    """ImmutableIDs compare exactly: the sourceAnchor is case-sensitive. A property Graph does not
    return reads as 'after', as apply's read-back treats what it cannot read."""
    if _unreadable(change, user):
        return "after"
    current = user.get(change.attribute) or None
    if current == _new(change):
        return "after"
    if current == _old(change):
        return "before"
    return "other"


def _decide(change: Change, user: User | None) -> Decision | None:
    """The outcome known before writing (conflict, or already in place), or None: write it."""
    if user is None:
        return "conflict", "the user no longer exists in the tenant", {}
    if _unreadable(change, user):
        return None
    current = user.get(change.attribute) or None
    if current == _new(change):
        return "nothing_to_do", "already in place; nothing written", {}
    if current != _old(change):
        return ("conflict", f"{change.attribute} is now {current or '(empty)'}, the plan expected "
                            f"{_old(change) or '(empty)'!s}; not overwritten", {})
    return None


def _intents(journal: Journal, changes: list[Change]) -> list[int]:
    if callable(getattr(journal, "intents", None)):
        return list(journal.intents(changes))
    return [journal.intent(change) for change in changes]


def _outcomes(journal: Journal, records: Iterable[OutcomeRecord]) -> None:
    listed = list(records)
    if not listed:
        return
    if callable(getattr(journal, "outcomes", None)):
        journal.outcomes(listed)
        return
    for seq, outcome, detail, extra in listed:
        journal.outcome(seq, outcome, detail, **extra)
