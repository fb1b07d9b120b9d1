"""Map Exchange Online mailbox records (Get-EXOMailbox | ConvertTo-Json) to the model's Mailbox.

Graph exposes no ExchangeGuid, LegacyExchangeDN or RecipientTypeDetails; the admin's export does
(SPEC §10, cloud/mailboxes.json). Separate from graphmap because the names are Exchange's, not Graph's.
"""
from __future__ import annotations

import json
import re
from sys import intern
from operator import itemgetter

from ..jsonio import json_type as _json_type
from ..model import Mailbox


# Get-EXOMailbox (PascalCase) names of the Mailbox fields, in SPEC §10's -Properties order.
EXO_MAILBOX_PROPERTIES = ("UserPrincipalName", "PrimarySmtpAddress", "RecipientTypeDetails", "ExchangeGuid",
                          "LegacyExchangeDN", "EmailAddresses")
_MAILBOX_TEXT = EXO_MAILBOX_PROPERTIES[1:5]
# RecipientTypeDetails as a number (an enum serialized by Windows PowerShell's ConvertTo-Json).
_RECIPIENT_TYPES = {1: "UserMailbox", 2: "LinkedMailbox", 4: "SharedMailbox", 8: "LegacyMailbox",
                    16: "RoomMailbox", 32: "EquipmentMailbox"}
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CAMEL = tuple(name[:1].lower() + name[1:] for name in EXO_MAILBOX_PROPERTIES)
_TEXT_TYPES = frozenset((str, type(None)))
_STR_ONLY = frozenset((str,))
_guid_match = _GUID.fullmatch
_pascal = itemgetter(*EXO_MAILBOX_PROPERTIES)


def mailbox_from_exo(obj: dict) -> Mailbox:
    """A Mailbox from a Get-EXOMailbox record (ConvertTo-Json: PascalCase; camelCase accepted too).

    Called once per cloud user, so the fields are read in one lookup pass and type-checked together;
    the helpers that build a message run only for a value to refuse, in the order of the fields, so
    that of two bad values the same one is named as always.
    """
    if type(obj) is not dict:
        raise ValueError(f"expected a JSON object, found {_json_type(obj)}")
    try:
        upn, primary, kind, guid, legacy, addresses = _pascal(obj)
    except KeyError:                    # a name absent in PascalCase: the camelCase spelling, if any
        upn, primary, kind, guid, legacy, addresses = _with_camel(obj)
    else:
        if upn is None or primary is None or kind is None or guid is None or legacy is None or addresses is None:
            upn, primary, kind, guid, legacy, addresses = _with_camel(obj)
    if type(upn) is not str or not upn:
        raise ValueError("missing UserPrincipalName" if upn in (None, "") else
                         f"UserPrincipalName is {_json_type(upn)}, expected a string")
    if type(kind) is int and kind in _RECIPIENT_TYPES:
        kind = _RECIPIENT_TYPES[kind]
    text = (primary, kind, guid, legacy)
    if not _TEXT_TYPES.issuperset(map(type, text)):
        name, bad = next((n, v) for n, v in zip(_MAILBOX_TEXT, text, strict=True) if type(v) not in _TEXT_TYPES)
        raise ValueError(f"{name} is {_json_type(bad)}, expected a string or null")
    if guid:
        if not _guid_match(guid):
            raise ValueError(f"ExchangeGuid is {json.dumps(guid)[:50]}, expected a GUID")
        guid = guid.lower()
    if type(addresses) is list and _STR_ONLY.issuperset(map(type, addresses)):
        addresses = tuple(addresses)
    elif addresses is None:
        addresses = ()
    else:
        bad = next((a for a in addresses if type(a) is not str), None) if type(addresses) is list else addresses
        raise ValueError(f"EmailAddresses {'holds' if type(addresses) is list else 'is'} {_json_type(bad)}, "
                         "expected an array of strings")
    primary = upn if primary == upn else primary      # the usual case: one string for both
    return Mailbox(upn, primary or None, intern(kind) if kind else None, guid or None, legacy or None, addresses)


def _with_camel(obj: dict) -> list:
    """Each field by its PascalCase name, or by its camelCase one where that is absent or null."""
    get = obj.get
    return [get(camel) if found is None else found
            for found, camel in zip(map(get, EXO_MAILBOX_PROPERTIES), _CAMEL, strict=True)]
