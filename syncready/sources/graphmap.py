"""Map Microsoft Graph JSON objects (dicts with Graph property names) to the directory model.

Shared by the snapshot reader and the live Graph reader. The functions are pure and do one dict
lookup per property, so 100k users map in a fraction of a second. Missing required properties
raise ValueError with a short text; the caller adds which file and record it was.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from sys import intern
from collections.abc import Callable, Iterable, Sequence

from ..errors import SourceError
from ..jsonio import json_type as _json_type
from ..model import CloudObject, CloudUser, Domain, RoleAssignment, SyncFeatures

# Graph user properties to $select (SPEC §2); drift attributes are added by user_select().
USER_SELECT = (
    "id",
    "userPrincipalName",
    "mail",
    "mailNickname",
    "givenName",
    "surname",
    "displayName",
    "proxyAddresses",
    "onPremisesImmutableId",
    "onPremisesSyncEnabled",
    "accountEnabled",
    "userType",
)
# SPEC §10: what an earlier sync left and the password state; v1.0 properties selectable on /users
# (Graph's published metadata of 2026-08). Sparse: null is a reading, an absent key is not.
USER_SELECT_2026 = (
    "onPremisesSecurityIdentifier",
    "onPremisesLastSyncDateTime",
    "onPremisesDistinguishedName",
    "onPremisesSamAccountName",
    "onPremisesProvisioningErrors",
    "passwordPolicies",
    "lastPasswordChangeDateTime",
)
# In no published schema (v1.0 or beta): never $select it (Graph answers 400); read it when a record has it.
OBJECT_IDENTIFIER = "onPremisesObjectIdentifier"
# Not selectable on the list: read per user and embedded in the user object under these names.
SYNC_BEHAVIOR = "onPremisesSyncBehavior"       # navigation property {"isCloudManaged": bool}
MAILBOX_SETTINGS = "mailboxSettings"           # {"userPurpose": "user|linked|shared|room|equipment|others"}
SYNC_BEHAVIOR_PATH = "/users/{id}/onPremisesSyncBehavior"       # User-OnPremisesSyncBehavior.ReadWrite.All
MAILBOX_SETTINGS_PATH = "/users/{id}/mailboxSettings"             # MailboxSettings.Read
USER_PER_USER = (SYNC_BEHAVIOR, MAILBOX_SETTINGS)
# onPremisesProvisioningErrors: v1.0 on group and orgContact too (2026-08 metadata); verify reports them.
PROVISIONING_ERRORS = "onPremisesProvisioningErrors"
GROUP_SELECT = ("id", "displayName", "mail", "mailEnabled", "proxyAddresses", PROVISIONING_ERRORS)
CONTACT_SELECT = ("id", "displayName", "mail", "proxyAddresses", PROVISIONING_ERRORS)
DOMAIN_SELECT = ("id", "isVerified", "authenticationType", "isInitial")

# The Graph feature flags of onPremisesDirectorySynchronization and their SyncFeatures fields.
_FEATURES = (
    ("softMatchOnUpnEnabled", "soft_match_on_upn"),
    ("blockSoftMatchEnabled", "block_soft_match"),
    ("blockCloudObjectTakeoverThroughHardMatchEnabled", "block_cloud_object_takeover_through_hard_match"),
    ("synchronizeUpnForManagedUsersEnabled", "synchronize_upn_for_managed_users"),
    ("allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled", "allow_object_identifier_update"),
    ("passwordSyncEnabled", "password_sync"),
    ("userForcePasswordChangeOnLogonEnabled", "user_force_password_change_on_logon"),
    ("cloudPasswordPolicyForPasswordSyncedUsersEnabled", "cloud_password_policy_for_password_synced_users"),
)


def user_select(extra_props: Iterable[str] = ()) -> list[str]:
    """The $select list for users: USER_SELECT, USER_SELECT_2026, then the top-level properties of the extras."""
    result = [*USER_SELECT, *USER_SELECT_2026]
    for prop in extra_props:
        top = prop.split("/", 1)[0]
        if top not in result:
            result.append(top)
    return result


# Of USER_SELECT, what decides who is a subject and how Entra matches: an export without them is
# unusable (SourceError naming them). The others (names, mailNickname) only feed attribute-drift and
# hints; their absence is recorded as coverage, so only the checks that read them report an error.
USER_REQUIRED = ("id", "userPrincipalName", "mail", "proxyAddresses", "onPremisesImmutableId",
                 "onPremisesSyncEnabled", "accountEnabled", "userType")
_USER_TEXT = ("mail", "mailNickname", "givenName", "surname", "displayName", "onPremisesImmutableId", "userType",
              "onPremisesSecurityIdentifier", "onPremisesLastSyncDateTime", OBJECT_IDENTIFIER,
              "onPremisesDistinguishedName", "onPremisesSamAccountName", "passwordPolicies",
              "lastPasswordChangeDateTime")
_USER_FLAGS = ("onPremisesSyncEnabled", "accountEnabled")
_DATES = frozenset(("onPremisesLastSyncDateTime", "lastPasswordChangeDateTime"))
# Windows PowerShell 5.1's ConvertTo-Json writes a DateTime as "/Date(milliseconds since 1970)/".
_PS_DATE = re.compile(r"/Date\((-?\d{1,15})(?:[+-]\d{4})?\)/")


def cloud_user_from_graph(obj: dict, extra_props: Sequence[str] = ()) -> CloudUser:
    """A CloudUser; `extra` holds the requested extra properties ('a/b' reads a nested property).

    Values of the wrong JSON type are refused (ValueError naming the property): a "false" string
    for accountEnabled, or a number in proxyAddresses, would otherwise change a verdict silently.
    onPremisesSyncBehavior and mailboxSettings are embedded per user; absent, their fields stay None.
    Called once per user, so the common values (null, plain strings, one userPurpose) take no call
    of a helper: the helpers run only for what needs converting or refusing.
    """
    if type(obj) is not dict:
        raise ValueError(f"expected a JSON object, found {_json_type(obj)}")
    get = obj.get
    uid = get("id")
    upn = get("userPrincipalName")
    if type(uid) is not str or type(upn) is not str or not uid or not upn:
        raise ValueError(_bad_required(obj, ("id", "userPrincipalName")))
    text = list(map(get, _USER_TEXT))
    synced, enabled = get("onPremisesSyncEnabled"), get("accountEnabled")
    if not _TEXT_TYPES.issuperset(map(type, text)) or type(synced) not in _FLAG_TYPES \
            or type(enabled) not in _FLAG_TYPES:
        raise ValueError(_bad_type(obj))
    (mail, nickname, given, surname, display, immutable, user_type, sid, last_sync, object_id, dn, sam,
     policies, last_change) = text
    # Values many users share are one string each (sys.intern), not one per user; mail is mostly the UPN.
    given, surname, user_type, last_sync = [v and intern(v) for v in (given, surname, user_type, last_sync)]
    mail = upn if mail == upn else mail
    # In the order of the fields, so that of two bad values the same one is named as always.
    proxies = get("proxyAddresses")
    proxies = tuple(proxies) if type(proxies) is list and _STR_ONLY.issuperset(map(type, proxies)) \
        else _proxies(proxies)          # null, or a value to refuse
    if last_sync is not None and last_sync.startswith("/Date("):
        last_sync = _date_text(_USER_TEXT[8], last_sync)
    managed = get(SYNC_BEHAVIOR)
    if managed is not None:
        managed = cloud_managed_from_graph(managed)
    errors = get(PROVISIONING_ERRORS)
    errors = () if errors is None else _provisioning_errors(errors)
    settings = get(MAILBOX_SETTINGS)
    purpose = settings.get("userPurpose") if type(settings) is dict else None
    if type(purpose) is not str:        # null, beta's {"value": ...}, no mailboxSettings, or a value to refuse
        purpose = mailbox_purpose_from_graph(settings)
    if last_change is not None and last_change.startswith("/Date("):
        last_change = _date_text(_USER_TEXT[13], last_change)
    extra = {p: _property(obj, p) if "/" in p else get(p) for p in extra_props} if extra_props else {}
    return CloudUser(uid, upn, mail, nickname, given, surname, display, proxies, immutable, synced, enabled,
                     user_type, extra, sid, last_sync, object_id, dn, sam, managed, errors,
                     intern(purpose) if purpose else None, intern(policies) if policies else policies, last_change)


_TEXT_TYPES = frozenset((str, type(None)))
_STR_ONLY = frozenset((str,))
_FLAG_TYPES = frozenset((bool, type(None)))


def cloud_managed_from_graph(value) -> bool | None:
    """isCloudManaged of an onPremisesSyncBehavior object (as GET SYNC_BEHAVIOR_PATH answers, or
    embedded in a user); None for null or absent."""
    if value is None:
        return None
    if type(value) is not dict:
        raise ValueError(f"{SYNC_BEHAVIOR} is {_json_type(value)}, expected an object {{\"isCloudManaged\": ...}}")
    flag = value.get("isCloudManaged")
    if flag is not None and type(flag) is not bool:
        raise ValueError(f"{SYNC_BEHAVIOR}.isCloudManaged is {_json_type(flag)}, expected true, false or null")
    return flag


def mailbox_purpose_from_graph(value) -> str | None:
    """userPurpose of a mailboxSettings object: v1.0's string, or beta's object {"value": "shared"}.

    Also takes GET MAILBOX_SETTINGS_PATH/userPurpose's answer ({"value": "shared"}, beta {"value": {"value": ...}})."""
    if value is None:
        return None
    if type(value) is not dict:
        raise ValueError(f"{MAILBOX_SETTINGS} is {_json_type(value)}, expected an object {{\"userPurpose\": ...}}")
    purpose = value["userPurpose"] if "userPurpose" in value else value.get("value")
    if type(purpose) is dict:
        purpose = purpose.get("value")
    if purpose is not None and type(purpose) is not str:
        raise ValueError(f"{MAILBOX_SETTINGS}.userPurpose is {_json_type(purpose)}, expected a string such as "
                         "\"shared\" or {\"value\": \"shared\"}")
    return purpose or None


