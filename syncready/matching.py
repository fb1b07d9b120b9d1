"""Predicts which cloud user Entra will join an on-prem user to when it is first exported.

Entra's order (how-to-connect-install-existing-tenant, tshoot-connect-sync-errors): hard match of
the sourceAnchor to onPremisesImmutableId; else, unless blockSoftMatchEnabled, SMTP soft match of
primary SMTP addresses; else, when softMatchOnUpnEnabled, UPN soft match. A stage that finds a
candidate it may not join (an ImmutableID already set, an admin role, a guest, hard-match takeover
blocked) ends the matching with an error in Entra, so it ends it here too: the on-prem user is then
matched to nobody. The lookups it needs live on the Index (built once per run, on first use).
"""
from __future__ import annotations

from typing import NamedTuple

from .index import Index
from .model import CloudUser, OnPremObject
from .names import fold, name_keys

__all__ = ["Match", "fold", "match_blocker", "name_keys", "predict_match", "probable_duplicates"]


class Match(NamedTuple):
    """The predicted outcome; `candidate` is the cloud user a stage found but could not join.

    A NamedTuple because one is made per on-prem user and per cloud user checked.
    """

    user: CloudUser | None
    how: str | None                    # "hard" | "smtp" | "upn" | None
    reason: str
    candidate: CloudUser | None = None


def predict_match(onprem_user: OnPremObject, index: Index) -> Match:
    """The cloud user Entra will join this on-prem user to, how, and why (SPEC §3).

    Computed once per on-prem user and Index (single-match and orphan-onprem share it): the Index
    holds the directory, so ids stay valid.
    """
    found = index.predictions.get(id(onprem_user))
    if found is None:
        found = index.predictions[id(onprem_user)] = _predict(onprem_user, index)
    return found


def _predict(onprem_user: OnPremObject, index: Index) -> Match:
    features = index.features
    anchor = onprem_user.anchor
    if anchor:
        held = index.cloud_by_immutable_id.get(anchor, ())
        if held:
            return _decide(held, "hard", f"anchor {anchor}", index)
    if features.block_soft_match:
        return Match(None, None, "no cloud user holds the anchor as onPremisesImmutableId, and soft match "
                                 "is blocked for the tenant (blockSoftMatchEnabled)")
    primary = onprem_user.primary_smtp
    if primary:
        held = index.cloud_by_primary_smtp.get(primary.lower(), ())
        if held:
            return _decide(held, "smtp", f"primary SMTP address {primary}", index)
    if not features.soft_match_on_upn:
        return Match(None, None, "no cloud user holds the anchor or the primary SMTP address "
                                 f"{primary or '(none)'}, and UPN soft match is off (softMatchOnUpnEnabled)")
    if onprem_user.upn:
        held = index.cloud_by_upn.get(onprem_user.upn.lower(), ())
        if held:
            return _decide(held, "upn", f"userPrincipalName {onprem_user.upn}", index)
    return Match(None, None, f"no cloud user holds the anchor {anchor or '(none)'}, the primary SMTP address "
                             f"{primary or '(none)'} or the userPrincipalName {onprem_user.upn or '(none)'}")


def _decide(held, how: str, what: str, index: Index) -> Match:
    label = {"hard": "hard match", "smtp": "SMTP soft match", "upn": "UPN soft match"}[how]
    if len(held) > 1:
        names = ", ".join(u.upn for u in held[:3])
        return Match(None, None, f"{label} on {what} is ambiguous: {len(held)} cloud users hold it ({names})",
                     held[0])
    user = held[0]
    problem = match_blocker(user, how, index)
    if problem:
        return Match(None, None, f"{label} on {what} finds cloud user {user.upn}, but {problem}", user)
    return Match(user, how, f"{label} on {what} with cloud user {user.upn}")


def match_blocker(user: CloudUser, how: str, index: Index) -> str | None:
    """Why Entra refuses to join this cloud user in the given stage, or None when it joins it."""
    if user.is_guest:
        return "it is a guest, and guests cannot be matched"
    if how == "hard":
        if index.features.block_cloud_object_takeover_through_hard_match and not user.sync_enabled:
            return ("hard match of cloud-created users is blocked for the tenant "
                    "(blockCloudObjectTakeoverThroughHardMatchEnabled; InvalidHardMatch)")
    elif user.sync_enabled:
        return "it is already synchronized, bound by its ImmutableID to another on-prem object"
    elif user.immutable_id:
        return (f"it already has onPremisesImmutableId {user.immutable_id}, so soft match is refused "
                "(InvalidSoftMatch)")
    if index.directory.roles_known:
        roles = index.roles_by_principal.get(user.id)
        if roles:
            names = ", ".join(sorted({r.role for r in roles}))
            return f"it holds the directory role(s) {names}, and Entra won't match users with an admin role"
    return None


# Probable duplicates ---------------------------------------------------------------------------
def probable_duplicates(onprem_user: OnPremObject, index: Index,
                        limit: int = 5) -> tuple[list[tuple[CloudUser, str]], int]:
    """Cloud users (not guests) that probably are the same person, strongest likeness first, and how many.

    At most `limit` holders are read per key, so a common name costs no more than a rare one.
    """
    table = index.cloud_by_name_key
    found: dict[int, tuple[int, CloudUser, str]] = {}
    total = 0
    for key in sorted(name_keys(onprem_user)):
        rank, why = _LIKENESS[key[0]]
        holders = table.get(key, ())
        total = max(total, len(holders))
        for user in holders[:limit]:
            known = found.get(id(user))
            if known is None or rank < known[0]:
                found[id(user)] = (rank, user, why)
    ranked = sorted(found.values(), key=lambda item: (item[0], item[1].upn.lower()))
    return [(user, why) for _, user, why in ranked[:limit]], max(total, len(found))


_LIKENESS = {"n": (0, "same name"), "l": (1, "same address local part"), "i": (2, "same initial and surname")}
