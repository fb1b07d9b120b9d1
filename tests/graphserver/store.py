"""The live directory the server answers from, and the caches that make paging 100k users cheap.

Tests may change ``server.state`` directly; call ``server.invalidate()`` afterwards so cached
pages and indexes are rebuilt. PATCH through the API invalidates by itself.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from dataclasses import dataclass
from collections.abc import Callable, Iterable

from . import schema
from .peruser import PerUserState
from .schema import EntityType

DEFAULT_TENANT_ID = "8a7c3d2e-4b1f-4c6a-9e5d-2f0b1a3c4d5e"
_PAGE_CACHE_BYTES = 256 * 1024 * 1024


def _copy_objects(items: Iterable[dict] | None) -> dict[str, dict]:
    objects: dict[str, dict] = {}
    for item in items or ():
        obj = dict(item)
        if not obj.get("id"):
            obj["id"] = str(uuid.uuid4())
        objects[str(obj["id"])] = obj
    return objects


class EntitySet:
    """One collection (``/users``, ``/groups``, ...) over a live ``dict`` of objects by id."""

    def __init__(self, entity: EntityType, objects: dict[str, dict]) -> None:
        self.entity = entity
        self.objects = objects
        self.version = 0
        self._lock = threading.Lock()
        self._ordered: list[dict] | None = None
        self._ids_lower: dict[str, str] | None = None
        self._upns: dict[str, str] | None = None
        self._immutable: dict[str, set[str]] | None = None
        self._matches: dict[tuple, list[dict]] = {}
        self._pages: dict[tuple, bytes] = {}
        self._page_bytes = 0

    def invalidate(self, keep_immutable: bool = False) -> None:
        """Drop the caches; `keep_immutable` when the caller has updated the ImmutableID index itself."""
        with self._lock:
            self.version += 1
            self._ordered = None
            self._ids_lower = None
            self._upns = None
            if not keep_immutable:
                self._immutable = None
            self._matches.clear()
            self._pages.clear()
            self._page_bytes = 0

    def immutable_holders(self, value: str) -> set[str]:
        """Ids of the objects holding this onPremisesImmutableId (an index, so a PATCH is not a scan)."""
        index = self._immutable
        if index is None:
            index = {}
            for key, obj in self.objects.items():
                held = obj.get("onPremisesImmutableId")
                if held:
                    index.setdefault(held, set()).add(key)
            self._immutable = index
        return index.get(value, set())

    def immutable_changed(self, key: str, old: str | None, new: str | None) -> None:
        index = self._immutable
        if index is None:
            return
        if old:
            index.get(old, set()).discard(key)
        if new:
            index.setdefault(new, set()).add(key)

    def ordered(self) -> list[dict]:
        ordered = self._ordered
        if ordered is None:
            ordered = list(self.objects.values())
            self._ordered = ordered
        return ordered

    def lookup(self, key: str) -> dict | None:
        """By id (case-insensitive), or for users by userPrincipalName (case-insensitive)."""
        obj = self.objects.get(key)
        if obj is not None:
            return obj
        ids = self._ids_lower
        if ids is None:
            ids = {k.lower(): k for k in self.objects}
            self._ids_lower = ids
        found = ids.get(key.lower())
        if found is not None:
            return self.objects.get(found)
        if self.entity is schema.USER:
            upns = self._upns
            if upns is None:
                upns = {
                    str(o.get("userPrincipalName", "")).lower(): k
                    for k, o in self.objects.items()
                    if o.get("userPrincipalName")
                }
                self._upns = upns
            found = upns.get(key.lower())
            if found is not None:
                return self.objects.get(found)
        return None

    def matching(
        self,
        key: tuple,
        predicate: Callable[[dict], bool] | None,
        orderby: list[tuple[str, bool]],
    ) -> list[dict]:
        if predicate is None and not orderby:
            return self.ordered()
        cached = self._matches.get(key)
        if cached is not None:
            return cached
        items = self.ordered()
        if predicate is not None:
            items = [o for o in items if predicate(o)]
        for prop, descending in reversed(orderby):
            present = [o for o in items if o.get(prop) is not None]
            absent = [o for o in items if o.get(prop) is None]
            present.sort(key=lambda o: _sort_key(o.get(prop)), reverse=descending)
            items = present + absent
        self._matches[key] = items
        return items

    def cached_page(self, key: tuple) -> bytes | None:
        return self._pages.get(key)

    def store_page(self, key: tuple, body: bytes) -> None:
        if self._page_bytes + len(body) > _PAGE_CACHE_BYTES:
            self._pages.clear()
            self._page_bytes = 0
        self._pages[key] = body
        self._page_bytes += len(body)


@dataclass
class _Stale:
    old: dict
    reads_left: int | None
    until: float | None

    def active(self) -> bool:
        if self.reads_left is not None and self.reads_left > 0:
            return True
        return self.until is not None and time.monotonic() < self.until


class Replication:
    """Replication delay after a write, as directory reads have it ("Understand Microsoft Entra ID
    replication": a read right after a write may be served by a replica that has not seen it).

    ``lag(reads=N)`` makes the next N reads that return a just-written object return it as it was
    before the write; ``lag(seconds=T)`` does so for T seconds. Both apply to every later write
    until ``lag()`` turns it off. Single-object reads, collection pages and ``$batch`` items lag
    alike; ``$filter`` still matches the current value (an index replica may be ahead).
    """

    def __init__(self) -> None:
        self.reads: int | None = None
        self.seconds: float | None = None
        self._stale: dict[str, _Stale] = {}
        self._lock = threading.Lock()

    def lag(self, reads: int | None = None, seconds: float | None = None) -> None:
        with self._lock:
            self.reads, self.seconds = reads, seconds
            if not reads and not seconds:
                self._stale.clear()

    def written(self, key: str, before: dict) -> None:
        """A write of object ``key`` is about to change it from ``before``."""
        if not self.reads and not self.seconds:
            return
        with self._lock:
            known = self._stale.get(key)
            old = known.old if known is not None and known.active() else copy.deepcopy(before)
            until = time.monotonic() + self.seconds if self.seconds else None
            self._stale[key] = _Stale(old, self.reads, until)

    @property
    def lagging(self) -> bool:
        return bool(self._stale)

    def view(self, obj: dict) -> dict:
        """The object as this read sees it (counting the read against the lag)."""
        if not self._stale:
            return obj
        with self._lock:
            entry = self._stale.get(str(obj.get("id")))
            if entry is None:
                return obj
            if not entry.active():
                del self._stale[str(obj.get("id"))]
                return obj
            if entry.reads_left is not None and entry.reads_left > 0:
                entry.reads_left -= 1
            return entry.old


def _sort_key(value):
    return value.casefold() if isinstance(value, str) else value


def _role_definition(role_id: str, embedded: dict | None) -> dict:
    definition = {"id": role_id, "displayName": None, "templateId": role_id, "isBuiltIn": None}
    if role_id in schema.BUILT_IN_ROLES:
        definition.update(displayName=schema.BUILT_IN_ROLES[role_id], isBuiltIn=True)
    if embedded:
        definition.update({k: v for k, v in embedded.items() if v is not None})
        definition["id"] = role_id
    return definition


class State:
    """The data the server holds. ``users``, ``groups`` and ``contacts`` are dicts by id."""

    def __init__(self, data: dict | None = None, tenant_id: str = DEFAULT_TENANT_ID) -> None:
        data = data or {}
        self.tenant_id = tenant_id
        self.users = _copy_objects(data.get("users"))
        self.per_user = PerUserState(self.users.values())   # sync behavior, mailboxes, object identifiers
        self.groups = _copy_objects(data.get("groups"))
        self.contacts = _copy_objects(data.get("contacts"))
        self.domains: dict[str, dict] = {}
        for domain in data.get("domains") or ():
            self.domains[str(domain["id"])] = dict(domain)
        self.role_definitions: dict[str, dict] = {}
        self.role_assignments = self._roles(data.get("roleAssignments"))
        self.role_eligibility_schedules = self._roles(data.get("roleEligibilitySchedules"))
        instances = data.get("roleEligibilityScheduleInstances")
        if instances is None:
            instances = [
                dict(o, roleEligibilityScheduleId=o["id"])
                for o in self.role_eligibility_schedules.values()
            ]
        self.role_eligibility_schedule_instances = self._roles(instances)
        self.group_members = self._members(data.get("groupMembers"), data.get("groups") or ())
        for group in self.groups.values():
            group.pop("members", None)
        self.replication = Replication()
        self.sync = dict(data.get("sync") or self._default_sync())
        self.organization = dict(data.get("organization") or self._default_organization())
        self.sets = {
            "users": EntitySet(schema.USER, self.users),
            "groups": EntitySet(schema.GROUP, self.groups),
            "contacts": EntitySet(schema.ORG_CONTACT, self.contacts),
            "domains": EntitySet(schema.DOMAIN, self.domains),
            "roleAssignments": EntitySet(schema.ROLE_ASSIGNMENT, self.role_assignments),
            "roleEligibilitySchedules": EntitySet(
                schema.ROLE_ELIGIBILITY_SCHEDULE, self.role_eligibility_schedules
            ),
            "roleEligibilityScheduleInstances": EntitySet(
                schema.ROLE_ELIGIBILITY_SCHEDULE_INSTANCE, self.role_eligibility_schedule_instances
            ),
            "roleDefinitions": EntitySet(schema.ROLE_DEFINITION, self.role_definitions),
        }

    def __getitem__(self, name: str):
        aliases = {
            "roleAssignments": "role_assignments",
            "roleEligibilitySchedules": "role_eligibility_schedules",
            "roleDefinitions": "role_definitions",
        }
        return getattr(self, aliases.get(name, name))

    def invalidate(self) -> None:
        for entity_set in self.sets.values():
            entity_set.invalidate()

    @staticmethod
    def _members(listed, groups: Iterable[dict]) -> dict[str, list[str]]:
        """Direct members by group id: ``groupMembers`` entries ``{"id", "members": [{"id"}]}`` (the
        snapshot shape), or a ``members`` list of ids or objects on a group itself."""
        members: dict[str, list[str]] = {}
        entries = list(listed or ()) + [g for g in groups if isinstance(g, dict) and "members" in g]
        for entry in entries:
            ids = [m["id"] if isinstance(m, dict) else str(m) for m in entry.get("members") or ()]
            members.setdefault(str(entry["id"]), []).extend(
                i for i in ids if i not in members.get(str(entry["id"]), ()))
        return members

    def transitive_members(self, group_id: str) -> list[dict]:
        """Every nested member of a group once (users, groups, contacts), in a stable order."""
        seen: set[str] = {group_id}
        found: list[dict] = []
        queue = list(self.group_members.get(group_id, ()))
        while queue:
            member = queue.pop(0)
            if member in seen:
                continue
            seen.add(member)
            for kind, objects in (("user", self.users), ("group", self.groups), ("orgContact", self.contacts)):
                obj = objects.get(member)
                if obj is not None:
                    found.append({"@odata.type": f"#microsoft.graph.{kind}", **obj})
                    if kind == "group":
                        queue.extend(self.group_members.get(member, ()))
                    break
        return found

    def _roles(self, items: Iterable[dict] | None) -> dict[str, dict]:
        objects: dict[str, dict] = {}
        for item in items or ():
            obj = dict(item)
            embedded = obj.pop("roleDefinition", None)
            role_id = obj.get("roleDefinitionId") or (embedded or {}).get("id")
            if role_id:
                obj["roleDefinitionId"] = role_id
                known = self.role_definitions.get(role_id)
                if known is None or (embedded and embedded.get("displayName")):
                    self.role_definitions[role_id] = _role_definition(role_id, embedded or known)
            obj.setdefault("directoryScopeId", "/")
            if not obj.get("id"):
                obj["id"] = str(uuid.uuid4())
            objects[str(obj["id"])] = obj
        return objects

    def _default_sync(self) -> dict:
        return {
            "id": self.tenant_id,
            "configuration": {
                "accidentalDeletionPrevention": {
                    "synchronizationPreventionType": "disabled",
                    "alertThreshold": 500,
                },
            },
            "features": {
                "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled": False,
                "blockCloudObjectTakeoverThroughHardMatchEnabled": False,
                "blockSoftMatchEnabled": False,
                "bypassDirSyncOverridesEnabled": False,
                "cloudPasswordPolicyForPasswordSyncedUsersEnabled": False,
                "concurrentCredentialUpdateEnabled": False,
                "concurrentOrgIdProvisioningEnabled": True,
                "deviceWritebackEnabled": False,
                "directoryExtensionsEnabled": False,
                "fopeConflictResolutionEnabled": False,
                "groupWriteBackEnabled": False,
                "passwordSyncEnabled": False,
                "passwordWritebackEnabled": False,
                "quarantineUponProxyAddressesConflictEnabled": True,
                "quarantineUponUpnConflictEnabled": True,
                "softMatchOnUpnEnabled": True,
                "synchronizeUpnForManagedUsersEnabled": True,
                "unifiedGroupWritebackEnabled": False,
                "userForcePasswordChangeOnLogonEnabled": False,
                "userWritebackEnabled": False,
            },
        }

    def _default_organization(self) -> dict:
        verified = []
        for domain in self.domains.values():
            if domain.get("isVerified", True) is False:
                continue
            verified.append(
                {
                    "capabilities": "Email, OfficeCommunicationsOnline",
                    "isDefault": bool(domain.get("isDefault")),
                    "isInitial": bool(domain.get("isInitial")),
                    "name": domain["id"],
                    "type": domain.get("authenticationType") or "Managed",
                }
            )
        return {
            "id": self.tenant_id,
            "displayName": "Contoso",
            "tenantType": "AAD",
            "onPremisesSyncEnabled": None,
            "verifiedDomains": verified,
        }

    def domain_of(self, upn: str | None) -> dict | None:
        """The domain object a UPN's suffix belongs to (a subdomain falls back to its parent)."""
        if not upn or "@" not in upn:
            return None
        name = upn.rsplit("@", 1)[1].lower()
        by_name = {k.lower(): v for k, v in self.domains.items()}
        while name:
            if name in by_name:
                return by_name[name]
            if "." not in name:
                return None
            name = name.split(".", 1)[1]
        return None