def _provisioning_errors(value) -> tuple[dict, ...]:
    if value is None:
        return ()
    if type(value) is list and all(type(v) is dict for v in value):
        return tuple(value)
    bad = value if type(value) is not list else next(v for v in value if type(v) is not dict)
    raise ValueError(f"onPremisesProvisioningErrors {'holds' if type(value) is list else 'is'} {_json_type(bad)}, "
                     "expected an array of objects")


def _date_text(name: str, value: str | None) -> str | None:
    """ISO 8601 text as Graph gives it, also from Windows PowerShell's "/Date(ms)/" form."""
    if value is None or not value.startswith("/Date("):
        return value
    match = _PS_DATE.fullmatch(value)
    try:
        if match is None:
            raise OverflowError
        when = _EPOCH + dt.timedelta(milliseconds=int(match.group(1)))
    except OverflowError:
        raise ValueError(f"{name} is {json.dumps(value)[:40]}, expected an ISO 8601 date or /Date(ms)/") from None
    return when.isoformat().replace("+00:00", "Z")


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def cloud_group_from_graph(obj: dict) -> CloudObject:
    return _mail_object(obj, "group")


def cloud_contact_from_graph(obj: dict) -> CloudObject:
    """An orgContact; contacts are mail objects by nature, so mail_enabled stays unknown (None)."""
    return _mail_object(obj, "contact")


