"""Map one Active Directory entry (raw LDAP attribute values) to the directory model.

Shared by the LDIF snapshot reader and the live LDAP reader: both hand over {attribute: [values]}
with values as bytes (an LDIF parser, ldap3 raw_attributes) or str, attribute names in any case.
"""
from __future__ import annotations

import uuid
from typing import cast
from collections.abc import Iterable, Mapping, Sequence

from ..coverage import Collection, Coverage
from ..model import OnPremObject

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
)


# The coverage collections (SPEC §8) an AD read supplies, by objectClass.
ONPREM_COLLECTIONS = {"user": Collection.AD_USERS, "group": Collection.AD_GROUPS, "contact": Collection.AD_CONTACTS}


def onprem_counts(objects: Iterable[OnPremObject]) -> dict[Collection, int]:
    """How many users, groups and contacts were read, by coverage collection."""
    counts = dict.fromkeys(ONPREM_COLLECTIONS.values(), 0)
    for obj in objects:
        counts[ONPREM_COLLECTIONS[obj.object_class]] += 1
    return counts


def record_onprem(coverage: Coverage, objects: Iterable[OnPremObject], source: str) -> None:
    """adUsers, adGroups and adContacts as read, with their counts."""
    for name, count in onprem_counts(objects).items():
        coverage.read(name, count, source)


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
    low: Mapping[str, Sequence[bytes | str]] = {k.lower(): v for k, v in attrs.items()}
    if len(low) != len(attrs):
        low = _merge_case_variants(attrs)
    try:
        try:
            # str values fail in _build with TypeError/AttributeError and take the bytes path below.
            return _build(dn, cast(Mapping[str, Sequence[bytes]], low), extra_attrs)
        except (TypeError, AttributeError):
            return _build(dn, _as_bytes(low), extra_attrs)
    except UnicodeDecodeError:
        raise ValueError(_undecodable(attrs)) from None


def _build(dn, low: Mapping[str, Sequence[bytes]], extra_attrs: Iterable[str]) -> OnPremObject | None:
    """The object from lower-cased attribute names and bytes values (the fast, common case)."""
    classes = low.get("objectclass")
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
    get = low.get
    return OnPremObject(
        dn if isinstance(dn, str) else dn.decode("utf-8"),
        object_class,
        _guid(get("objectguid")),
        _raw(get("ms-ds-consistencyguid")),
        _first(get("userprincipalname")),
        _first(get("samaccountname")),
        _first(get("mail")),
        _first(get("mailnickname")),
        tuple(map(bytes.decode, get("proxyaddresses") or ())),
        _first(get("givenname")),
        _first(get("sn")),
        _first(get("displayname")),
        _uac(get("useraccountcontrol")),
        _critical(get("iscriticalsystemobject")),
        {a.lower(): _first(get(a.lower())) for a in extra_attrs} if extra_attrs else {},
    )


def _merge_case_variants(attrs: Mapping[str, Sequence]) -> dict[str, list]:
    """One list per attribute when the same name occurs spelled in different cases."""
    merged: dict[str, list] = {}
    for name, values in attrs.items():
        merged.setdefault(name.lower(), []).extend(values)
    return merged


def _as_bytes(low: Mapping[str, Sequence]) -> dict[str, list[bytes]]:
    """Values given as str (already decoded by the caller) as UTF-8 bytes."""
    return {name: [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in values]
            for name, values in low.items()}


def _first(values) -> str | None:
    return values[0].decode() if values else None


def _raw(values) -> bytes | None:
    return bytes(values[0]) if values and values[0] else None


def _guid(values) -> bytes | None:
    """The 16 raw objectGUID bytes; the GUID's text form (Samba's ldbsearch writes it) is converted."""
    if not values:
        return None
    value = values[0]
    if len(value) == 16:
        return bytes(value)
    if len(value) in (36, 38):
        try:
            return uuid.UUID(value.decode("ascii")).bytes_le
        except (UnicodeDecodeError, ValueError):
            pass
    raise ValueError(f"objectGUID is {len(value)} bytes, expected 16")


def _uac(values) -> int | None:
    if not values:
        return None
    text = values[0].decode().strip()
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"userAccountControl {text!r} is not an integer") from None


def _critical(values) -> bool:
    if not values:
        return False
    text = values[0].decode().strip().upper()
    if text not in ("TRUE", "FALSE"):
        raise ValueError(f"isCriticalSystemObject {text!r} is neither TRUE nor FALSE")
    return text == "TRUE"


def _undecodable(attrs: Mapping[str, Sequence]) -> str:
    """Which text attribute is not UTF-8 (only computed when decoding failed)."""
    for name, values in attrs.items():
        if name.lower() in ("objectguid", "ms-ds-consistencyguid"):
            continue
        for value in values:
            if isinstance(value, bytes):
                try:
                    value.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return f"{name} is not valid UTF-8 text (byte {value[exc.start]:#04x} at offset {exc.start})"
    return "a text attribute is not valid UTF-8"
