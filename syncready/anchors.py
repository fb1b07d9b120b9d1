"""Who an ImmutableID names: shared by the cloud-only check (its message) and fixer (its refusal).

A stale value can still name another AD user in a form that is not exactly that user's anchor —
another letter case, or the GUID in either byte order — and then clearing it is a human decision.
The tables by anchor, folded anchor and GUID are the Index's.
"""
from __future__ import annotations

import uuid

from .immutableid import decode_anchor


def owners(value: str, counterpart, index) -> list[tuple[str, str]]:
    """Other AD users the value names: as anchor, in another letter case, or as a GUID in either byte order."""
    exact, folded, by_guid = index.onprem_by_anchor, index.onprem_by_folded_anchor, index.onprem_by_guid
    found = [(o, "the anchor of") for o in exact.get(value, ())]
    found += [(o, "in another letter case the anchor of") for o in folded.get(value.lower(), ())]
    raw = decoded(value)
    if raw is not None and len(raw) == 16:
        found += [(o, "the GUID of") for o in by_guid.get(raw, ())]
        found += [(o, "in RFC byte order the GUID of") for o in by_guid.get(uuid.UUID(bytes=raw).bytes_le, ())]
    seen, named = set(), []
    for obj, how in found:
        if obj is not counterpart and obj.dn not in seen:
            seen.add(obj.dn)
            named.append((obj.dn, how))
    return named


def decoded(value: str) -> bytes | None:
    try:
        return decode_anchor(value)
    except ValueError:
        return None