def _mail_object(obj: dict, kind: str) -> CloudObject:
    if type(obj) is not dict:
        raise ValueError(f"expected a JSON object, found {_json_type(obj)}")
    get = obj.get
    if type(get("id")) is not str or not obj["id"]:
        raise ValueError(_bad_required(obj, ("id",)))
    name, mail, enabled = get("displayName"), get("mail"), get("mailEnabled") if kind == "group" else None
    for prop, value, want in (("displayName", name, str), ("mail", mail, str), ("mailEnabled", enabled, bool)):
        if value is not None and type(value) is not want:
            raise ValueError(f"{prop} is {_json_type(value)}, "
                             f"expected {'a string' if want is str else 'true or false'}")
    # An absent key is not a reading (an export without the property): None, which verify reports as not read.
    errors = _provisioning_errors(get(PROVISIONING_ERRORS)) if PROVISIONING_ERRORS in obj else None
    return CloudObject(obj["id"], kind, name, mail, enabled, _proxies(get("proxyAddresses")), errors)


def domain_from_graph(obj: dict) -> Domain:
    if type(obj) is not dict:
        raise ValueError(f"expected a JSON object, found {_json_type(obj)}")
    if type(obj.get("id")) is not str or not obj["id"]:
        raise ValueError(_bad_required(obj, ("id",)))
    return Domain(obj["id"], bool(obj.get("isVerified")), obj.get("authenticationType") or "Managed",
                  bool(obj.get("isInitial")))


def sync_object_from_graph(obj) -> dict | None:
    """The onPremisesDirectorySynchronization object, given bare or as {"value": [obj]}."""
    if type(obj) is dict and type(obj.get("value")) is list:
        obj = obj["value"]
    if type(obj) is list:
        if len(obj) > 1:
            raise ValueError(f"expected one onPremisesDirectorySynchronization object, found {len(obj)}")
        obj = obj[0] if obj else None
    if obj is not None and type(obj) is not dict:
        raise ValueError(f"expected a JSON object, found {_json_type(obj)}")
    return obj


def features_from_graph(obj) -> SyncFeatures:
    """SyncFeatures from an onPremisesDirectorySynchronization object (bare, or {"value": [obj]}).

    The object's `features` are read; a bare features object is accepted too. A flag that is
    absent or null keeps the model's default. No object at all gives known=False.
    """
    sync = sync_object_from_graph(obj)
    if sync is None:
        return SyncFeatures(known=False)
    features = sync.get("features")
    if features is None and any(name in sync for name, _ in _FEATURES):
        features = sync
    if features is None:
        raise ValueError("no 'features' in the onPremisesDirectorySynchronization object")
    if type(features) is not dict:
        raise ValueError(f"'features' is {_json_type(features)}, expected a JSON object")
    values = {}
    for name, field_name in _FEATURES:
        value = features.get(name)
        if value is None:
            continue
        if type(value) is not bool:
            raise ValueError(f"features.{name} is {value!r}, expected true or false")
        values[field_name] = value
    return SyncFeatures(raw=dict(features), **values)


