from syncready.checkapi import CheckMeta, Result, failed, passed
from syncready.vocab import FixAvailability, Severity, Status, SubjectKind

from ._common import EXISTING_TENANT, GRAPH_ROLE_ASSIGNMENTS, GRAPH_ROLE_ELIGIBILITY
from ._hardening import WHATS_NEW

# Microsoft's two announcements differ in date and scope; both are in force for a run after mid-2026.
HARD_MATCH_BLOCK = ("soft match refuses it (Existing Admin Role Conflict) and, from 2026-07-01, hard match too "
                    "(AttributeUpdateNotAllowed, \"Hard match operation blocked due to security hardening\"; the "
                    "existing-tenant page says 2026-07-01 and privileged roles, the Feb 2026 what's-new entry "
                    "2026-06-01 and any Entra role)")
RECOVERY = ("Microsoft's recovery: note the role assignments and eligibilities, remove them, let the first sync "
            "match the user, then restore them (or keep the admin as a separate cloud-only account)")

META = CheckMeta(
    id="no-admin-role", order=80,
    inputs=("users", "roleAssignments", "roleEligibilitySchedules", "groupMembers"),
    title="The cloud user holds no directory role, active or eligible",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.MANUAL,
    description="Looks the cloud user up in the directory role assignments (roleAssignments) and the PIM "
                "eligibility schedules (roleEligibilitySchedules). Any role counts, because Microsoft does "
                "not list which roles block matching. When the role assignments could not be read, the "
                "result is an error rather than a pass, so an administrator is never reported ready "
                "unchecked. A role held by a role-assignable group (the usual PIM-for-Groups setup) counts "
                "for every transitive member of the group (cloud/groupMembers.json); when those members "
                "were not read, the result is an error too.",
    why="Microsoft Entra ID won't match on-premises users with cloud users that have an admin role: the "
        "AD user becomes a second account instead. Since 2026 this holds for hard match as well: Entra blocks a "
        "hard match onto a user assigned or eligible for a role, in the cloud, for Connect Sync and Cloud Sync "
        "alike (\"Hard match operation blocked due to security hardening\"). Microsoft gives two dates and two "
        "scopes: 2026-07-01 and privileged roles (existing-tenant page), 2026-06-01 and any Entra role (what's "
        "new, Feb 2026, MC1262584); syncready counts any role, active or eligible.",
    how_to_fix="Microsoft's recovery table: assigned a role → remove the assignment, sync, restore it; eligible "
               "(PIM) → remove the eligibility, sync, restore it; held through a role-assignable group → remove "
               "the user from the group (or the group's assignment), sync, add it back; soft-deleted and "
               "privileged → restore the user first, then the same. Or keep administrators as separate "
               "cloud-only accounts, or exclude the user from sync. Grant read access to role assignments "
               "(RoleManagement.Read.Directory) if the roles could not be read.",
    references=(EXISTING_TENANT, WHATS_NEW, GRAPH_ROLE_ASSIGNMENTS, GRAPH_ROLE_ELIGIBILITY),
)


def check(cloud_user, index):
    roles = index.roles_by_principal.get(cloud_user.id)
    if roles:
        held = [{"role": r.role, "eligible": r.eligible,
                 **({"via_group": r.principal_id} if r.principal_id != cloud_user.id else {})}
                for r in roles]
        names = ", ".join(_held(r, cloud_user, index) for r in roles)
        return failed(f"{cloud_user.upn} holds {names}; Entra won't match it to its on-prem user: "
                      f"{HARD_MATCH_BLOCK}. {RECOVERY}", roles=held, cloud_id=cloud_user.id)
    if index.unresolved_roles:
        unread = [_unresolved(r, why, index) for r, why in index.unresolved_roles[:3]]
        more = len(index.unresolved_roles) - len(unread)
        if more:
            unread.append(f"and {more} more role(s) held by principals whose members were not read")
        return Result(Status.ERROR, "not read: " + "; ".join(unread), {"unread": unread})
    return passed()


def _held(assignment, cloud_user, index) -> str:
    state = "eligible" if assignment.eligible else "active"
    if assignment.principal_id == cloud_user.id:
        return f"{assignment.role} ({state})"
    return f"{assignment.role} ({state}, through group {index.group_name(assignment.principal_id, assignment)})"


def _unresolved(assignment, why: str, index) -> str:
    state = "eligible" if assignment.eligible else "active"
    if why == "group":
        return (f"groupMembers of group {index.group_name(assignment.principal_id, assignment)}, which holds "
                f"{assignment.role} ({state}) (its transitive members are not in cloud/groupMembers.json; "
                "export GET /groups/{id}/transitiveMembers for it, Group.Read.All)")
    return (f"the principal {assignment.principal_id} holding {assignment.role} ({state}) is neither a cloud user "
            "nor a known group (groups not read; add cloud/groups.json, or export the role assignments with "
            "$expand=principal)")
