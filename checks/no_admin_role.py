from syncready.checkapi import CheckMeta, Result, failed, passed

from ._common import EXISTING_TENANT, GRAPH_ROLE_ASSIGNMENTS, GRAPH_ROLE_ELIGIBILITY

META = CheckMeta(
    id="no-admin-role", order=80,
    title="The cloud user holds no directory role, active or eligible",
    severity="blocker", subject="cloud-user", fix="manual",
    description="Looks the cloud user up in the directory role assignments (roleAssignments) and the PIM "
                "eligibility schedules (roleEligibilitySchedules). Any role counts, because Microsoft does "
                "not list which roles block matching. When the role assignments could not be read, the "
                "result is an error rather than a pass, so an administrator is never reported ready "
                "unchecked. A role assigned to a role-assignable group reaches its members but is "
                "seen here only when the source lists it for each member.",
    why="Microsoft Entra ID won't match on-premises users with cloud users that have an admin role: the "
        "AD user becomes a second account instead. Microsoft has also announced that hard match is "
        "blocked for users assigned or eligible for a privileged role.",
    how_to_fix="Keep administrators as separate cloud-only accounts. For this user, remove its role "
               "assignments and eligibilities before the first sync (note them to restore afterwards), or "
               "exclude it from sync. Grant read access to role assignments "
               "(RoleManagement.Read.Directory) if the roles could not be read.",
    references=(EXISTING_TENANT, GRAPH_ROLE_ASSIGNMENTS, GRAPH_ROLE_ELIGIBILITY),
)


def check(cloud_user, index):
    if not index.directory.roles_known:
        return Result("error", "directory role assignments could not be read, so whether this user is an "
                               "administrator (and cannot be matched) is unknown; read roleAssignments and "
                               "roleEligibilitySchedules (RoleManagement.Read.Directory) and check again",
                      {"roles_known": False})
    roles = index.roles_by_principal.get(cloud_user.id)
    if not roles:
        return passed()
    held = [{"role": r.role, "eligible": r.eligible} for r in roles]
    names = ", ".join(f"{r.role} ({'eligible' if r.eligible else 'active'})" for r in roles)
    return failed(f"{cloud_user.upn} holds {names}; Entra won't match it to its on-prem user. Remove the "
                  "role(s) before the first sync or keep this admin cloud-only", roles=held,
                  cloud_id=cloud_user.id)
