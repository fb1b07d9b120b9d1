"""Manual: moving an AD object between OUs, or changing the sync filter, affects more than this user.

The guidance says which of the two applies (an excluded OU, or no included OU), names the OUs, and
gives the Move-ADObject command; a critical system object needs a different account altogether.
"""
from syncready.fixerapi import FixContext, Result, Subject
from syncready.worklist import parent_dn as _parent

from ._common import ps_quote


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    evidence = result.evidence or {}
    dn = str(evidence.get("onprem_dn") or getattr(subject.counterpart, "dn", "the AD user"))
    if evidence.get("critical"):
        return (f"{dn} is a critical system object, which sync never exports: give {subject.name} an ordinary AD "
                f"account (with the UPN {subject.name}) and take the UPN off {dn}")
    include = evidence.get("include") or []
    excluded = evidence.get("excluded_ou") or ctx.index.config.scope.excluding(dn)
    move = f"Move-ADObject -Identity '{ps_quote(dn)}' -TargetPath '<OU>'"
    if excluded:
        return (f"move {dn} out of the excluded OU {excluded} into a synchronized OU ({move}), or stop excluding "
                f"{excluded} in Entra Connect / Cloud Sync and in [scope] exclude of syncready.toml")
    return (f"move {dn} into a synchronized OU ({'; '.join(include) or 'see [scope] include'}) with {move}, or "
            f"add {_parent(dn)} to the synchronized OUs in Entra Connect / Cloud Sync and to [scope] include of "
            "syncready.toml")

