"""password-cutover: what password hash sync does to the person's password (SPEC §10, CHECK-DESIGNS §4.4).

Microsoft (how-to-connect-password-hash-synchronization; reference-cloud-sync-faq): with password
hash sync the AD password replaces the cloud one and is set never to expire in the cloud unless
cloudPasswordPolicyForPasswordSyncedUsersEnabled; "must change at next logon" (pwdLastSet 0) is
honoured only with userForcePasswordChangeOnLogonEnabled (otherwise a user created that way gets an
error signing in), and Cloud Sync does not provision a must-change hash until the user changes the
password in AD; accountExpires is not synced. AD dates are FILETIMEs, shown as UTC dates.
"""
from __future__ import annotations

import datetime as dt

from syncready.checkapi import PASS, CheckMeta, Result, failed, passed, skipped
from syncready.vocab import FixAvailability, Severity, Status, SubjectKind, SyncClient

from ._common import CLOUD_SYNC_FAQ, EXISTING_TENANT, FILETIME_NEVER, GRAPH_SYNC_FEATURES, PASSWORD_HASH_SYNC, filetime

UAC_PASSWD_NOTREQD = 0x20
UAC_SMARTCARD_REQUIRED = 0x40000

META = CheckMeta(
    id="password-cutover", order=230, needs_counterpart=True,
    inputs=("adUsers.pwdLastSet", "adUsers.lastLogonTimestamp", "adUsers.accountExpires", "sync"),
    title="Password hash sync will not surprise the user",
    severity=Severity.WARNING, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.MANUAL,
    description="With password hash sync on (passwordSyncEnabled), warns when the counterpart must change "
                "its password at next logon (pwdLastSet 0) and the tenant does not sync that flag "
                "(userForcePasswordChangeOnLogonEnabled off), or the sync client is Cloud Sync; when the AD "
                "account never logged on (lastLogonTimestamp empty), so the person probably does not know the "
                "AD password; when accountExpires is in the past (not synced: the cloud account stays active); "
                "when smart card logon is required (AD keeps a random password) or no password is required "
                "(PASSWD_NOTREQD). A warning also says when the AD password that replaces the cloud one was "
                "set. Whether password hash sync will be on is `[sync] password_hash_sync` when set, else the tenant's "
                "passwordSyncEnabled (usually still off before Entra Connect is installed, which turns it on "
                "with express settings). When it will be off the cloud password stays: a skip, whose evidence "
                "(if_password_hash_sync) says what would apply once it is on, for the users it would concern. "
                "Dates are UTC.",
    why="At the first sync the cloud password is replaced by the AD password hash: a person who only ever "
        "used the cloud password is locked out on the Monday after the cutover, a must-change flag that is "
        "not synced gives a sign-in error, and an expired AD account stays usable in Microsoft 365.",
    how_to_fix="Tell the people concerned before the cutover which password they will use and have them set "
               "(and use) their AD password; consider userForcePasswordChangeOnLogonEnabled (with SSPR and "
               "password writeback) and cloudPasswordPolicyForPasswordSyncedUsersEnabled before turning on "
               "password hash sync; disable expired AD accounts. syncready never sets passwords.",
    references=(PASSWORD_HASH_SYNC, CLOUD_SYNC_FAQ, GRAPH_SYNC_FEATURES, EXISTING_TENANT),
)


def check(cloud_user, counterpart, index, config):
    features = index.features
    if not features.known:
        unread = ["sync (the tenant's onPremisesDirectorySynchronization features could not be read; grant "
                  "OnPremDirectorySynchronization.Read.All)"]
        return Result(Status.ERROR, "not read: " + unread[0], {"unread": unread})
    planned = config.sync.password_hash_sync
    if (planned is True or (planned is None and features.password_sync)) and _quiet(counterpart):
        return PASS          # the common case: no FILETIME turned into a date, no finding, no evidence
    client = config.sync.client
    today = dt.datetime.now(dt.UTC)
    dates, bad = _dates(counterpart)
    findings = [] if bad else _findings(counterpart, dates, features, client, today)
    off = planned is False or (planned is None and not features.password_sync)
    if not bad and not findings and not off:
        return passed()      # the common case, decided before any evidence is built
    evidence: dict = {"onprem_dn": counterpart.dn, "passwordSyncEnabled": features.password_sync,
                      "userForcePasswordChangeOnLogonEnabled": features.user_force_password_change_on_logon,
                      "cloudPasswordPolicyForPasswordSyncedUsersEnabled":
                          features.cloud_password_policy_for_password_synced_users,
                      "sync_client": str(client), "userAccountControl": counterpart.uac,
                      "pwdLastSet": counterpart.pwd_last_set, "lastLogonTimestamp": counterpart.last_logon_timestamp,
                      "accountExpires": counterpart.account_expires,
                      **{f"{name}_date": value.date().isoformat() for name, value in dates.items() if value}}
    if bad:
        return Result(Status.ERROR, f"{counterpart.dn}: " + "; ".join(bad) + " (100 ns intervals since 1601-01-01 "
                      "UTC): the password facts cannot be told; check the AD export", dict(evidence, malformed=bad))
    if off:
        # the cloud password stays; what would apply once password hash sync is on is kept as evidence
        why = ("[sync] password_hash_sync = false: the cloud password stays" if planned is False else
               "password hash sync is off in the tenant (passwordSyncEnabled false), so the cloud password stays; "
               "Entra Connect's express settings turn it on at installation: set [sync] password_hash_sync = true "
               "in syncready.toml to check the users against it")
        # what would apply once password hash sync is on, only where something would (100k users each
        # carrying their password facts would triple the results JSON)
        return skipped(why, **(dict(evidence, if_password_hash_sync=findings) if findings else {}))
    note = _note(cloud_user, counterpart, dates, features)
    return failed(f"{counterpart.dn}: " + "; ".join(findings) + f"; {note}", **evidence, findings=findings)


