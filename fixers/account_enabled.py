"""Enables the AD account by clearing the ACCOUNTDISABLE bit of userAccountControl, nothing else.

Unsafe because an account may be disabled on purpose (a leaver whose cloud account was forgotten).
Refused where enabling would be wrong or pointless: the account is outside the sync scope (sync never
exports it), locked out or expired (enabled, it still could not sign in), not a normal user account,
or marked PASSWD_NOTREQD (it could then sign in with an empty password). The reverse case — the
cloud sign-in blocked, the AD account enabled — is never written: disabling an AD account can lock a
person out on-prem, so the plan gives the commands for either decision.
"""
from __future__ import annotations

import datetime as dt

from syncready.fixerapi import Change, FixContext, NotFixable, Result, Subject
from syncready.model import UAC_ACCOUNTDISABLE

from ._common import modify, ps_quote


UAC_LOCKOUT = 0x10
UAC_PASSWD_NOTREQD = 0x20
UAC_NORMAL_ACCOUNT = 0x200
NEVER_EXPIRES = (0, 0x7FFFFFFFFFFFFFFF)
FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    ad = subject.counterpart
    if (result.evidence or {}).get("direction") == "enables-cloud":
        raise NotFixable(f"decide by hand: if the block is meant to stay (a shared or resource mailbox, a "
                         f"leaver), `Disable-ADAccount -Identity '{ps_quote(ad.dn)}'` before the first sync; if "
                         f"it is stale, `Update-MgUser -UserId {subject.obj.id} -AccountEnabled:$true`")
    now = ctx.values(ad, "userAccountControl", ad.uac)
    if len(now) != 1:
        raise NotFixable(f"userAccountControl of {ad.dn} was not read; enable the account by hand if it is right")
    uac = int(now[0])
    if not uac & UAC_ACCOUNTDISABLE:
        return []
    if not ctx.index.in_scope(ad):
        raise NotFixable(f"{ad.dn} lies outside the sync scope, so enabling it changes nothing for sync; move "
                         "it into a synchronized OU first (in-sync-scope) or leave it as it is")
    if not uac & UAC_NORMAL_ACCOUNT:
        raise NotFixable(f"{ad.dn} is not a normal user account (userAccountControl {uac}); check what it is "
                         "before enabling it by hand")
    if uac & UAC_PASSWD_NOTREQD:
        raise NotFixable(f"{ad.dn} has PASSWD_NOTREQD (0x20) set, so enabled it could sign in with an empty "
                         "password; set a password and clear the flag, then enable it by hand")
    why = _cannot_sign_in(ad, uac, ctx.run.today)
    if why:
        raise NotFixable(f"{ad.dn} is also {why}, so enabling it alone would not let the person sign in; "
                         "decide whether the account is still in use and repair it by hand")
    return [modify("account-enabled", subject, ad, "userAccountControl", [str(uac)],
                   [str(uac & ~UAC_ACCOUNTDISABLE)],
                   note="AD refuses to enable an account whose password is empty or breaks the password "
                        "policy; that write is then reported as failed: set a password first")]


def _cannot_sign_in(ad, uac: int, today: dt.date) -> str | None:
    """Locked out or expired, from userAccountControl and, when they were read, lockoutTime and accountExpires."""
    if uac & UAC_LOCKOUT or _number(ad.extra.get("lockouttime")):
        return "locked out"
    expires = _number(ad.extra.get("accountexpires"))
    if expires in NEVER_EXPIRES:
        return None
    try:
        moment = FILETIME_EPOCH + dt.timedelta(microseconds=expires // 10)
    except OverflowError:
        return None
    return f"expired (accountExpires {moment.date().isoformat()})" if moment.date() <= today else None


def _number(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
