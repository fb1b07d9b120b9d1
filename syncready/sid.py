"""Security identifiers: the binary objectSid of AD and the S-1-... text Graph shows."""
from __future__ import annotations


def sid_to_text(raw: bytes) -> str:
    """S-R-I-S1-S2-...: revision, 48-bit big-endian authority, then little-endian 32-bit sub-authorities.

    Raises ValueError for bytes that are not a SID (too short, or a count that does not fit).
    """
    check_sid_bytes(raw)
    count = raw[1]
    authority = int.from_bytes(raw[2:8], "big")
    subs = [int.from_bytes(raw[8 + 4 * i: 12 + 4 * i], "little") for i in range(count)]
    return "-".join(["S", str(raw[0]), str(authority), *map(str, subs)])


def check_sid_bytes(raw: bytes) -> None:
    """Raises ValueError when bytes cannot be a SID: the only check sid_to_text makes, without
    building the text a reader would throw away (the text is made once, when a check asks)."""
    if len(raw) < 8:
        raise ValueError(f"objectSid of {len(raw)} bytes is too short")
    if len(raw) != 8 + 4 * raw[1]:
        raise ValueError(f"objectSid of {len(raw)} bytes does not hold its {raw[1]} sub-authorities")


def sid_from_text(text: str) -> bytes:
    """The binary form of an S-1-... SID; ValueError when the text is not one."""
    parts = text.strip().split("-")
    if len(parts) < 3 or parts[0].upper() != "S" or not all(p.isdigit() for p in parts[1:]):
        raise ValueError(f"{text!r} is not a SID (S-1-5-21-...)")
    revision, authority, subs = int(parts[1]), int(parts[2]), [int(p) for p in parts[3:]]
    if revision > 255 or authority >= 1 << 48 or len(subs) > 15 or any(s >= 1 << 32 for s in subs):
        raise ValueError(f"{text!r} is not a SID (a part is out of range)")
    return bytes([revision, len(subs)]) + authority.to_bytes(6, "big") + b"".join(
        s.to_bytes(4, "little") for s in subs)
