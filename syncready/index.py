"""Lookups over both directories, built once per run so no check does work that grows with users².

Keys are lower-cased addresses (addresses compare case-insensitively in Entra and Exchange); the
anchor keys are exact, because the sourceAnchor is case-sensitive.
"""
from __future__ import annotations

from collections import defaultdict

from .addresses import is_onmicrosoft
from .config import Config
from .coverage import Collection, CoverageStatus
from .model import CloudUser, Directory, OnPremObject, RoleAssignment


class Index:
    def __init__(self, directory: Directory, config: Config | None = None):
        self.directory = directory
        self.config = config or Config()
        self.features = directory.features
        scope = self.config.scope

        self.onprem_by_upn: dict[str, list[OnPremObject]] = defaultdict(list)
        self.onprem_by_smtp: dict[str, list[OnPremObject]] = defaultdict(list)
        self.onprem_by_anchor: dict[str, list[OnPremObject]] = defaultdict(list)
        self.onprem_users: list[OnPremObject] = []
        self._in_scope: dict[int, bool] = {}
        for obj in directory.onprem:
            if obj.upn:
                self.onprem_by_upn[obj.upn.lower()].append(obj)
            for address in obj.smtp_addresses():
                self.onprem_by_smtp[address].append(obj)
            if obj.object_class == "user":
                self.onprem_users.append(obj)
                anchor = obj.anchor
                if anchor:
                    self.onprem_by_anchor[anchor].append(obj)
            self._in_scope[id(obj)] = not obj.critical and scope.contains(obj.dn)

        self.cloud_by_upn: dict[str, list[CloudUser]] = defaultdict(list)
        self.cloud_by_smtp: dict[str, list] = defaultdict(list)
        self.cloud_by_immutable_id: dict[str, list[CloudUser]] = defaultdict(list)
        self.cloud_by_id: dict[str, CloudUser] = {}
        for user in directory.cloud_users:
            self.cloud_by_upn[user.upn.lower()].append(user)
            self.cloud_by_id[user.id] = user
            if user.immutable_id:
                self.cloud_by_immutable_id[user.immutable_id].append(user)
            for address in user.smtp_addresses():
                self.cloud_by_smtp[address].append(user)
        for obj in directory.cloud_groups + directory.cloud_contacts:
            for address in obj.smtp_addresses():
                self.cloud_by_smtp[address].append(obj)
        self.cloud_groups_by_id = {g.id: g for g in directory.cloud_groups}

        self.roles_by_principal: dict[str, list] = defaultdict(list)
        self.unresolved_roles: list[tuple[RoleAssignment, str]] = []
        self._index_roles(directory)
        self.domains = {d.id.lower(): d for d in directory.domains}

    def _index_roles(self, directory: Directory) -> None:
        """Roles by the cloud user who holds them: directly, or as a transitive member of a group that
        holds them (the entry then keeps the group as principal_id). A role whose holders cannot be
        told (a group whose members were not read, a principal of unknown kind) is kept apart in
        `unresolved_roles`, so no-admin-role clears nobody on it."""
        kinds = RolePrincipals(directory)
        members_empty = directory.coverage.get(Collection.GROUP_MEMBERS).status is CoverageStatus.EMPTY
        by_principal = self.roles_by_principal
        for assignment in directory.role_assignments:
            kind = kinds.kind(assignment)
            if kind == "user":
                by_principal[assignment.principal_id].append(assignment)
            elif kind == "group":
                members = directory.group_members.get(assignment.principal_id)
                if members is None and not members_empty:
                    self.unresolved_roles.append((assignment, "group"))
                    continue
                for member in members or ():
                    if member in self.cloud_by_id:
                        by_principal[member].append(assignment)
            elif kind == "unknown":
                self.unresolved_roles.append((assignment, "unknown"))

    def group_name(self, group_id: str, assignment: RoleAssignment | None = None) -> str:
        """A group's display name for messages (from groups.json, else the expanded principal), else its id."""
        group = self.cloud_groups_by_id.get(group_id)
        name = (group.display_name if group else None) or (assignment.principal_name if assignment else None)
        return f"{name} ({group_id})" if name else group_id

    def in_scope(self, obj: OnPremObject) -> bool:
        """Inside the configured sync scope (include/exclude OUs) and not a critical system object."""
        known = self._in_scope.get(id(obj))
        if known is None:
            return not obj.critical and self.config.scope.contains(obj.dn)
        return known

    def counterparts(self, user: CloudUser) -> list[OnPremObject]:
        """On-prem users whose userPrincipalName equals the cloud user's UPN (any scope)."""
        return [o for o in self.onprem_by_upn.get(user.upn.lower(), ()) if o.object_class == "user"]

    def cloud_scope_reason(self, user: CloudUser) -> str | None:
        """Why a cloud user is not a subject (None when it is)."""
        if user.is_guest:
            return "guest"
        if is_onmicrosoft(user.upn) and not self.config.scope.include_onmicrosoft:
            return "onmicrosoft.com UPN"
        return None

    def onprem_subjects(self) -> list[OnPremObject]:
        return [u for u in self.onprem_users if self.in_scope(u)]


class RolePrincipals:
    """Tells what kind of object holds a role: "user", "group", "other" (a service principal, or an
    id that is in neither users nor groups when both were read) or "unknown" (no way to tell).

    Graph names the principal by id only, unless the assignment was read with $expand=principal;
    then its "@odata.type" says. Both are honoured.
    """

    def __init__(self, directory: Directory):
        self.users = {u.id for u in directory.cloud_users}
        self.groups = {g.id for g in directory.cloud_groups} | set(directory.group_members)
        self.groups_read = directory.coverage.usable(Collection.GROUPS)

    def kind(self, assignment: RoleAssignment) -> str:
        declared = assignment.principal_type
        if declared == "group" or (declared is None and assignment.principal_id in self.groups):
            return "group"
        if assignment.principal_id in self.users:
            return "user"
        if declared is not None or self.groups_read:
            return "other"
        return "unknown"


def groups_needing_members(directory: Directory) -> tuple[list[str], list[str]]:
    """(ids of groups that hold a role, ids of principals that might be groups) among the roles read:
    the groups whose transitive members a reader must read (cloud/groupMembers.json, SPEC §10)."""
    kinds = RolePrincipals(directory)
    groups: dict[str, None] = {}
    unknown: dict[str, None] = {}
    for assignment in directory.role_assignments:
        kind = kinds.kind(assignment)
        if kind == "group":
            groups[assignment.principal_id] = None
        elif kind == "unknown":
            unknown[assignment.principal_id] = None
    return list(groups), list(unknown)
