"""Lookups over both directories, built once per run so no check does work that grows with users².

Keys are lower-cased addresses (addresses compare case-insensitively in Entra and Exchange); the
anchor keys are exact, because the sourceAnchor is case-sensitive. "Who else holds this address" is
one method, `holders`, so a check and the fixer that must not break it cannot disagree. Lookups only
some checks need are built on first use, on the Index itself (never in a module-level cache).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Set as AbstractSet
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from .addresses import is_onmicrosoft
from .config import Config
from .coverage import Collection, CoverageStatus
from .model import CloudObject, CloudUser, Directory, OnPremObject, RoleAssignment
from .names import name_keys
from .vocab import SourceAnchor

if TYPE_CHECKING:
    from .matching import Match, Pairing

Holder = CloudUser | CloudObject | OnPremObject
OnPremReach = Literal["in-scope", "any", "none"]


class Index:
    def __init__(self, directory: Directory, config: Config | None = None):
        self.directory = directory
        self.config = config or Config()
        self.features = directory.features
        self.source_anchor = self.config.sync.source_anchor
        # the default anchor is cached on each object (OnPremObject.anchor); only the objectGUID rule needs a table
        self._anchors: dict[int, str | None] | None = (
            {} if self.source_anchor is not None and self.source_anchor.lower() == "objectguid" else None)
        self._sids: dict[int, str | None] = {}
        scope = self.config.scope
        # no OU configured: scope is "not a critical object", no DN to normalize and no table to keep
        self._in_scope: dict[int, bool] | None = (
            None if not scope.include and not scope.exclude
            else {id(o): not o.critical and scope.contains(o.dn) for o in directory.onprem})

        # One pass per side; values are tuples (a list only while a key collects several holders), and a
        # key that is already lower-case is the object's own string, not a copy.
        tables = _Tables()
        self.onprem_by_upn: dict[str, tuple[OnPremObject, ...]] = {}
        self._onprem_by_smtp: dict[str, tuple[OnPremObject, ...]] = {}
        self.onprem_by_anchor: dict[str, tuple[OnPremObject, ...]] = {}
        self.onprem_users: list[OnPremObject] = []
        add = tables.add
        anchor = self.anchor
        for obj in directory.onprem:
            is_user = obj.object_class == "user"
            upn = _lower(obj.upn) if obj.upn else None
            if upn:
                add(self.onprem_by_upn, upn, obj)
            for address in _smtp_keys(obj.proxy_addresses, obj.mail, upn if is_user else None):
                add(self._onprem_by_smtp, address, obj)
            if is_user:
                self.onprem_users.append(obj)
                found = anchor(obj)
                if found:
                    add(self.onprem_by_anchor, found, obj)

        self.cloud_by_upn: dict[str, tuple[CloudUser, ...]] = {}
        self._cloud_by_smtp: dict[str, tuple[CloudUser | CloudObject, ...]] = {}
        self.cloud_by_immutable_id: dict[str, tuple[CloudUser, ...]] = {}
        self.cloud_by_id: dict[str, CloudUser] = {}
        for user in directory.cloud_users:
            add(self.cloud_by_upn, _lower(user.upn), user)
            self.cloud_by_id[user.id] = user
            if user.immutable_id:
                add(self.cloud_by_immutable_id, user.immutable_id, user)
            for address in _smtp_keys(user.proxy_addresses, user.mail, None):
                add(self._cloud_by_smtp, address, user)
        for mailer in (*directory.cloud_groups, *directory.cloud_contacts):
            for address in _smtp_keys(mailer.proxy_addresses, mailer.mail, None):
                add(self._cloud_by_smtp, address, mailer)
        tables.settle()
        self.cloud_groups_by_id = {g.id: g for g in directory.cloud_groups}

        self.roles_by_principal: dict[str, list] = defaultdict(list)
        self.unresolved_roles: list[tuple[RoleAssignment, str]] = []
        self._index_roles(directory)
        self.domains = {d.id.lower(): d for d in directory.domains}
        self.predictions: dict[int, Match] = {}   # id(on-prem user) → matching's prediction where rivals change it
        self.raw_predictions: dict[int, Match] = {}   # the same before rivals for one cloud user (matching)
        self.landings: dict[str, tuple[OnPremObject, ...]] | None = None   # cloud id → AD users predicted onto it
        self.pairings: dict[str, Pairing] | None = None   # cloud id → matching.pairing, for the cloud users landed on
        # cloud_by_name_key's table, with the keys whose holders it holds (None: it holds every key)
        self._name_keys: tuple[frozenset[str] | None, dict[str, tuple[CloudUser, ...]]] | None = None

    def anchor(self, obj: OnPremObject) -> str | None:
        """The sourceAnchor sync will give this AD object under [sync] source_anchor, once per run:
        every check, fixer and message takes the anchor from here, so none can follow another rule."""
        table = self._anchors
        if table is None:
            return obj.anchor         # cached on the object itself
        key = id(obj)
        if key not in table:
            table[key] = obj.anchor_for(self.source_anchor)
        return table[key]

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

    def held_only_by(self, key: str, cloud_user: CloudUser, onprem: OnPremObject | None = None) -> bool:
        """Whether the lower-cased address `key` is held by nobody but `cloud_user` in the cloud (as SMTP
        address or UPN) and, when `onprem` is given, nobody but it on-prem — the clean case of nearly
        every subject, told without building `holders`' list. True means `holders(key,
        besides=(cloud_user, onprem))` is empty (with `onprem` None: its cloud part is); False means ask
        `holders`, which also weighs scope and *.onmicrosoft.com. An object is listed at most once per
        key in the tables `holders` reads, so one entry that is the object itself is the only clean case."""
        for held in (self._cloud_by_smtp.get(key), self.cloud_by_upn.get(key)):
            if held and (len(held) > 1 or held[0] is not cloud_user):
                return False
        if onprem is None:
            return True
        here = self._onprem_by_smtp.get(key)
        return not here or (len(here) == 1 and here[0] is onprem)

    @cached_property
    def cloud_by_primary_smtp(self) -> dict[str, tuple[CloudUser, ...]]:
        """Cloud users by lower-cased primary SMTP address: what SMTP soft match compares
        (CloudUser.soft_match_smtp: not `mail` alone, SPEC §3's fallback, right for AD, where sync
        derives the primary from it). An address equal to the UPN (most) is keyed by the UPN's
        string, not by the copy primary_smtp cuts."""
        return grouped((_lower(user.upn if primary == user.upn else primary), user)
                       for user in self.directory.cloud_users if (primary := user.soft_match_smtp))

    def cloud_by_name_key(self, keys: AbstractSet[str],
                          wanted: Callable[[], AbstractSet[str] | None]) -> dict[str, tuple[CloudUser, ...]]:
        """Cloud users other than guests by the name keys of syncready.names (probable duplicates),
        holding every holder of at least `keys`. Built on the first ask for those and `wanted()` only
        (the keys orphan-onprem will ask about: 15k at 100k users, where every cloud user's keys are
        300k entries, 16 MB kept to the end of the run), or for every key when `wanted()` is None; an
        ask beyond the keys it holds builds it for every key, once."""
        found = self._name_keys
        if found is not None and (found[0] is None or keys <= found[0]):
            return found[1]
        more = wanted() if found is None else None
        covered = None if more is None else keys | more
        memo: dict[str, list[str]] = {}
        pairs = ((key, user) for user in self.directory.cloud_users if not user.is_guest
                 for key in name_keys(user, memo))
        table = grouped(pairs if covered is None else ((key, user) for key, user in pairs if key in covered))
        self._name_keys = (None if covered is None else frozenset(covered), table)
        return table

    @cached_property
    def onprem_by_folded_anchor(self) -> dict[str, tuple[OnPremObject, ...]]:
        """AD users by lower-cased anchor: an ImmutableID that names one in another letter case."""
        return grouped((anchor.lower(), obj) for obj in self.onprem_users if (anchor := self.anchor(obj)))

    @cached_property
    def onprem_by_guid(self) -> dict[bytes, tuple[OnPremObject, ...]]:
        """AD users by raw objectGUID and mS-DS-ConsistencyGuid bytes."""
        return grouped((raw, obj) for obj in self.onprem_users
                        for raw in {obj.object_guid, obj.consistency_guid} - {None} if raw is not None)

    @cached_property
    def cloud_groups_by_name(self) -> dict[str, tuple[CloudObject, ...]]:
        """Cloud groups by lower-cased displayName (group-takeover: a same-named AD group that cannot match)."""
        return grouped((group.display_name.strip().lower(), group) for group in self.directory.cloud_groups
                        if group.display_name)

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
        table = self._in_scope
        if table is None:
            return not obj.critical
        known = table.get(id(obj))
        if known is None:
            return not obj.critical and self.config.scope.contains(obj.dn)
        return known

    def counterparts(self, user: CloudUser) -> list[OnPremObject]:
        """On-prem users whose userPrincipalName equals the cloud user's UPN (any scope)."""
        return list(self.counterpart_tuple(user))

    def counterpart_tuple(self, user: CloudUser) -> tuple[OnPremObject, ...]:
        """`counterparts` as the table's own tuple when every holder of the UPN is a user (the usual
        case: no new object per cloud user)."""
        found = self.onprem_by_upn.get(user.upn.lower(), ())
        for obj in found:
            if obj.object_class != "user":
                return tuple(o for o in found if o.object_class == "user")
        return found

    def cloud_scope_reason(self, user: CloudUser) -> str | None:
        """Why a cloud user is not a subject (None when it is)."""
        if user.is_guest:
            return "guest"
        if is_onmicrosoft(user.upn) and not self.config.scope.include_onmicrosoft:
            return "onmicrosoft.com UPN"
        return None

    def onprem_subjects(self) -> list[OnPremObject]:
        return [u for u in self.onprem_users if self.in_scope(u)]


class _Tables:
    """Builds key → tuple-of-holders dictionaries: a holder alone under its key (the common case) is a
    1-tuple, 40 bytes less than a list, and one 1-tuple serves all of a holder's keys added one after
    the other (an object's keys are, in every table built here: 56 bytes less per further key); a key
    that collects several is a list until `settle`."""

    def __init__(self) -> None:
        self._grown: list[tuple[dict, str | bytes]] = []
        self._alone: tuple = (None,)

    def add(self, table: dict, key: str | bytes, obj: object) -> None:
        found = table.get(key)
        if found is None:
            alone = self._alone
            if alone[0] is not obj:
                alone = self._alone = (obj,)
            table[key] = alone
        elif type(found) is tuple:
            table[key] = [*found, obj]
            self._grown.append((table, key))
        else:
            found.append(obj)

    def settle(self) -> None:
        for table, key in self._grown:
            table[key] = tuple(table[key])
        self._grown.clear()
        self._alone = (None,)


def grouped(pairs: Iterable[tuple[Any, Any]]) -> dict:
    """A key → tuple-of-holders dictionary from (key, holder) pairs, holders in the pairs' order."""
    tables = _Tables()
    table: dict = {}
    for key, obj in pairs:
        tables.add(table, key, obj)
    tables.settle()
    return table


def _lower(text: str) -> str:
    """`text.lower()`, the same string object when it already is lower-case (no second copy kept)."""
    key = text.lower()
    return text if key == text else key


_SMTP = frozenset(("SMTP:", "smtp:"))


def _smtp_keys(proxies: tuple[str, ...], mail: str | None, upn_key: str | None) -> set[str]:
    """`addresses.smtp_addresses` (plus the lower-cased UPN of an AD user), reusing the object's own
    string for an address already in lower case: the index's keys then cost no memory of their own."""
    found: set[str] = set()
    if upn_key:
        found.add(upn_key)
    if mail:
        found.add(_lower(mail))
    for value in proxies:
        prefix = value[:5]
        if prefix in _SMTP or prefix.lower() == "smtp:":
            found.add(value[5:].lower())
    return found


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
