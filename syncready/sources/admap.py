"""Map one Active Directory entry (raw LDAP attribute values) to the directory model.

Shared by the LDIF snapshot reader and the live LDAP reader: both hand over {attribute: [values]}
with values as bytes (an LDIF parser, ldap3 raw_attributes) or str, attribute names in any case.
"""
from __future__ import annotations

import uuid
from sys import intern
from typing import cast
from collections.abc import Iterable, Mapping, Sequence

from ..coverage import Collection, Coverage, CoverageStatus
from ..model import OnPremObject
from ..sid import check_sid_bytes, sid_from_text
from .ldif import first_and_more

# What to request from AD (SPEC §2), with objectClass to tell users from groups and contacts and
# isCriticalSystemObject to leave built-in accounts out of scope.
AD_ATTRIBUTES = (
    "distinguishedName",
    "objectClass",
    "objectGUID",
    "mS-DS-ConsistencyGuid",
    "userPrincipalName",
    "sAMAccountName",
    "mail",
    "mailNickname",
    "proxyAddresses",
    "givenName",
    "sn",
    "displayName",
    "userAccountControl",
    "isCriticalSystemObject",
    # SPEC §10: identity, passwords, Exchange recipient attributes, group type.
    "objectSid",
    "pwdLastSet",
    "accountExpires",
    "lastLogonTimestamp",
    "msExchMailboxGuid",
    "msExchRecipientTypeDetails",
    "msExchRemoteRecipientType",
    "targetAddress",
    "homeMDB",
    "legacyExchangeDN",
    "groupType",
)


# The SPEC §10 attributes each collection's coverage names ("adUsers.objectSid"): sparse, so a
# value absent from one object is a reading; absent from every object of a hand-made export, or
# not requested / not held (a Global Catalog), the property is not read. Those of Exchange's schema
# are the EXCHANGE ones; a forest without that schema has none of them, which is a reading too.
EXCHANGE_ATTRIBUTES = ("msExchMailboxGuid", "msExchRecipientTypeDetails", "msExchRemoteRecipientType",
                       "targetAddress", "homeMDB", "legacyExchangeDN")
# Only Exchange's schema extension defines these (the base AD schema has a few msExch* attributes of
# its own, msExchAssistantName for one, and legacyExchangeDN): their absence means no Exchange schema.
EXCHANGE_MARKERS = ("msExchMailboxGuid", "msExchRecipientTypeDetails", "msExchRemoteRecipientType")
SPARSE_PROPERTIES: dict[Collection, tuple[str, ...]] = {
    Collection.AD_USERS: ("userAccountControl", "objectSid", "pwdLastSet", "accountExpires", "lastLogonTimestamp",
                          *EXCHANGE_ATTRIBUTES),
    Collection.AD_GROUPS: ("objectSid", "groupType", "msExchRecipientTypeDetails", "legacyExchangeDN"),
    Collection.AD_CONTACTS: ("msExchRecipientTypeDetails", "targetAddress", "legacyExchangeDN"),
}
# The OnPremObject field of each of them.
FIELDS = {"userAccountControl": "uac", "objectSid": "object_sid", "pwdLastSet": "pwd_last_set",
          "accountExpires": "account_expires", "lastLogonTimestamp": "last_logon_timestamp",
          "msExchMailboxGuid": "exch_mailbox_guid",
          "msExchRecipientTypeDetails": "exch_recipient_type_details",
          "msExchRemoteRecipientType": "exch_remote_recipient_type", "targetAddress": "target_address",
          "homeMDB": "home_mdb", "legacyExchangeDN": "legacy_exchange_dn", "groupType": "group_type"}

# Attributes whose values are bytes, not text (LDIF writes them base64, writers compare bytes).
BINARY_ATTRIBUTES = frozenset(("objectguid", "ms-ds-consistencyguid", "objectsid", "msexchmailboxguid"))


# The coverage collections (SPEC §8) an AD read supplies, by objectClass.
ONPREM_COLLECTIONS = {"user": Collection.AD_USERS, "group": Collection.AD_GROUPS, "contact": Collection.AD_CONTACTS}


def onprem_counts(objects: Iterable[OnPremObject]) -> dict[Collection, int]:
    """How many users, groups and contacts were read, by coverage collection."""
    counts = dict.fromkeys(ONPREM_COLLECTIONS.values(), 0)
    for obj in objects:
        counts[ONPREM_COLLECTIONS[obj.object_class]] += 1
    return counts


