"""Helpers shared by fixers: building changes for the user's counterpart."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from syncready.fixerapi import Change, FixContext, Operation, Safety, Subject, Target


def modify(check: str, subject: Subject, obj: Any, attribute: str, remove: Iterable, add: Iterable, note: str = "",
           safety: Safety | None = None) -> Change:
    """One LDAP modify of the AD object; `safety` None takes the check's META.safety (see fixerapi)."""
    return Change(check=check, subject=subject.name, target=Target.ONPREM, op=Operation.MODIFY, object=obj.dn,
                  attribute=attribute, remove=list(remove), add=list(add), note=note, safety=safety)


def set_single(check: str, subject: Subject, ctx: FixContext, obj: Any, attribute: str, current: Any,
               new: Any) -> list[Change]:
    """Set a single-valued AD attribute: delete the exact old value and add the new, in one modify."""
    now = ctx.values(obj, attribute, current)
    if len(now) == 1 and str(now[0]) == str(new):
        return []
    return [modify(check, subject, obj, attribute, now, [new] if new not in (None, "") else [])]


def ps_quote(text) -> str:
    """A value inside a single-quoted PowerShell string."""
    return str(text).replace("'", "''")


def paired_elsewhere(subject, ctx, verb: str) -> bool:
    """Refuse (and say so) when sync is predicted to join another AD user than the one with the cloud
    user's UPN (or an AD user to a cloud user no AD user shares a UPN with): copying cloud values onto
    it would make a merge that may be wrong permanent. The check still warns what the join would lose;
    the match is decided first."""
    if subject.paired is subject.counterpart:
        return False
    if subject.counterpart is not None:
        ctx.refuse(f"not {verb}: sync is predicted to join {subject.paired.dn} to this cloud user, not "
                   f"{subject.counterpart.dn} that has its userPrincipalName; decide which AD user is this "
                   "person's first (single-match)")
    else:
        ctx.refuse(f"not {verb}: sync is predicted to join {subject.paired.dn} to this cloud user although their "
                   "userPrincipalNames differ; decide first whether they are the same person (single-match, "
                   "upn-exists)")
    return True


def smtp_join_once_cleared(subject, index) -> str | None:
    """Why clearing the cloud user's ImmutableID must not be planned, or None: an in-scope AD user
    other than the one with its UPN has its primary SMTP address, so with the ImmutableID gone Entra
    would soft-match that one (SMTP is matched before the UPN) — a join of another person the fix
    would open. Shared by every fixer that clears onPremisesImmutableId."""
    user, ad = subject.obj, subject.counterpart
    primary = user.soft_match_smtp
    if not primary or index.features.block_soft_match:
        return None
    for holder in index.holders(primary, besides=(ad,), cloud=False):
        if holder.object_class == "user" and (holder.primary_smtp or "").lower() == primary.lower():
            return (f"clearing the ImmutableID would let {holder.dn} soft-match {subject.name} on the primary SMTP "
                    f"address {primary} (SMTP is matched before the UPN), not {ad.dn} that has its "
                    "userPrincipalName: decide which AD user is this person's first (single-match), then give the "
                    "other one another primary SMTP address, or write the ImmutableID into mS-DS-ConsistencyGuid "
                    "of the right one ([fix] stale_immutable_id = \"write-to-ad\")")
    return None