def tenant_id_from_sync(obj) -> str | None:
    """The tenant id: the id of the onPremisesDirectorySynchronization object."""
    sync = sync_object_from_graph(obj)
    return (sync or {}).get("id") or None


def role_assignment_from_graph(obj: dict, eligible: bool) -> RoleAssignment:
    """From a unifiedRoleAssignment or unifiedRoleEligibilitySchedule(Instance).

    The role is the expanded roleDefinition's displayName, or the roleDefinitionId when the
    definition was not expanded.
    """
    if type(obj) is not dict:
        raise ValueError(f"expected a JSON object, found {_json_type(obj)}")
    principal = obj.get("principalId")
    if not principal:
        raise ValueError("missing principalId")
    if type(principal) is not str:
        raise ValueError(f"principalId is {_json_type(principal)}, expected a string")
    definition = obj.get("roleDefinition")
    role = definition.get("displayName") if type(definition) is dict else None
    role = role or obj.get("roleDefinitionId")
    if not role:
        raise ValueError("missing roleDefinition.displayName and roleDefinitionId")
    if type(role) is not str:
        raise ValueError(f"roleDefinition.displayName is {_json_type(role)}, expected a string")
    expanded = obj.get("principal")
    kind = name = None
    if type(expanded) is dict:
        odata = expanded.get("@odata.type")
        kind = odata.rsplit(".", 1)[-1] if type(odata) is str and odata else None
        name = expanded.get("displayName") if type(expanded.get("displayName")) is str else None
    return RoleAssignment(principal, role, eligible, kind, name)


def group_members_from_graph(obj: dict) -> tuple[str, tuple[str, ...]]:
    """(group id, member ids) from a cloud/groupMembers.json record (SPEC §10):
    {"id": GROUP_ID, "members": [{"id": ...}, ...]}, the members as /groups/{id}/transitiveMembers lists them."""
    if type(obj) is not dict:
        raise ValueError(f"expected a JSON object, found {_json_type(obj)}")
    gid = obj.get("id")
    if type(gid) is not str or not gid:
        raise ValueError(_bad_required(obj, ("id",)))
    members = obj.get("members")
    if type(members) is not list:
        raise ValueError(f"members is {_json_type(members)}, expected an array of {{\"id\": ...}} objects")
    ids = []
    for number, member in enumerate(members):
        mid = member.get("id") if type(member) is dict else None
        if type(mid) is not str or not mid:
            raise ValueError(f"members[{number}] has no string id")
        ids.append(mid)
    return gid, tuple(ids)


def _property(obj: dict, prop: str):
    if "/" not in prop:
        return obj.get(prop)
    value: object = obj
    for part in prop.split("/"):
        if type(value) is not dict:
            return None
        value = value.get(part)
    return value


def _proxies(value) -> tuple[str, ...]:
    if type(value) is list:
        result = tuple(value)
        if _STR_ONLY.issuperset(map(type, result)):
            return result
        bad = next(v for v in result if type(v) is not str)
        raise ValueError(f"proxyAddresses holds {_json_type(bad)}, expected an array of strings")
    if value is None:
        return ()
    raise ValueError(f"proxyAddresses is {_json_type(value)}, expected an array of strings")


def _bad_type(obj: dict) -> str:
    """Which optional user property has the wrong JSON type (only computed when one has)."""
    for name in _USER_TEXT:
        value = obj.get(name)
        if value is not None and type(value) is not str:
            return f"{name} is {_json_type(value)}, expected a string or null"
    for name in _USER_FLAGS:
        value = obj.get(name)
        if value is not None and type(value) is not bool:
            shown = f" {json.dumps(value)[:20]}" if type(value) is str else ""
            return f"{name} is {_json_type(value)}{shown}, expected true, false or null"
    return "a property has the wrong type"


def _bad_required(obj: dict, names: Sequence[str]) -> str:
    """Why required properties are unusable: which are missing, or not strings."""
    absent = [n for n in names if obj.get(n) in (None, "")]
    if absent:
        return "missing " + " and ".join(absent)
    wrong = next(n for n in names if type(obj[n]) is not str)
    return f"{wrong} is {_json_type(obj[wrong])}, expected a string"


def map_records(records: list, convert: Callable, where: Callable[[int], str]) -> list:
    """Every record through `convert` at full speed; when one is bad, find it and name it by where(index)."""
    try:
        return list(map(convert, records))
    except ValueError:
        for index, record in enumerate(records):
            try:
                convert(record)
            except ValueError as exc:
                raise SourceError(f"{where(index)}: {exc}") from None
        raise