def record_onprem(coverage: Coverage, objects: Sequence[OnPremObject], source: str,
                  selected: Mapping[str, Iterable[str]] | None = None, exchange: bool | None = None) -> None:
    """adUsers, adGroups and adContacts as read, with their counts and SPEC §10 properties."""
    for name, count in onprem_counts(objects).items():
        coverage.read(name, count, source)
    record_properties(coverage, objects, selected, exchange)


# The reason the Exchange checks skip with, and the coverage note that says AD has no Exchange schema.
NO_EXCHANGE_SCHEMA = "no Exchange schema in AD"
NO_EXCHANGE_NOTE = (f"{NO_EXCHANGE_SCHEMA}: no {', '.join(EXCHANGE_MARKERS)} (live: not in the schema; in an "
                    "export: on no object), so the Exchange checks skip; export them too if the forest has Exchange")


def no_exchange_schema(coverage: Coverage) -> bool:
    """Whether the AD that was read has no Exchange schema: the Exchange checks then skip."""
    return NO_EXCHANGE_NOTE in coverage.notes


def mark_no_exchange_schema(coverage: Coverage) -> None:
    if NO_EXCHANGE_NOTE not in coverage.notes:
        coverage.notes.append(NO_EXCHANGE_NOTE)


def record_properties(coverage: Coverage, objects: Sequence[OnPremObject],
                      selected: Mapping[str, Iterable[str]] | None = None, exchange: bool | None = None) -> None:
    """The SPEC §10 properties of each AD collection recorded as read: not read when the collection's
    `selected` attributes (requested and held, live or in a manifest) leave them out or, for a
    collection without a selection (a hand-made export), when none of its objects carries them. `exchange`
    says whether the schema has Exchange's attributes (None: whether any object carries one); without
    them, Exchange's properties are a reading (nobody has them) and the coverage notes say so."""
    seen = _carried(objects)
    if exchange is None:
        exchange = any(m in found for found in seen.values() for m in EXCHANGE_MARKERS)
    for name, props in SPARSE_PROPERTIES.items():
        entry = coverage.collections.get(name)
        if entry is None or entry.status is not CoverageStatus.READ or not entry.count:
            continue            # an empty collection lacks nothing
        wanted = props if exchange else [p for p in props if p not in EXCHANGE_ATTRIBUTES]
        chosen = None if selected is None else selected.get(name)
        if chosen is not None:
            held = {a.lower() for a in chosen}
            missing = [p for p in wanted if p.lower() not in held]
        else:
            missing = [p for p in wanted if p not in seen[name]]
        if missing:
            entry.missing = tuple(sorted({*entry.missing, *missing}))
    if not exchange:
        mark_no_exchange_schema(coverage)


def manifest_selection(manifest: Mapping | None) -> dict[str, list[str]]:
    """Per AD collection the attributes a manifest.json says `syncready snapshot` requested and got;
    a collection it does not list with properties is judged from the objects instead."""
    collections = (manifest or {}).get("collections") or {}
    found: dict[str, list[str]] = {}
    for name in SPARSE_PROPERTIES:
        entry = collections.get(name)
        if isinstance(entry, Mapping) and isinstance(entry.get("properties"), list):
            found[name] = [str(p) for p in entry["properties"]]
    return found


def _carried(objects: Iterable[OnPremObject]) -> dict[Collection, set[str]]:
    """Per collection, which SPEC §10 properties at least one of its objects carries."""
    seen: dict[Collection, set[str]] = {name: set() for name in SPARSE_PROPERTIES}
    left = {name: {p: FIELDS[p] for p in props} for name, props in SPARSE_PROPERTIES.items()}
    pending = sum(map(len, left.values()))
    for obj in objects:
        name = ONPREM_COLLECTIONS[obj.object_class]
        fields = left[name]
        for prop, attr in list(fields.items()):
            if getattr(obj, attr) is not None:
                seen[name].add(prop)
                del fields[prop]
                pending -= 1
        if not pending:
            break
    return seen


def ad_attributes(extra_attrs: Iterable[str] = ()) -> list[str]:
    """AD_ATTRIBUTES plus the extra (drift) attributes, without duplicates."""
    seen = {a.lower() for a in AD_ATTRIBUTES}
    result = list(AD_ATTRIBUTES)
    for attr in extra_attrs:
        if attr.lower() not in seen:
            seen.add(attr.lower())
            result.append(attr)
    return result


