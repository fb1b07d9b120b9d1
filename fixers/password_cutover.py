"""Manual: syncready never sets passwords. The guidance is what to tell the person and which tenant
features to consider before password hash sync replaces the cloud password (SPEC §10)."""
from syncready.checks.password_cutover import META
from syncready.fixerapi import FixContext, Result, Subject


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    evidence = result.evidence or {}
    findings = evidence.get("findings")
    if not findings:
        return META.how_to_fix
    dn = evidence.get("onprem_dn", "the AD account")
    steps = [f"tell {subject.name} before the cutover that Microsoft 365 will then take the AD password of {dn}, "
             "and have the person set one they know and use it once on-prem (syncready does not set passwords)"]
    text = " ".join(findings)
    if "pwdLastSet 0" in text:
        if evidence.get("sync_client") == "cloud-sync":
            steps.append("with Cloud Sync, have the person change the AD password before the cutover "
                         "(a must-change password is not provisioned until it is changed)")
        else:
            steps.append("either turn on userForcePasswordChangeOnLogonEnabled before password hash sync "
                         "(Update-MgDirectoryOnPremiseSynchronization; it needs SSPR and password writeback) "
                         "or clear 'User must change password at next logon' after the person set a password")
    if "never logged on" in text:
        steps.append("have the person sign in to AD once (or reset the AD password with them) before the cutover")
    if "expired on" in text:
        steps.append(f"disable {dn} in AD if the person has left (accountExpires is not synced), or extend it")
    if "SMARTCARD_REQUIRED" in text:
        steps.append("plan certificate-based authentication in Entra ID for smart card users")
    if "PASSWD_NOTREQD" in text:
        steps.append(f"clear PASSWD_NOTREQD on {dn} (Set-ADUser -PasswordNotRequired $false) and set a password")
    if not evidence.get("cloudPasswordPolicyForPasswordSyncedUsersEnabled"):
        steps.append("consider cloudPasswordPolicyForPasswordSyncedUsersEnabled before password hash sync, or "
                     "synced passwords never expire in the cloud")
    return "; ".join(steps)
