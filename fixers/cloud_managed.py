"""Manual: moving the source of authority back to AD is a policy decision Microsoft asks admins to
prepare (remove cloud-only references first), so syncready only says exactly how."""
from syncready.checks._hardening import SYNC_BEHAVIOR_PERMISSION
from syncready.fixerapi import FixContext, Result, Subject


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    user_id = (result.evidence or {}).get("cloud_id") or subject.id
    if result.status == "error":
        return unread_guidance(subject, result, ctx)
    return (f"if AD should manage {subject.name} again, roll its source of authority back: Graph PATCH "
            f"https://graph.microsoft.com/v1.0/users/{user_id}/onPremisesSyncBehavior with body "
            '{"isCloudManaged": false} (permission ' + SYNC_BEHAVIOR_PERMISSION + "), or in PowerShell: "
            f"Invoke-MgGraphRequest -Method PATCH -Uri 'https://graph.microsoft.com/v1.0/users/{user_id}/"
            "onPremisesSyncBehavior' -Body '{\"isCloudManaged\": false}'; the next sync cycle takes the user "
            "over. If it should stay cloud-managed, waive cloud-managed for it ([[waivers]] in syncready.toml)")


def unread_guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    user_id = (result.evidence or {}).get("cloud_id") or subject.id
    return (f"grant the app {SYNC_BEHAVIOR_PERMISSION} (the only permission of onPremisesSyncBehavior) and check "
            f"again; meanwhile look it up: GET https://graph.microsoft.com/v1.0/users/{user_id}/onPremisesSyncBehavior"
            "?$select=isCloudManaged")
