"""What of cloud/users.json was read (SPEC §8, §10): properties absent from every record (not
selected), required ones absent from some, exports whose values are all empty, the per-user reads,
and repeated object ids."""
from __future__ import annotations

from collections.abc import Mapping

from ..errors import SourceError
from ..coverage import Collection
from ..model import CloudUser, Directory
from .graphmap import MAILBOX_SETTINGS, SYNC_BEHAVIOR, USER_PER_USER, USER_REQUIRED, user_select
from .snapshot_json import Segment
from .snapshot_layout import CONTACTS, GROUPS, USERS

_GRAPH = "https://graph.microsoft.com/v1.0"


def absent_user_properties(segments: list[Segment], extra: tuple[str, ...],
                           listed: Mapping | None = None) -> list[str]:
    """The selectable user properties, and the per-user ones (USER_PER_USER), that no record has.

    A required one is a SourceError naming every absent property and the export that selects
    them; the optional ones are returned, for coverage. Graph returns a selected property as null
    when it has no value, so a key absent from every record was not selected. A per-user property
    the manifest's users entry lists (`listed`: its "properties") was read for every user that
    needed it, even when no record carries it.
    """
    wanted = user_select(extra)
    absent = set(wanted).union(USER_PER_USER)
    seen = False
    for records, _ in segments:
        for record in records:
            if type(record) is dict:
                seen = True
                absent.difference_update(record)
                if not absent:
                    return []
    if not seen:
        return []
    required = [p for p in USER_REQUIRED if p in absent]
    if required:
        names = [p for p in wanted if p in absent]
        selected = ",".join(wanted)
        raise SourceError(f"{USERS}: no user record has {', '.join(names)} (exported without $select?); export "
                          f"{_GRAPH}/users?$select={selected}&$top=999, or Get-MgUser -All -Property {selected}")
    properties = (listed or {}).get("properties")
    if type(properties) is list:
        absent.difference_update(p for p in USER_PER_USER if p in properties)
    return sorted(absent)


def required_absent_from_some(segments: list[Segment]) -> list[str]:
    """The required properties some records lack (pages exported with different $select): not read
    (absent_keys)."""
    return absent_keys(segments, USER_REQUIRED)


def per_user_read(records: list[dict], users: list[CloudUser]) -> list[str]:
    """The per-user properties a live read may claim for the manifest: carried by some record, or
    needed by no user (no earlier sync marks; no address, so no mailbox) and so read for none."""
    carried = {p for p in USER_PER_USER if any(p in r for r in records)}
    if SYNC_BEHAVIOR not in carried and not any(u.may_be_cloud_managed for u in users):
        carried.add(SYNC_BEHAVIOR)
    if MAILBOX_SETTINGS not in carried and not any(u.mail or u.proxy_addresses for u in users):
        carried.add(MAILBOX_SETTINGS)
    return [p for p in USER_PER_USER if p in carried]


_FEW = 5   # below this many users, values that are all empty may be real (a test tenant), not a bad export


def empty_export(users: list) -> tuple[list[str], list[str]]:
    """A warning and the properties to treat as not read, for an export that has every property but
    no values (Get-MgUser without -Property). Graph always has a value for these when they are
    selected: accountEnabled and userType are set on every user, and setting mail adds it to
    proxyAddresses (Graph's user resource) — so empty in every record means not selected."""
    if len(users) < _FEW:
        return [], []
    found, empty = [], []
    with_mail = [u for u in users if u.mail]
    if len(with_mail) >= _FEW and not any(u.proxy_addresses for u in with_mail):
        found.append(f"all {len(with_mail)} users with a mail address have empty proxyAddresses")
        empty.append("proxyAddresses")
    for prop, attr in (("accountEnabled", "account_enabled"), ("userType", "user_type")):
        if all(getattr(u, attr) is None for u in users):
            found.append(f"{prop} is null for every user")
            empty.append(prop)
    if not found:
        return [], []
    note = (f"{USERS}: {'; '.join(found)}: the export did not select these properties (Get-MgUser without "
            f"-Property returns them empty), so the checks that need them report an error (not read); export "
            f"again with Get-MgUser -All -Property {','.join(user_select())}")
    return [note], empty


def refuse_duplicate_ids(directory: Directory) -> None:
    """Object ids are unique in a tenant: a repeated one is an export that went wrong (a page read twice)."""
    files: tuple[tuple[str, list], ...] = ((USERS, directory.cloud_users), (GROUPS, directory.cloud_groups),
                                           (CONTACTS, directory.cloud_contacts))
    total = sum(len(objs) for _, objs in files)
    if len({o.id for _, objs in files for o in objs}) == total:
        return
    seen: dict[str, tuple[str, int]] = {}
    for rel, objs in files:
        for number, obj in enumerate(objs):
            if obj.id in seen:
                first_rel, first = seen[obj.id]
                earlier = f"record {first}" + ("" if first_rel == rel else f" of {first_rel}")
                raise SourceError(f"{rel}: record {number} (counted from 0 over all pages): id {obj.id} is also "
                                  f"the id of {earlier}; object ids are unique, so the export repeated an object")
            seen[obj.id] = (rel, number)



# The properties of cloud groups and contacts the uniqueness checks read: an export without them
# (groups.json of id and displayName only) would otherwise say no group holds any address.
ADDRESSED = {Collection.GROUPS: ("mail", "proxyAddresses"), Collection.CONTACTS: ("mail", "proxyAddresses")}


def absent_keys(segments: list[Segment], wanted: tuple[str, ...]) -> list[str]:
    """The `wanted` keys some record lacks: not selected for it (Graph returns a selected property as
    null, so an absent key was not asked for), so not read for the collection, as the live reader
    records a selected property absent from any record. Checked in C per page."""
    if not wanted:
        return []
    keys = frozenset(wanted)
    lacking: set[str] = set()
    for records, _ in segments:
        if all(type(r) is dict for r in records) and all(map(keys.issubset, records)):
            continue
        for record in records:
            if type(record) is dict:
                lacking.update(keys.difference(record))
    return sorted(lacking)


def per_user_gaps(segments: list[Segment], users: list[CloudUser], listed: Mapping | None = None) -> dict[str, int]:
    """Per-user properties (SPEC §10) some records carry but others that need them lack, with how
    many lack them: read for some users and not for others, as a per-user read refused for some.
    A user needs onPremisesSyncBehavior when it may be cloud-managed, mailboxSettings when it has an
    address (one without any has no mailbox). `users` are the records' users, in order. A property
    the manifest's users entry lists (`listed`) was read for every user that needed it: no gap."""
    records = [r for records, _ in segments for r in records if type(r) is dict]
    if len(records) != len(users):
        return {}
    properties = (listed or {}).get("properties")
    claimed = set(properties) if type(properties) is list else set()
    needs = {SYNC_BEHAVIOR: lambda u: u.may_be_cloud_managed,
             MAILBOX_SETTINGS: lambda u: bool(u.mail or u.proxy_addresses)}
    gaps: dict[str, int] = {}
    for prop, needed in needs.items():
        if prop in claimed or not any(prop in r for r in records):
            continue                      # absent from every record: absent_user_properties says not read
        lacking = sum(1 for r, u in zip(records, users, strict=True) if prop not in r and needed(u))
        if lacking:
            gaps[prop] = lacking
    return gaps
