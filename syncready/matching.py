"""Predicts which cloud user Entra will join an on-prem user to when it is first exported.

Entra's order (how-to-connect-install-existing-tenant, tshoot-connect-sync-errors): hard match of
the sourceAnchor to onPremisesImmutableId; else, unless blockSoftMatchEnabled, SMTP soft match of
primary SMTP addresses; else, when softMatchOnUpnEnabled, UPN soft match. A stage that finds a
candidate it may not join (an ImmutableID already set, a directory role, a guest, a cloud-managed
user, hard-match takeover blocked, an onPremisesObjectIdentifier of another object) ends the matching
with an error in Entra, so it ends it here too: the on-prem user is then matched to nobody. The anchor
follows [sync] source_anchor (Index.anchor); the client ([sync] client) does not change the
prediction: a UPN match under Cloud Sync is predicted as Connect Sync would make it, and the
sync-client-match check says that Microsoft documents none. The lookups live on the Index.
"""
from __future__ import annotations

import uuid
from typing import NamedTuple

from .checkapi import Result, skipped
from .coverage import CoverageStatus
from .immutableid import decode_anchor
from .index import Index, grouped
from .model import CloudUser, OnPremObject
from .names import fold, name_keys

__all__ = ["Match", "Pairing", "fold", "match_blocker", "name_keys", "names_object_guid", "names_other_object",
           "pairing", "pairing_note", "predict_match", "probable_duplicates", "sync_behavior_unread", "unpaired"]

HARDENING_ERROR = ("AttributeUpdateNotAllowed: \"Hard match operation blocked due to security hardening. "
                   "Review OnPremisesObjectIdentifier mapping.\"")
ROLE_RULE = ("Entra refuses soft match (Existing Admin Role Conflict) and, from 2026-07-01, hard match of "
             "users with a directory role, assigned or eligible; Microsoft says privileged roles, the "
             "what's-new entry says any Entra role")


class Match(NamedTuple):
    """The predicted outcome; `candidate` is the cloud user a stage found but could not join.

    `rivals` are the other in-scope AD users predicted onto that same candidate: at most one of them
    joins it, so none is predicted to. A NamedTuple because one is made per on-prem user.
    """

    user: CloudUser | None
    how: str | None                    # "hard" | "smtp" | "upn" | None
    why: str | None                    # the reason's text; None for a join, whose reason is made when read
    candidate: CloudUser | None = None
    rivals: tuple[OnPremObject, ...] = ()
    onprem: OnPremObject | None = None  # a join's AD user, whose primary SMTP address or UPN it matched
    anchor: str | None = None          # a hard match's anchor (the string the Index holds) and attribute
    attribute: str | None = None

    @property
    def reason(self) -> str:
        """Why: for a join, made from its parts when asked (only failing checks ask), so the 95 % of AD
        users that join hold no text of their own (150 bytes each; the parts are strings they hold)."""
        how, user, onprem = self.how, self.user, self.onprem
        if self.why is not None or how is None or user is None or onprem is None:
            return self.why or ""
        basis = self.anchor if how == "hard" else onprem.primary_smtp if how == "smtp" else onprem.upn
        return f"{LABELS[how]} on {_what(how, basis or '', self.attribute)} with cloud user {user.upn}"


def predict_match(onprem_user: OnPremObject, index: Index) -> Match:
    """The cloud user Entra will join this on-prem user to, how, and why (SPEC §3).

    Computed once per on-prem user and Index (single-match and orphan-onprem share it): the raw
    prediction is kept by `_raw`, and apart from it only one that rivals change (the uncontested are
    told by one lookup of the cloud user's landings). The Index holds the directory, so ids stay valid.
    """
    found = index.predictions.get(id(onprem_user))
    if found is not None:
        return found
    match = _raw(onprem_user, index)
    found = _contested(onprem_user, match, index)
    if found is not match:      # only a contested prediction is kept apart from the raw one (8 MB at 100k)
        index.predictions[id(onprem_user)] = found
    return found


class Pairing(NamedTuple):
    """The AD user whose data sync will write to a cloud user: the one predicted to join it (`how`
    "hard", "smtp" or "upn"), else its only same-UPN AD user (`how` None) unless that one is predicted
    to join another cloud user (`joins_elsewhere`: it, that user and how; onprem then None, since writing
    this cloud user's values onto it would change the other's); `contenders` when several in-scope AD
    users are predicted onto it and which one joins is not knowable (onprem then None)."""

    onprem: OnPremObject | None
    how: str | None
    contenders: tuple[OnPremObject, ...] = ()
    joins_elsewhere: tuple[OnPremObject, CloudUser, str] | None = None


