"""Lookups over both directories, built once per run so no check does work that grows with users².

Keys are lower-cased addresses (addresses compare case-insensitively in Entra and Exchange); the
anchor keys are exact, because the sourceAnchor is case-sensitive. "Who else holds this address" is
one method, `holders`, so a check and the fixer that must not break it cannot disagree. Lookups only
some checks need are built on first use, on the Index itself (never in a module-level cache).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from .addresses import is_onmicrosoft
from .config import Config
from .coverage import Collection, CoverageStatus
from .model import CloudObject, CloudUser, Directory, OnPremObject, RoleAssignment
from .names import name_keys
from .vocab import SourceAnchor

if TYPE_CHECKING:
    from .matching import Match

Holder = CloudUser | CloudObject | OnPremObject
OnPremReach = Literal["in-scope", "any", "none"]


class Index:
    def __init__(self, directory: Directory, config: Config | None = None):
        self.directory = directory
        self.config = config or Config()
        self.features = directory.features
        self.source_anchor = self.config.sync.source_anchor
        self._anchors: dict[int, str | None] = {}
        self._sids: dict[int, str | None] = {}
        scope = self.config.scope
        everything = not scope.include and not scope.exclude   # no OU configured: no DN to normalize

        self.onprem_by_upn: dict[str, list[OnPremObject]] = defaultdict(list)
        self._onprem_by_smtp: dict[str, list[OnPremObject]] = defaultdict(list)
        self.onprem_by_anchor: dict[str, list[OnPremObject]] = defaultdict(list)
        self.onprem_users: list[OnPremObject] = []
        self._in_scope: dict[int, bool] = {}
        for obj in directory.onprem:
            if obj.upn:
                self.onprem_by_upn[obj.upn.lower()].append(obj)
            for address in obj.smtp_addresses():
                self._onprem_by_smtp[address].append(obj)
            if obj.object_class == "user":
                self.onprem_users.append(obj)
                anchor = self.anchor(obj)
                if anchor:
                    self.onprem_by_anchor[anchor].append(obj)
            self._in_scope[id(obj)] = not obj.critical and (everything or scope.contains(obj.dn))

        self.cloud_by_upn: dict[str, list[CloudUser]] = defaultdict(list)
        self._cloud_by_smtp: dict[str, list[CloudUser | CloudObject]] = defaultdict(list)
        self.cloud_by_immutable_id: dict[str, list[CloudUser]] = defaultdict(list)
        self.cloud_by_id: dict[str, CloudUser] = {}
        for user in directory.cloud_users:
            self.cloud_by_upn[user.upn.lower()].append(user)
            self.cloud_by_id[user.id] = user
            if user.immutable_id:
                self.cloud_by_immutable_id[user.immutable_id].append(user)
            for address in user.smtp_addresses():
                self._cloud_by_smtp[address].append(user)
        for mailer in directory.cloud_groups + directory.cloud_contacts:
            for address in mailer.smtp_addresses():
                self._cloud_by_smtp[address].append(mailer)
        self.cloud_groups_by_id = {g.id: g for g in directory.cloud_groups}

        self.roles_by_principal: dict[str, list] = defaultdict(list)
        self.unresolved_roles: list[tuple[RoleAssignment, str]] = []
        self._index_roles(directory)
        self.domains = {d.id.lower(): d for d in directory.domains}
        self.predictions: dict[int, Match] = {}   # id(on-prem user) → matching's prediction, made once per run
        self.raw_predictions: dict[int, Match] = {}   # the same before rivals for one cloud user (matching)
        self.landings: dict[str, list[OnPremObject]] | None = None   # cloud id → AD users predicted onto it

    def anchor(self, obj: OnPremObject) -> str | None:
        """The sourceAnchor sync will give this AD object under [sync] source_anchor, once per run:
        every check, fixer and message takes the anchor from here, so none can follow another rule."""
        key = id(obj)
        if key not in self._anchors:
            self._anchors[key] = obj.anchor_for(self.source_anchor)
        return self._anchors[key]

    def sid(self, obj: OnPremObject) -> str | None:
        """`obj.sid` (objectSid as S-1-... text), converted once per run however many checks ask."""
        key = id(obj)
        found = self._sids.get(key, self)
        if found is self:
            found = self._sids[key] = obj.sid
        return found  # type: ignore[return-value]

    def anchor_attribute(self, obj: OnPremObject) -> SourceAnchor:
        """The AD attribute the anchor is taken from, for evidence and messages."""
        if self.source_anchor == SourceAnchor.OBJECT_GUID or not obj.consistency_guid:
            return SourceAnchor.OBJECT_GUID
        return SourceAnchor.CONSISTENCY_GUID

    def holders(self, address: str, *, besides: Iterable[object] = (), cloud: bool = True,
                onprem: OnPremReach = "in-scope", ignore_onmicrosoft: bool = True) -> list[Holder]:
        """The objects other than `besides` that hold `address`, as Entra counts a clash.

        Compared case-insensitively. Cloud: users by SMTP address or by UPN (a UPN is an address its
        user holds), groups and contacts by SMTP address. On-prem (`onprem`): objects inside the sync
        scope (out-of-scope ones never reach Entra), every object, or none; an AD user's UPN counts,
        as sync adds it as a proxy address. An *.onmicrosoft.com address has no holders when
        `ignore_onmicrosoft`: proxy calculation discards such values from AD, so they never clash.
        Cloud holders come first, then on-prem ones, each once, in directory order.
        """
        key = address.lower()
        if ignore_onmicrosoft and is_onmicrosoft(key):
            return []
        skip = {id(o) for o in besides}
        found: list[Holder] = []
        if cloud:
            for obj in (*self._cloud_by_smtp.get(key, ()), *self.cloud_by_upn.get(key, ())):
                if id(obj) not in skip:
                    skip.add(id(obj))
                    found.append(obj)
        if onprem != "none":
            for item in self._onprem_by_smtp.get(key, ()):
                if id(item) not in skip and (onprem == "any" or self.in_scope(item)):
                    skip.add(id(item))
                    found.append(item)
        return found

    @cached_property
    def cloud_by_primary_smtp(self) -> dict[str, list[CloudUser]]:
        """Cloud users by lower-cased primary SMTP address: what SMTP soft match compares."""
        table: dict[str, list[CloudUser]] = defaultdict(list)
        for user in self.directory.cloud_users:
            primary = user.primary_smtp
            if primary:
                table[primary.lower()].append(user)
        return table

    @cached_property
    def cloud_by_name_key(self) -> dict[str, list[CloudUser]]:
        """Cloud users other than guests by the name keys of syncready.names (probable duplicates)."""
        table: dict[str, list[CloudUser]] = defaultdict(list)
        memo: dict[str, list[str]] = {}
        for user in self.directory.cloud_users:
            if not user.is_guest:
                for key in name_keys(user, memo):
                    table[key].append(user)
        return table

    @cached_property
    def onprem_by_folded_anchor(self) -> dict[str, list[OnPremObject]]:
        """AD users by lower-cased anchor: an ImmutableID that names one in another letter case."""
        table: dict[str, list[OnPremObject]] = defaultdict(list)
        for obj in self.onprem_users:
            anchor = self.anchor(obj)
            if anchor:
                table[anchor.lower()].append(obj)
        return table

    @cached_property
    def onprem_by_guid(self) -> dict[bytes, list[OnPremObject]]:
        """AD users by raw objectGUID and mS-DS-ConsistencyGuid bytes."""
        table: dict[bytes, list[OnPremObject]] = defaultdict(list)
        for obj in self.onprem_users:
            for raw in {obj.object_guid, obj.consistency_guid} - {None}:
                if raw is not None:
                    table[raw].append(obj)
        return table

    @cached_property
    def cloud_groups_by_name(self) -> dict[str, list[CloudObject]]:
        """Cloud groups by lower-cased displayName (group-takeover: a same-named AD group that cannot match)."""
        table: dict[str, list[CloudObject]] = defaultdict(list)
        for group in self.directory.cloud_groups:
            if group.display_name:
                table[group.display_name.strip().lower()].append(group)
        return table

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
