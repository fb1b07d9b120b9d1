"""Manual: role assignments are a security decision, and Microsoft advises cloud-only admin accounts.

The guidance names each role and whether it is active or eligible (PIM), since they are removed in
different places, and offers the alternative of a separate, synchronized non-admin account.
"""
from syncready.fixerapi import FixContext, Result, Subject


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    upn = subject.name
    roles = (result.evidence or {}).get("roles")
    if not roles:
        return unread_guidance(subject, result, ctx)
    active = sorted({r["role"] for r in roles if not r.get("eligible")})
    eligible = sorted({r["role"] for r in roles if r.get("eligible")})
    parts = []
    if active:
        parts.append(f"the {_names(active)} role assignment{'s' if len(active) > 1 else ''} (active)")
    if eligible:
        parts.append(f"the eligible {_names(eligible)} assignment{'s' if len(eligible) > 1 else ''} "
                     "(Privileged Identity Management)")
    groups = sorted({r["via_group"] for r in roles if r.get("via_group")})
    via = (f"; for the role(s) held through group(s) {', '.join(groups)}, remove {upn} from the group (or the "
           "group's assignment) instead" if groups else "")
    return (f"remove {' and '.join(parts)} from {upn} before the first sync, noting them{via}; let the first sync "
            "match the user (soft match refuses an admin, and from 2026 hard match does too); then restore them — "
            "Microsoft's recovery table (existing-tenant page). Or keep "
            f"{upn} as a cloud-only admin account and sync a separate non-admin account for the person")


def unread_guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    return (f"the directory roles could not be read: grant the app RoleManagement.Read.Directory (roleAssignments "
            f"and roleEligibilitySchedules) and check again; until then look {subject.name} up in the Entra admin "
            "center under Roles and administrators")


def _names(roles) -> str:
    return ", ".join(roles[:-1]) + " and " + roles[-1] if len(roles) > 1 else roles[0]
