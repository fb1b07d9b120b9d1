"""previously-synced: an earlier sync's identity on a cloud user must be its AD counterpart's own.

Decided from the readable signals (SPEC §10): onPremisesObjectIdentifier where Graph returns it (it is
in no published schema, so its absence proves nothing and every message says Entra checks it), the
SID, a stale ImmutableID and the sAMAccountName. A user with marks of an earlier sync but no single
counterpart is *skipped* with the leftovers as evidence: nothing pairs with it by UPN, upn-exists or
upn-unique already blocks it, and a fail would block it a second time for a reason it cannot name.
"""
from __future__ import annotations

from typing import Any

from syncready.checkapi import CheckMeta, Result, failed, passed, skipped
from syncready.immutableid import anchor_from_bytes
from syncready.matching import names_object_guid
from syncready.model import CloudUser, OnPremObject
from syncready.vocab import FixAvailability, Safety, Severity, Status, SubjectKind

from ._common import EXISTING_TENANT, GRAPH_USER, SYNC_ERRORS
from ._hardening import (BYPASS_FLAG, CLEAR_ONPREM_ATTRIBUTES, HARDENING_ERROR, OBJECT_IDENTIFIER, SOA_OVERVIEW,
                         WHATS_NEW, anchor_of, guid_text, property_unread, same_sid)

SID = "onPremisesSecurityIdentifier"
IMMUTABLE_ID = "onPremisesImmutableId"
SAM = "onPremisesSamAccountName"
RECOVERY = ("Microsoft's recovery: clear the leftovers to null — PATCH https://graph.microsoft.com/beta/users/{id} "
            '{"onPremisesObjectIdentifier": null} (permission User-OnPremisesSyncBehavior.ReadWrite.All; Global '
            "or Hybrid Identity Administrator), or ADSyncTools 2.5 or later: Clear-ADSyncToolsOnPremisesAttribute "
            "-Identity {id} -All; `syncready fix --select previously-synced --unsafe` does it. If that cannot be "
            f"done in time, {BYPASS_FLAG} on the tenant is a temporary bypass, to be turned off afterwards")
UNREADABLE = ("Entra also checks onPremisesObjectIdentifier, which Graph did not return (it is in no published "
              "schema): if it was left by the earlier sync, clear it before the first sync")

META = CheckMeta(
    id="previously-synced", order=72,
    inputs=("users", "users.onPremisesSyncEnabled", "users.onPremisesImmutableId", "adUsers"),
    title="An earlier sync's identity on the cloud user is its on-prem user's own",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.SOMETIMES, safety=Safety.UNSAFE,
    description="For cloud users an earlier sync left marks on (onPremisesSyncEnabled false, "
                "onPremisesLastSyncDateTime, onPremisesSecurityIdentifier, onPremisesObjectIdentifier, "
                "onPremisesDistinguishedName, onPremisesSamAccountName), compares what identifies the earlier "
                "AD object with the counterpart: onPremisesObjectIdentifier with its objectGUID (GUID text), the "
                "SID with its objectSid, a stale ImmutableID with its anchor, the sAMAccountName. Passes when they "
                "point at the counterpart (the same object returns) or when none is left; fails when one names "
                "another object. onPremisesObjectIdentifier is in none of Graph's published schemas: when Graph "
                "does not return it, the message says that Entra checks it too. Passes with a note while the "
                f"tenant's {BYPASS_FLAG} is on. Skipped, with the leftovers, when no single AD user has the UPN.",
    why="From 2026-07-01 Entra blocks a hard match onto a cloud user whose onPremisesObjectIdentifier names "
        "another on-prem object (Connect Sync and Cloud Sync, any version): " + HARDENING_ERROR + " An AD "
        "user recreated after an earlier sync has a new objectGUID and SID, so the old ones block it.",
    how_to_fix=RECOVERY.replace("{id}", "<user id>") + ". The old object identifier cannot be written back "
               "through Graph (only null is accepted); the journal keeps what was there.",
    references=(EXISTING_TENANT, CLEAR_ONPREM_ATTRIBUTES, WHATS_NEW, SOA_OVERVIEW, GRAPH_USER, SYNC_ERRORS),
)


