"""Name keys under which two accounts of one person are likely to agree (probable duplicates).

Apart from syncready.matching so the Index can build its table of cloud users by key without a cycle.
"""
from __future__ import annotations

import re
import unicodedata

from .model import CloudUser, OnPremObject

_FOLD = str.maketrans({"ß": "ss", "ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i"})
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case and accent-free: 'Zoë Müller' and 'zoe muller' compare alike."""
    text = text.lower()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if not unicodedata.combining(c))


def _tokens(text: str | None, memo: dict[str, list[str]] | None = None) -> list[str]:
    """The words of a name or address part, folded: 'O'Brien-Smith' gives ['o', 'brien', 'smith'].
    `memo` keeps them by text across calls (given names and surnames repeat across a directory)."""
    if not text:
        return []
    if memo is None:
        return _WORD.findall(fold(text))
    found = memo.get(text)
    if found is None:
        found = memo[text] = _WORD.findall(fold(text))
    return found


def name_keys(obj: CloudUser | OnPremObject, memo: dict[str, list[str]] | None = None) -> set[str]:
    """Keys under which two accounts of one person are likely to agree.

    'n:' the sorted words of the display name or of given name + surname ('Smith, John' = 'John Smith'),
    'l:' the joined words of a mail or UPN local part ('john.smith' = 'john_smith'; one word only when
         longer than 3 letters, so 'it' or 'hr' name no one),
    'i:' initial + surname ('j.smith' = 'John Smith'), from a name or local part of at least two words.
    `memo`: a dict the caller keeps while it asks for many objects' keys (the words of each text once).
    """
    keys: set[str] = set()
    display = _tokens(obj.display_name, memo)
    if len(display) >= 2:
        keys.add("n:" + " ".join(sorted(display)))
    given = _tokens(obj.given_name, memo)
    if given:
        last = _tokens(obj.surname if isinstance(obj, CloudUser) else obj.sn, memo)
        if last:
            keys.add("n:" + " ".join(sorted(given + last)))
            keys.add(f"i:{given[0][0]} {''.join(last)}")
    upn, mail = _local(obj.upn), _local(obj.mail)       # once each: 100k cloud users ask, most twice the same
    for local in (upn, mail) if mail != upn else (upn,):
        if local is None:
            continue
        words = _WORD.findall(fold(local))
        if len(words) >= 2:
            keys.add("l:" + "".join(words))
            keys.add(f"i:{words[0][0]} {''.join(words[1:])}")
        elif words and len(words[0]) > 3:
            keys.add("l:" + words[0])
    return keys


def _local(address: str | None) -> str | None:
    """The lower-cased local part of an address with an '@', else None."""
    return address.rpartition("@")[0].lower() if address and "@" in address else None