def onprem_from_attributes(dn: str, attrs: Mapping[str, Sequence[bytes | str]],
                           extra_attrs: Iterable[str] = ()) -> OnPremObject | None:
    """The OnPremObject for an AD entry, or None when it is not a user, group or contact.

    Computers (and the managed service accounts derived from them) are not users, although their
    objectClass includes user. Raises ValueError, naming the attribute, for values that cannot be
    right (an objectGUID that is neither 16 bytes nor a GUID in text form, text that is not UTF-8,
    a non-numeric userAccountControl).
    """
    first, more = first_and_more(attrs)
    return onprem_from_entry(dn, first, more, extra_attrs, attrs)


def onprem_from_entry(dn: str, first: Mapping[str, bytes | str], more: Mapping[str, Sequence[bytes | str]] | None,
                      extra_attrs: Iterable[str] = (),
                      attrs: Mapping[str, Sequence[bytes | str]] | None = None) -> OnPremObject | None:
    """onprem_from_attributes for an entry as ldif.iter_ldif_entries gives it: lower-cased names,
    each one's first value and (`more`) every value of those with several. A text value that is
    not UTF-8 is named as `attrs` spells it (lower-cased without them)."""
    try:
        try:
            # str values fail in _build with TypeError/AttributeError and take the bytes path below.
            return _build(dn, cast(Mapping[str, bytes], first), cast(Mapping[str, Sequence[bytes]], more or {}),
                          extra_attrs)
        except (TypeError, AttributeError):
            return _build(dn, *_as_bytes(first, more or {}), extra_attrs)
    except UnicodeDecodeError:
        if attrs is None:
            attrs = {k: (more or {}).get(k) or [v] for k, v in first.items()}
        raise ValueError(_undecodable(attrs)) from None


# The text attributes converted one after the other, in the constructor's order.
_NAMES = ("userprincipalname", "samaccountname", "mail", "mailnickname", "givenname", "sn", "displayname")
_EXCHANGE_TEXT = ("targetaddress", "homemdb", "legacyexchangedn")


def _build(dn, first: Mapping[str, bytes], more: Mapping[str, Sequence[bytes]],
           extra_attrs: Iterable[str]) -> OnPremObject | None:
    """The object from lower-cased attribute names and bytes values (the fast, common case).

    Values are converted in the constructor's field order, so that of several bad values the
    first is the one reported (text that is not UTF-8 is reported alike whichever field it is in)."""
    get = first.get
    classes = more.get("objectclass")
    if classes is None:
        value = get("objectclass")
        classes = () if value is None else (value,)
    if not classes:
        raise ValueError("no objectClass (include objectClass in the export)")
    kinds = b"\0".join(classes).lower().split(b"\0")
    if b"computer" in kinds:
        return None
    if b"user" in kinds or b"inetorgperson" in kinds:
        object_class = "user"
    elif b"group" in kinds:
        object_class = "group"
    elif b"contact" in kinds:
        object_class = "contact"
    else:
        return None
    if not isinstance(dn, str):
        dn = dn.decode("utf-8")
    guid = _guid(get("objectguid"))
    consistency = _raw(get("ms-ds-consistencyguid"))
    upn, sam, mail, nickname, given, sn, display = [None if v is None else v.decode() for v in map(get, _NAMES)]
    # Names many users share are one string each (sys.intern), not one per user; mail is mostly the UPN.
    given, sn = [v and intern(v) for v in (given, sn)]
    mail = upn if mail == upn else mail
    several = more.get("proxyaddresses")
    if several is not None:
        proxies: tuple[str, ...] = tuple([v.decode() for v in several])
    else:
        value = get("proxyaddresses")
        proxies = () if value is None else (value.decode(),)
    uac = _int(get("useraccountcontrol"), "userAccountControl")
    critical = _critical(get("iscriticalsystemobject"))
    extra = {a.lower(): _text(get(a.lower())) for a in extra_attrs} if extra_attrs else {}
    sid = _sid(get("objectsid"))
    pwd_last_set = _int(get("pwdlastset"), "pwdLastSet")
    account_expires = _int(get("accountexpires"), "accountExpires")
    last_logon = _int(get("lastlogontimestamp"), "lastLogonTimestamp")
    mailbox_guid = _guid(get("msexchmailboxguid"), "msExchMailboxGuid")
    recipient = _int(get("msexchrecipienttypedetails"), "msExchRecipientTypeDetails")
    remote = _int(get("msexchremoterecipienttype"), "msExchRemoteRecipientType")
    target, home_mdb, legacy = [None if v is None else v.decode() for v in map(get, _EXCHANGE_TEXT)]
    group_type = _group_type(get("grouptype"))
    return OnPremObject(dn, object_class, guid, consistency, upn, sam, mail, nickname, proxies, given, sn, display,
                        uac, critical, extra, object_sid=sid, pwd_last_set=pwd_last_set,
                        account_expires=account_expires, last_logon_timestamp=last_logon,
                        exch_mailbox_guid=mailbox_guid, exch_recipient_type_details=recipient,
                        exch_remote_recipient_type=remote, target_address=target, home_mdb=home_mdb,
                        legacy_exchange_dn=legacy, group_type=group_type)