def pairing(cloud_user: CloudUser, index: Index) -> Pairing:
    """Which AD user the data checks (drift, proxies, mail) and their fixers compare with this cloud user."""
    table = index.pairings
    if table is None:
        table = index.pairings = {cloud_id: Pairing(None, None, landed) if len(landed) > 1
                                  else Pairing(landed[0], _raw(landed[0], index).how)
                                  for cloud_id, landed in _landings(index).items()}
    found = table.get(cloud_user.id)
    if found is not None:
        return found
    holders = index.counterpart_tuple(cloud_user)
    if len(holders) != 1:
        return Pairing(None, None)
    holder = holders[0]
    if index.in_scope(holder) and (elsewhere := _raw(holder, index)).user is not None:
        return Pairing(None, None, joins_elsewhere=(holder, elsewhere.user, elsewhere.how or ""))
    return Pairing(holder, None)


def unpaired(found: Pairing, holders: list[OnPremObject]) -> Result:
    """The skip of a check that needs the paired AD user when there is none to compare."""
    if found.contenders:
        dns = [o.dn for o in found.contenders]
        return skipped(f"{len(dns)} in-scope AD users are predicted to join this cloud user ({'; '.join(dns[:3])}): "
                       "which one does depends on the export order (see single-match)", onprem_dns=dns,
                       contenders=dns)
    if found.joins_elsewhere is not None:
        holder, other, how = found.joins_elsewhere
        return skipped(f"{holder.dn}, which has this userPrincipalName, is predicted to join cloud user {other.upn} "
                       f"by {LABELS[how]}, not this one: its data is compared with that user's (see "
                       "single-match)", onprem_dns=[holder.dn], joins=other.upn)
    if not holders:
        return skipped("no on-prem user has this userPrincipalName (see upn-exists)")
    dns = [o.dn for o in holders]
    return skipped(f"{len(dns)} on-prem users have this userPrincipalName (see upn-unique)", onprem_dns=dns)


def pairing_note(found: Pairing) -> str:
    """How a data check's pair was made, when sync joins it by something else than the UPN."""
    if found.onprem is None or found.how not in ("hard", "smtp"):
        return ""
    return (f" (paired with {found.onprem.dn} by {LABELS[found.how]}, not by userPrincipalName: that is the AD "
            "user sync joins to this cloud user)")


LABELS = {"hard": "hard match", "smtp": "SMTP soft match", "upn": "UPN soft match"}


def _raw(onprem_user: OnPremObject, index: Index) -> Match:
    """The prediction for this AD user alone, before other AD users compete for its cloud user."""
    found = index.raw_predictions.get(id(onprem_user))
    if found is None:
        found = index.raw_predictions[id(onprem_user)] = _predict(onprem_user, index)
    return found


def _landings(index: Index) -> dict[str, tuple[OnPremObject, ...]]:
    """In-scope AD users by the id of the cloud user each alone would join, built once per Index."""
    table = index.landings
    if table is None:
        table = index.landings = grouped((user.id, obj) for obj in index.onprem_subjects()
                                         if (user := _raw(obj, index).user) is not None)
    return table


def _contested(onprem_user: OnPremObject, match: Match, index: Index) -> Match:
    """No join when other in-scope AD users are predicted onto the same cloud user: the first one
    exported joins it (an order nobody can know in advance); Entra refuses the others, since the
    cloud user is then synchronized (InvalidSoftMatch), and creates duplicates with quarantined UPNs."""
    if match.user is None:
        return match
    landed = _landings(index).get(match.user.id, ())
    if len(landed) == 1 and landed[0] is onprem_user:
        return match
    rivals = tuple(o for o in landed if o is not onprem_user)
    if not rivals:
        return match
    names = "; ".join(o.dn for o in rivals[:3]) + (f" and {len(rivals) - 3} more" if len(rivals) > 3 else "")
    return Match(None, None, f"{match.reason}, but {len(rivals)} other in-scope AD user(s) are predicted onto "
                 f"{match.user.upn} too ({names}): only the first one exported joins it, and which one that is "
                 "depends on the export order; Entra refuses the others, since the cloud user is then "
                 "synchronized (InvalidSoftMatch), and creates each a duplicate cloud user with a quarantined "
                 "UPN", match.user, rivals)