def check(cloud_user: CloudUser, index: Any) -> Result:
    user = cloud_user
    if not user.previously_synced:
        return passed()
    left = leftovers(user)
    found = index.counterparts(user)
    if len(found) != 1:
        who = "no on-prem user has" if not found else f"{len(found)} on-prem users have"
        return skipped(f"previously synchronized ({_marks(left)}), but {who} this userPrincipalName, so whether "
                       "the leftovers are its own cannot be told (see upn-exists, upn-unique); a new AD user "
                       f"hard-matched to it later is refused when they name another object ({HARDENING_ERROR})",
                       leftovers=left, cloud_id=user.id)
    ad = found[0]
    proof, stale = _compare(user, ad, index)
    evidence = {"leftovers": left, "counterpart": _counterpart(ad, index), "cloud_id": user.id,
                "stale": stale, BYPASS_FLAG: index.features.known and index.features.allow_object_identifier_update}
    if user.security_identifier and not index.sid(ad):
        unread = property_unread(index, "adUsers", "objectSid") or (
            f"adUsers.objectSid of {ad.dn} (absent: add objectSid to the LDIF export or the LDAP read)")
        return Result(Status.ERROR, "not read: " + unread, {"unread": [unread], **evidence})
    if evidence[BYPASS_FLAG]:
        what = f"leftovers naming another object ({', '.join(_phrases(stale, ad, index))}) " if stale else ""
        return passed(f"previously synchronized; {what}accepted while {BYPASS_FLAG} is on — a temporary bypass: "
                      "turn it off after the cutover", **evidence)
    if stale and not (proof and set(stale) <= {SAM}):
        phrases = "; ".join(_phrases(stale, ad, index))
        tail = "" if user.object_identifier else f" {UNREADABLE}."
        return failed(f"previously synchronized, and what the earlier sync left names another object than "
                      f"{ad.dn}: {phrases}. The hard match will be refused ({HARDENING_ERROR}).{tail} "
                      + RECOVERY.replace("{id}", user.id), **evidence)
    if proof:
        tail = "" if user.object_identifier else f"; {UNREADABLE}"
        moved = _moved(user, ad)
        return passed(f"previously synced; returns as the same object ({', '.join(proof)}){moved}{tail}", **evidence)
    sid_unread = property_unread(index, "users", SID)
    if sid_unread:
        return Result(Status.ERROR, f"not read: {sid_unread} — {user.upn} was synchronized before and its SID "
                      f"tells whether {ad.dn} is the same object", {"unread": [sid_unread], **evidence})
    return passed(f"previously synchronized ({_marks(left)}); nothing left identifies another object; {UNREADABLE}",
                  **evidence)


def leftovers(user: CloudUser) -> dict[str, Any]:
    """The earlier sync's marks the cloud user carries, by Graph property name (only those set)."""
    values = {"onPremisesSyncEnabled": user.sync_enabled, "onPremisesLastSyncDateTime": user.last_sync,
              OBJECT_IDENTIFIER: user.object_identifier, SID: user.security_identifier,
              "onPremisesDistinguishedName": user.onprem_dn, SAM: user.onprem_sam, IMMUTABLE_ID: user.immutable_id}
    return {k: v for k, v in values.items() if v is not None and v != ""}


def _compare(user: CloudUser, ad: OnPremObject, index: Any) -> tuple[list[str], dict[str, str]]:
    """(what shows the counterpart is the earlier object, the leftovers that name another object)."""
    proof: list[str] = []
    stale: dict[str, str] = {}
    if user.object_identifier:
        if names_object_guid(user.object_identifier, ad.object_guid):
            proof.append(f"{OBJECT_IDENTIFIER} is its objectGUID")
        else:
            stale[OBJECT_IDENTIFIER] = user.object_identifier
    if user.security_identifier and index.sid(ad):
        if same_sid(user.security_identifier, index.sid(ad)):
            proof.append(f"{SID} is its objectSid")
        else:
            stale[SID] = user.security_identifier
    if user.immutable_id:
        anchor = anchor_of(index, ad)
        if ad.object_guid and user.immutable_id == anchor_from_bytes(ad.object_guid) == anchor:
            proof.append("the ImmutableID is its objectGUID anchor")
        elif user.immutable_id != anchor:
            stale[IMMUTABLE_ID] = user.immutable_id
    if user.onprem_sam and ad.sam and user.onprem_sam.lower() != ad.sam.lower():
        stale[SAM] = user.onprem_sam
    return proof, stale


def _phrases(stale: dict[str, str], ad: OnPremObject, index: Any) -> list[str]:
    theirs = {OBJECT_IDENTIFIER: f"its objectGUID is {guid_text(ad.object_guid) or '(none)'}",
              SID: f"its objectSid is {index.sid(ad)}",
              IMMUTABLE_ID: f"its anchor is {anchor_of(index, ad) or '(none)'}",
              SAM: f"its sAMAccountName is {ad.sam}"}
    return [f"{prop} is {value}, {theirs[prop]}" for prop, value in stale.items()]


def _counterpart(ad: OnPremObject, index: Any) -> dict[str, Any]:
    return {"dn": ad.dn, "objectGUID": guid_text(ad.object_guid), "objectSid": index.sid(ad),
            "anchor": anchor_of(index, ad), "sAMAccountName": ad.sam}


def _marks(left: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in left.items() if k != IMMUTABLE_ID) or "earlier-sync marks"


def _moved(user: CloudUser, ad: OnPremObject) -> str:
    if user.onprem_dn and user.onprem_dn.lower() != ad.dn.lower():
        return f"; it was synchronized from {user.onprem_dn} and has moved or been renamed since"
    return ""
