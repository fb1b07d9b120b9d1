"""Lookups over both directories, built once per run so no check does work that grows with users².

Keys are lower-cased addresses (addresses compare case-insensitively in Entra and Exchange); the
anchor keys are exact, because the sourceAnchor is case-sensitive.
"""
from __future__ import annotations

from collections import defaultdict

from .addresses import is_onmicrosoft
from .config import Config
from .model import CloudUser, Directory, OnPremObject


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

        self.roles_by_principal: dict[str, list] = defaultdict(list)
        for assignment in directory.role_assignments:
            self.roles_by_principal[assignment.principal_id].append(assignment)
        self.domains = {d.id.lower(): d for d in directory.domains}

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