def _predict(onprem_user: OnPremObject, index: Index) -> Match:
    features = index.features
    anchor = index.anchor(onprem_user)
    if anchor:
        held = index.cloud_by_immutable_id.get(anchor, ())
        if held:
            return _decide(held, "hard", anchor, onprem_user, index, index.anchor_attribute(onprem_user))
    if features.block_soft_match:
        return Match(None, None, "no cloud user holds the anchor as onPremisesImmutableId, and soft match "
                                 "is blocked for the tenant (blockSoftMatchEnabled)")
    primary = onprem_user.primary_smtp
    if primary:
        held = index.cloud_by_primary_smtp.get(primary.lower(), ())
        if held:
            return _decide(held, "smtp", primary, onprem_user, index)
    if not features.soft_match_on_upn:
        return Match(None, None, "no cloud user holds the anchor or the primary SMTP address "
                                 f"{primary or '(none)'}, and UPN soft match is off (softMatchOnUpnEnabled)")
    if onprem_user.upn:
        held = index.cloud_by_upn.get(onprem_user.upn.lower(), ())
        if held:
            return _decide(held, "upn", onprem_user.upn, onprem_user, index)
    return Match(None, None, f"no cloud user holds the anchor {anchor or '(none)'}, the primary SMTP address "
                             f"{primary or '(none)'} or the userPrincipalName {onprem_user.upn or '(none)'}")


def _decide(held, how: str, basis: str, onprem_user: OnPremObject, index: Index,
            attribute: str | None = None) -> Match:
    """The stage's outcome for the cloud users holding `basis` (the anchor, primary SMTP address or UPN)."""
    if len(held) > 1:
        names = ", ".join(u.upn for u in held[:3])
        return Match(None, None, f"{LABELS[how]} on {_what(how, basis, attribute)} is ambiguous: {len(held)} cloud "
                     f"users hold it ({names})", held[0])
    user = held[0]
    problem = match_blocker(user, how, index, onprem_user)
    if problem:
        return Match(None, None, f"{LABELS[how]} on {_what(how, basis, attribute)} finds cloud user {user.upn}, "
                     f"but {problem}", user)
    return Match(user, how, None, onprem=onprem_user, anchor=basis if how == "hard" else None, attribute=attribute)


def _what(how: str, basis: str, attribute: str | None) -> str:
    """What a stage compared, for a reason: the anchor and its attribute, or the address."""
    if how == "hard":
        return f"anchor {basis} ({attribute})"
    return f"primary SMTP address {basis}" if how == "smtp" else f"userPrincipalName {basis}"


def match_blocker(user: CloudUser, how: str, index: Index, onprem_user: OnPremObject | None = None) -> str | None:
    """Why Entra refuses to join this cloud user in the given stage, or None when it joins it.

    `onprem_user` is the AD user being exported: the object-identifier block of a hard match and
    the wording of a refused soft match name it (without it, an object identifier blocks)."""
    if user.is_guest:
        return "it is a guest, and guests cannot be matched"
    if user.cloud_managed:
        return ("its source of authority is in the cloud (onPremisesSyncBehavior.isCloudManaged is true), so "
                "sync does not take it over: the sync client logs event 6956 (the object isn't synced because "
                "its source of authority is in the cloud)")
    if how == "hard":
        if index.features.block_cloud_object_takeover_through_hard_match and not user.sync_enabled:
            return ("hard match of cloud-created users is blocked for the tenant "
                    "(blockCloudObjectTakeoverThroughHardMatchEnabled; InvalidHardMatch)")
        if (user.object_identifier and not index.features.allow_object_identifier_update
                and names_other_object(user.object_identifier, onprem_user)):
            own = _guid_text(onprem_user.object_guid) if onprem_user and onprem_user.object_guid else "unknown"
            return (f"its onPremisesObjectIdentifier {user.object_identifier} names another on-prem object than "
                    f"this one (objectGUID {own}), and from 2026-07-01 Entra blocks that hard match "
                    f"({HARDENING_ERROR}); clear it to null, or turn on "
                    "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled for the cutover only")
    elif user.sync_enabled:
        return "it is already synchronized, bound by its ImmutableID to another on-prem object"
    elif user.immutable_id:
        anchor = index.anchor(onprem_user) if onprem_user is not None else None
        return (f"it already has onPremisesImmutableId {user.immutable_id}, not the anchor {anchor or '(none)'} "
                "of the AD user, so soft match is refused (InvalidSoftMatch) and Entra tries to provision a "
                "new object, which fails with AttributeValueMustBeUnique (ProxyAddresses or "
                "OnPremiseSecurityIdentifier)")
    if index.directory.roles_known:
        roles = index.roles_by_principal.get(user.id)
        if roles:
            names = ", ".join(sorted({r.role + (" (eligible)" if r.eligible else "") for r in roles}))
            return f"it holds the directory role(s) {names}: {ROLE_RULE}"
    return None


