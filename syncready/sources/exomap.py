"""Map Exchange Online mailbox records (Get-EXOMailbox | ConvertTo-Json) to the model's Mailbox.

Graph exposes no ExchangeGuid, LegacyExchangeDN or RecipientTypeDetails; the admin's export does
(SPEC §10, cloud/mailboxes.json). Separate from graphmap because the names are Exchange's, not Graph's.
"""
from __future__ import annotations

import json
import re

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


def mailbox_from_exo(obj: dict) -> Mailbox:
    """A Mailbox from a Get-EXOMailbox record (ConvertTo-Json: PascalCase; camelCase accepted too)."""
    if type(obj) is not dict:
        raise ValueError(f"expected a JSON object, found {_json_type(obj)}")
    get = obj.get

    def value(name: str):
        found = get(name)
        return get(name[:1].lower() + name[1:]) if found is None else found

    upn = value("UserPrincipalName")
    if type(upn) is not str or not upn:
        raise ValueError("missing UserPrincipalName" if upn in (None, "") else
                         f"UserPrincipalName is {_json_type(upn)}, expected a string")
    primary, kind, guid, legacy = (value(name) for name in _MAILBOX_TEXT)
    if type(kind) is int and kind in _RECIPIENT_TYPES:
        kind = _RECIPIENT_TYPES[kind]
    for name, text in zip(_MAILBOX_TEXT, (primary, kind, guid, legacy), strict=True):
        if text is not None and type(text) is not str:
            raise ValueError(f"{name} is {_json_type(text)}, expected a string or null")
    if guid and not _GUID.fullmatch(guid):
        raise ValueError(f"ExchangeGuid is {json.dumps(guid)[:50]}, expected a GUID")
    addresses = value("EmailAddresses")
    if addresses is not None and (type(addresses) is not list or any(type(a) is not str for a in addresses)):
        bad = next((a for a in addresses if type(a) is not str), None) if type(addresses) is list else addresses
        raise ValueError(f"EmailAddresses {'holds' if type(addresses) is list else 'is'} {_json_type(bad)}, "
                         "expected an array of strings")
    return Mailbox(upn, primary or None, kind or None, guid.lower() if guid else None, legacy or None,
                   tuple(addresses or ()))
