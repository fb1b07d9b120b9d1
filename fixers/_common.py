"""Helpers shared by fixers: building changes for the user's counterpart."""
from __future__ import annotations

from syncready.plan import Change


def modify(check: str, subject, obj, attribute: str, remove, add, note: str = "") -> Change:
    return Change(check=check, subject=subject.name, target="onprem", op="modify", object=obj.dn,
                  attribute=attribute, remove=list(remove), add=list(add), note=note)


def set_single(check: str, subject, ctx, obj, attribute: str, current, new) -> list[Change]:
    """Set a single-valued AD attribute: delete the exact old value and add the new, in one modify."""
    now = ctx.values(obj, attribute, current)
    if len(now) == 1 and str(now[0]) == str(new):
        return []
    return [modify(check, subject, obj, attribute, now, [new] if new not in (None, "") else [])]


def ps_quote(text) -> str:
    """A value inside a single-quoted PowerShell string."""
    return str(text).replace("'", "''")