# The largest FILETIME `filetime` turns into a date (its microseconds reach datetime.max, 9999-12-31).
LAST_FILETIME = (dt.datetime.max.replace(tzinfo=dt.UTC) - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)) \
    // dt.timedelta(microseconds=1) * 10 + 9
_NOT_SET = (0, FILETIME_NEVER)
_SURPRISES = UAC_SMARTCARD_REQUIRED | UAC_PASSWD_NOTREQD


def _quiet(obj) -> bool:
    """True only when the rules below find nothing and no value is malformed, with password hash sync
    on: pwdLastSet a set FILETIME (not 0), lastLogonTimestamp one too (the account logged on),
    accountExpires never, neither UAC flag. Integer comparisons only; anything else goes to the rules."""
    pwd, logon, expires, uac = obj.pwd_last_set, obj.last_logon_timestamp, obj.account_expires, obj.uac
    return (type(pwd) is int and (pwd == FILETIME_NEVER or 0 < pwd <= LAST_FILETIME)
            and type(logon) is int and 0 < logon <= LAST_FILETIME
            and (expires is None or (type(expires) is int and expires in _NOT_SET))
            and (uac is None or (type(uac) is int and not uac & _SURPRISES)))


def _dates(obj) -> tuple[dict[str, dt.datetime | None], list[str]]:
    """pwdLastSet, lastLogonTimestamp and accountExpires as UTC datetimes (None: 0, never, absent), and
    the values that are no FILETIME, each named."""
    dates: dict[str, dt.datetime | None] = {}
    bad = []
    for name, value in (("pwdLastSet", obj.pwd_last_set), ("lastLogonTimestamp", obj.last_logon_timestamp),
                        ("accountExpires", obj.account_expires)):
        try:
            dates[name] = None if value is None else filetime(value)
        except ValueError as exc:
            bad.append(f"{name} {exc}")
    return dates, bad


def _findings(obj, dates, features, client, today: dt.datetime) -> list[str]:
    found = []
    uac = obj.uac or 0
    if obj.pwd_last_set == 0:
        if client == SyncClient.CLOUD_SYNC:
            found.append("the AD account must change its password at next logon (pwdLastSet 0) and Cloud Sync does "
                         "not provision a must-change password hash until the user changes it in AD: until then "
                         "the user cannot sign in to Microsoft 365 with the new AD password")
        elif not features.user_force_password_change_on_logon:
            found.append("the AD account must change its password at next logon (pwdLastSet 0) but "
                         "userForcePasswordChangeOnLogonEnabled is off: the flag is not synced, and Microsoft says "
                         "a user created with 'User must change password at next logon' before the feature was "
                         "enabled receives an error while signing in")
    elif obj.pwd_last_set is None:
        found.append("the AD account has no pwdLastSet: when (or whether) its password was set is unknown")
    if dates.get("lastLogonTimestamp") is None:
        set_on = _day(dates.get("pwdLastSet"))
        found.append("the AD account has never logged on (lastLogonTimestamp empty): the person probably does not "
                     "know the AD password" + (f" set on {set_on}" if set_on else "") +
                     ", which replaces the cloud password")
    expires = dates.get("accountExpires")
    if expires is not None and expires <= today:
        found.append(f"the AD account expired on {_day(expires)} (accountExpires) but accountExpires is not synced: "
                     "the cloud account stays active; disable the AD account if the person has left")
    if uac & UAC_SMARTCARD_REQUIRED:
        found.append("smart card logon is required (userAccountControl SMARTCARD_REQUIRED 0x40000): AD keeps a "
                     "random password nobody knows, and it replaces the cloud password; plan certificate-based "
                     "authentication in Entra or keep the person's cloud sign-in otherwise")
    if uac & UAC_PASSWD_NOTREQD:
        found.append("no password is required (userAccountControl PASSWD_NOTREQD 0x20): the AD password may be "
                     "empty or outside the password policy, and it is the one synced; clear the flag and set a "
                     "password the person knows")
    return found


def _note(cloud_user, obj, dates, features) -> str:
    """The informational part: which password replaces the cloud one, and its expiry in the cloud."""
    set_on = _day(dates.get("pwdLastSet"))
    text = ("the cloud password will be replaced by the AD password set on " + set_on if set_on
            else "the cloud password will be replaced by the AD password")
    changed = (cloud_user.last_password_change or "")[:10]
    if changed and set_on and changed > set_on:
        text += f" (older than the cloud password, changed {changed})"
    if features.cloud_password_policy_for_password_synced_users:
        return text + "; the cloud password policy applies to it (cloudPasswordPolicyForPasswordSyncedUsersEnabled)"
    return text + ("; it will be set never to expire in the cloud unless "
                   "cloudPasswordPolicyForPasswordSyncedUsersEnabled is turned on before password hash sync")


def _day(moment: dt.datetime | None) -> str | None:
    return moment.date().isoformat() if moment else None