def _as_bytes(first: Mapping[str, bytes | str], more: Mapping[str, Sequence[bytes | str]]
              ) -> tuple[dict[str, bytes], dict[str, list[bytes]]]:
    """Values given as str (already decoded by the caller) as UTF-8 bytes."""
    def raw(value) -> bytes:
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return ({name: raw(value) for name, value in first.items()},
            {name: [raw(v) for v in values] for name, values in more.items()})


def _text(value) -> str | None:
    return None if value is None else value.decode()


def _raw(value) -> bytes | None:
    return bytes(value) if value else None


def _guid(value, name: str = "objectGUID") -> bytes | None:
    """The 16 raw bytes of a GUID attribute (objectGUID, msExchMailboxGuid); the GUID's text form
    (Samba's ldbsearch writes it) is converted."""
    if value is None:
        return None
    if len(value) == 16:
        return value if type(value) is bytes else bytes(value)
    if len(value) in (36, 38):
        try:
            return uuid.UUID(value.decode("ascii")).bytes_le
        except (UnicodeDecodeError, ValueError):
            pass
    raise ValueError(f"{name} is {len(value)} bytes, expected 16")


def _sid(value) -> bytes | None:
    """The binary objectSid, checked to be a SID; the S-1-... text form (ldbsearch) is converted."""
    if value is None:
        return None
    value = bytes(value)
    if value[:2] in (b"S-", b"s-"):
        try:
            return sid_from_text(value.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise ValueError(f"objectSid {printable_bytes(value)} is not a SID (S-1-5-21-...)") from None
    check_sid_bytes(value)   # raises ValueError naming objectSid when the bytes are not a SID
    return value


def _int(value, name: str) -> int | None:
    """An Integer or Large-Integer attribute (FILETIMEs, Exchange recipient types) as AD writes it."""
    if value is None:
        return None
    try:
        return int(value)       # ASCII digits, as AD writes them; other spellings take the text path
    except ValueError:
        pass
    text = value.decode().strip()
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} {printable_bytes(value)} is not an integer") from None


def _group_type(value) -> int | None:
    """groupType as AD gives it, a signed 32-bit integer (-2147483646: global security group); the
    unsigned spelling some tools write (2147483650) is folded onto it, anything wider is refused."""
    value = _int(value, "groupType")
    if value is None or -(1 << 31) <= value < (1 << 31):
        return value
    if value < (1 << 32):
        return value - (1 << 32)
    raise ValueError(f"groupType {value} is not a 32-bit integer")


def printable_bytes(value: bytes) -> str:
    """A value for a one-line message: its text when short and printable, else its length."""
    text = bytes(value).decode("utf-8", "replace")
    if len(text) <= 40 and text.isprintable():
        return repr(text)
    return f"of {len(value)} bytes"


def _critical(value) -> bool:
    if value is None:
        return False
    text = value.decode().strip().upper()
    if text not in ("TRUE", "FALSE"):
        raise ValueError(f"isCriticalSystemObject {text!r} is neither TRUE nor FALSE")
    return text == "TRUE"


def _undecodable(attrs: Mapping[str, Sequence]) -> str:
    """Which text attribute is not UTF-8 (only computed when decoding failed)."""
    for name, values in attrs.items():
        if name.lower() in BINARY_ATTRIBUTES:
            continue
        for value in values:
            if isinstance(value, bytes):
                try:
                    value.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return f"{name} is not valid UTF-8 text (byte {value[exc.start]:#04x} at offset {exc.start})"
    return "a text attribute is not valid UTF-8"