def names_object_guid(identifier: str | None, raw: bytes | None) -> bool:
    """Whether an onPremisesObjectIdentifier names the AD object whose objectGUID is `raw`.

    Its format is undocumented (Graph's description is "TODO"); Microsoft's examples compare it with
    the objectGUID, so the GUID text (any case, braces or not) and, defensively, the base64 of the
    objectGUID bytes (the form of an objectGUID anchor) name the same object."""
    if not raw or not identifier:
        return False
    text = identifier.strip().strip("{}")
    try:
        return uuid.UUID(text).bytes_le == raw
    except ValueError:
        pass
    try:
        return decode_anchor(text) == raw
    except ValueError:
        return False


def names_other_object(identifier: str, onprem_user: OnPremObject | None) -> bool:
    """Whether an onPremisesObjectIdentifier names another AD object than `onprem_user` (anything it
    cannot be shown to name, or no objectGUID to compare, is another)."""
    return not names_object_guid(identifier, onprem_user.object_guid if onprem_user else None)


def sync_behavior_unread(user: CloudUser, index: Index) -> str | None:
    """Why a predicted match onto `user` rests on data not read, or None: only a previously synced
    user can be cloud-managed, and its onPremisesSyncBehavior may have been refused (SPEC §10)."""
    if user.cloud_managed is not None or not user.may_be_cloud_managed:
        return None
    coverage = index.directory.coverage
    name = "users.onPremisesSyncBehavior"
    entry = coverage.collections.get(name)
    if entry is not None and entry.status is CoverageStatus.NOT_READ:
        return f"{name} ({entry.reason or 'not read'}" + (f"; {entry.how})" if entry.how else ")")
    problems = coverage.unread([name])
    return problems[0] if problems else None


def _guid_text(raw: bytes) -> str:
    return str(uuid.UUID(bytes_le=raw))


# Probable duplicates ---------------------------------------------------------------------------
def probable_duplicates(onprem_user: OnPremObject, index: Index,
                        limit: int = 5) -> tuple[list[tuple[CloudUser, str]], int]:
    """Cloud users (not guests) that probably are the same person, strongest likeness first, and how many.

    At most `limit` holders are read per key, so a common name costs no more than a rare one.
    """
    keys = name_keys(onprem_user)
    table = index.cloud_by_name_key(keys, lambda: _unmatched_keys(index))
    found: dict[int, tuple[int, CloudUser, str]] = {}
    total = 0
    for key in sorted(keys):
        rank, why = _LIKENESS[key[0]]
        holders = table.get(key, ())
        total = max(total, len(holders))
        for user in holders[:limit]:
            known = found.get(id(user))
            if known is None or rank < known[0]:
                found[id(user)] = (rank, user, why)
    ranked = sorted(found.values(), key=lambda item: (item[0], item[1].upn.lower()))
    return [(user, why) for _, user, why in ranked[:limit]], max(total, len(found))


def _unmatched_keys(index: Index) -> set[str] | None:
    """The name keys of the in-scope AD users predicted to join nobody: those orphan-onprem asks about.
    None before every AD user's prediction is made (a run of a few users: predicting all of them to
    narrow the table would cost more than the table)."""
    if index.landings is None:
        return None
    memo: dict[str, list[str]] = {}
    return {key for obj in index.onprem_subjects() if predict_match(obj, index).user is None
            for key in name_keys(obj, memo)}


_LIKENESS = {"n": (0, "same name"), "l": (1, "same address local part"), "i": (2, "same initial and surname")}
