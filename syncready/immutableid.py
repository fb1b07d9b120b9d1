"""ImmutableID (sourceAnchor) helpers.

Entra's ImmutableID is base64 of the 16 objectGUID bytes in the order of .NET Guid.ToByteArray(),
which is the raw byte order AD stores (Python's uuid.UUID.bytes_le), not RFC 4122 order.
"""
from __future__ import annotations

import base64
import binascii
import uuid

# Microsoft documents a sourceAnchor as fewer than 60 characters.
MAX_ANCHOR_LENGTH = 59


def anchor_from_bytes(raw: bytes) -> str:
    """base64 of the raw attribute value (objectGUID or mS-DS-ConsistencyGuid), as Entra stores it."""
    return base64.b64encode(raw).decode("ascii")


def guid_to_immutableid(guid: str | uuid.UUID) -> str:
    """The ImmutableID for a GUID written the usual way ('88666888-0101-1111-bbbb-1234567890ab')."""
    value = guid if isinstance(guid, uuid.UUID) else uuid.UUID(str(guid))
    return anchor_from_bytes(value.bytes_le)


def immutableid_to_guid(immutable_id: str) -> uuid.UUID:
    """The GUID behind an ImmutableID; ValueError when it is not base64 of exactly 16 bytes."""
    raw = decode_anchor(immutable_id)
    if len(raw) != 16:
        raise ValueError(f"ImmutableID {immutable_id!r} decodes to {len(raw)} bytes, not a 16-byte GUID")
    return uuid.UUID(bytes_le=raw)


def guid_bytes_to_string(raw: bytes) -> str:
    """The usual GUID string for 16 raw objectGUID bytes: str(uuid.UUID(bytes_le=raw)), by slicing
    the hex of the reordered bytes rather than through a UUID object (once per AD object and run)."""
    if len(raw) != 16:
        raise ValueError("bytes_le is not a 16-char string")
    h = bytes(raw[3::-1] + raw[5:3:-1] + raw[7:5:-1] + raw[8:]).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def decode_anchor(immutable_id: str) -> bytes:
    """base64.b64decode(..., validate=True) is this call behind two wrappers (once per user per check)."""
    try:
        return binascii.a2b_base64(immutable_id.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"ImmutableID {immutable_id!r} is not valid base64") from exc


def anchor_problem(anchor: str | None) -> str | None:
    """Why an anchor cannot serve as an ImmutableID, or None when it can."""
    if not anchor:
        return "the on-prem user has neither mS-DS-ConsistencyGuid nor objectGUID"
    if len(anchor) > MAX_ANCHOR_LENGTH:
        return f"anchor is {len(anchor)} characters; Entra requires fewer than 60"
    try:
        raw = decode_anchor(anchor)
    except ValueError as exc:
        return str(exc)
    if len(raw) != 16:
        return f"anchor decodes to {len(raw)} bytes; a GUID anchor has 16"
    if raw == bytes(16):
        return "anchor is the all-zero GUID"
    return None
