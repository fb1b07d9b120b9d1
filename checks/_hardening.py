"""What the 2026 hard-match checks share: Learn references, the per-property coverage question, the
comparisons of an earlier sync's identity with an AD user, and the cloud users by SID.

previously-synced, cloud-managed and sid-unique (and their fixers) ask the same questions of the
same properties; answering them here once keeps a check and its fixer from disagreeing.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from syncready.checkapi import Reference
from syncready.coverage import CoverageStatus
from syncready.model import CloudUser, OnPremObject
from syncready.sid import sid_from_text

from ._common import LEARN

CLEAR_ONPREM_ATTRIBUTES = Reference(
    "Clear on-premises attributes from migrated Microsoft Entra ID users (tshoot-clear-on-premises-attributes)",
    LEARN + "entra/identity/hybrid/connect/tshoot-clear-on-premises-attributes")
SOA_CONFIGURE = Reference(
    "Configure user source of authority (how-to-user-source-of-authority-configure)",
    LEARN + "entra/identity/hybrid/how-to-user-source-of-authority-configure")
SOA_OVERVIEW = Reference(
    "User source of authority overview (user-source-of-authority-overview)",
    LEARN + "entra/identity/hybrid/user-source-of-authority-overview")
GRAPH_SYNC_BEHAVIOR = Reference(
    "Microsoft Graph: onPremisesSyncBehavior resource type (isCloudManaged)",
    LEARN + "graph/api/resources/onpremisessyncbehavior")
SYNC_SERVICE_FEATURES = Reference(
    "Microsoft Entra Connect Sync service features and configuration (how-to-connect-syncservice-features)",
    LEARN + "entra/identity/hybrid/connect/how-to-connect-syncservice-features")
WHATS_NEW = Reference(
    "What's new in Microsoft Entra ID (whats-new): Connect security hardening (Dec 2025), hard match "
    "blocked for users with Entra roles (Feb 2026, MC1262584)",
    LEARN + "entra/fundamentals/whats-new")

HARDENING_ERROR = ("AttributeUpdateNotAllowed: Hard match operation blocked due to security hardening. "
                   "Review OnPremisesObjectIdentifier mapping.")
BYPASS_FLAG = "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled"
SYNC_BEHAVIOR_PERMISSION = "User-OnPremisesSyncBehavior.ReadWrite.All"
OBJECT_IDENTIFIER = "onPremisesObjectIdentifier"
T = TypeVar("T")


def property_unread(index: Any, collection: str, prop: str) -> str | None:
    """Why `collection.prop` was not read, as the phrase a "not read: ..." message carries; None when
    it was read. A property is unread when its collection was not read, when it was absent from every
    record (not selected), or when a reader recorded `collection.prop` itself as not read (a per-user
    read refused for some users: SPEC §10). Asked once per Index (coverage is settled before a run),
    not once per subject."""
    return per_index(index, f"unread {collection}.{prop}", lambda ix: _property_unread(ix, collection, prop))


def _property_unread(index: Any, collection: str, prop: str) -> str | None:
    coverage = index.directory.coverage
    problems = coverage.unread([f"{collection}.{prop}"])
    if problems:
        return problems[0]
    entry = coverage.collections.get(f"{collection}.{prop}")
    if entry is not None and entry.status is CoverageStatus.NOT_READ:
        return f"{collection}.{prop} ({entry.reason or 'not read'}" + (f"; {entry.how})" if entry.how else ")")
    return None


def anchor_of(index: Any, obj: OnPremObject) -> str | None:
    """The sourceAnchor under [sync] source_anchor: the Index's one rule (Index.anchor)."""
    anchor: str | None = index.anchor(obj)
    return anchor


def guid_text(raw: bytes | None) -> str | None:
    """An objectGUID as the GUID text Entra shows (8-4-4-4-12, lower case)."""
    return str(uuid.UUID(bytes_le=raw)) if raw and len(raw) == 16 else None


def same_sid(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().upper() == b.strip().upper())


_ATTRIBUTE = "_hardening"


def per_index(index: Any, name: str, build: Callable[[Any], T]) -> T:
    """`build(index)`, made once per Index and kept on it (so it lives as long as that Index and no
    run sees another run's directory): lookups only these checks need, without touching
    syncready/index.py. Asked per subject, so one attribute and one dict lookup."""
    cache = getattr(index, _ATTRIBUTE, None)
    if cache is None:
        cache = {}
        setattr(index, _ATTRIBUTE, cache)
    found = cache.get(name, cache)
    if found is cache:
        found = cache[name] = build(index)
    return cast(T, found)


def _by_sid(index: Any) -> dict[str, list[CloudUser]]:
    table: dict[str, list[CloudUser]] = defaultdict(list)
    for user in index.directory.cloud_users:
        if user.security_identifier:
            table[user.security_identifier.strip().upper()].append(user)
    return dict(table)


def cloud_by_sid(index: Any) -> dict[str, list[CloudUser]]:
    """Cloud users by upper-cased onPremisesSecurityIdentifier."""
    return per_index(index, "cloud_by_sid", _by_sid)


def cloud_sid_bytes(index: Any) -> frozenset[bytes]:
    """The binary form of every key of `cloud_by_sid` that is a SID: an AD objectSid of at most 15
    sub-authorities (what sid_from_text reads back) whose bytes are not here has no cloud holder, told
    without making its S-1-... text."""
    return per_index(index, "cloud_sid_bytes", _sid_bytes)


def _sid_bytes(index: Any) -> frozenset[bytes]:
    found = set()
    for text in cloud_by_sid(index):
        try:
            found.add(sid_from_text(text))
        except ValueError:
            continue     # no objectSid's text is this key
    return frozenset(found)
