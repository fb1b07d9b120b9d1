"""LDIF (RFC 2849) reader and writer for snapshot files, as ldifde and OpenLDAP's ldapsearch write them.

Only content records are read: a snapshot is an export, so `changetype: add` is accepted and any
other change type is refused. The reader works on large blocks of bytes rather than line by line:
CRLF normalisation, record splitting and unfolding are single C-level bytes operations, which keeps
100k users within a few seconds. Line numbers are recomputed only when an error is reported.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import io
import re
import sys
import uuid
from itertools import islice
from typing import IO, cast
from collections.abc import Iterable, Iterator, Mapping, Sequence

from ..errors import SourceError

# Bytes read at a time; tests lower it to exercise records and CRLF pairs split across blocks.
_CHUNK = 1 << 22

# Records that ldapsearch adds to its "extended LDIF" output: search results and referrals.
_NOT_ENTRIES = frozenset((b"search", b"ref"))

# RFC 4512 attribute descriptions; options also allow '=' and '*' for AD's `member;range=0-1499`.
_ATTR_NAME = re.compile(r"(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)(?:;[A-Za-z0-9=*-]+)*")

# A value that may be written as is: printable ASCII, not starting with space, ':' or '<' and not
# ending with space (RFC 2849 SAFE-STRING, narrowed to what every reader and editor keeps intact).
_SAFE = re.compile(rb"[!-9;=-~](?:[ -~]*[!-~])?")

_FOLD = 76


class LdifError(SourceError):
    """A malformed LDIF file; the message names the file, the line and the record's DN when known."""

    def __init__(self, file, line: int | None, message: str, dn: str | None = None):
        self.file = str(file)
        self.line = line
        self.message = message
        self.dn = dn
        where = self.file if line is None else f"{self.file} line {line}"
        if dn is not None:
            where += f" ({printable(dn)})"
        super().__init__(f"{where}: {message}")


def printable(text: str) -> str:
    """Text safe for a one-line message: control characters shown as escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def iter_ldif(path, name: str | None = None) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
    """Yield (dn, {attribute: [raw values]}) for each entry of an LDIF file, streaming."""
    for _line, dn, attrs in iter_ldif_records(path, name):
        yield dn, attrs


def iter_ldif_records(path, name: str | None = None) -> Iterator[tuple[int, str, dict[str, list[bytes]]]]:
    """Like iter_ldif, with the line number of each entry's dn first, for the caller's messages.

    Attribute names are kept as written, minus the `;binary` transfer option; values are bytes.
    `name` is how the file is called in error messages (default: the path).
    """
    for line, dn, attrs, _ in _records(path, name, plain=False):
        yield line, dn, cast(dict[str, list[bytes]], attrs)


Entry = tuple[int, str, dict[str, bytes], dict[str, list[bytes]] | None]


def iter_ldif_entries(path, name: str | None = None) -> Iterator[Entry]:
    """(line of the dn, dn, first values, all values) for each entry, as the AD mapping takes them.

    Names are lower-cased (minus `;binary`); `first` holds each attribute's first value and
    `more`, None when no attribute has several, every value of those that do. The same records,
    values and messages as iter_ldif_records, at a fraction of the cost: a record whose lines are
    all `name: value` or `name:: base64` with names met before is read by _plain_entry (no list
    per value); any other, or any in a file that spells one name in two cases, by _parse_piece.
    """
    for line, dn, attrs, entry in _records(path, name, plain=True):
        if entry is None:
            first, more = first_and_more(cast(dict[str, list[bytes]], attrs))
            yield line, dn, first, more or None
        else:
            yield line, dn, *entry


def _records(path, name: str | None, plain: bool):
    """(line, dn, attributes as written, None), or with `plain` (line, dn, None, (first, more)) for
    the records _plain_entry reads; duplicates refused."""
    label = str(path) if name is None else name
    unique = _Unique(label)
    names = _Names()
    first = True
    for piece, start in _pieces(path, label):
        entry = _plain_entry(piece, names) if plain and not names.mixed else None
        if entry is not None:
            first = False
            dn, values, more = entry
            unique.check(start, dn, values.get("objectguid"))
            yield start, dn, None, (values, more)
            continue
        record = _parse_piece(piece, start, label, names, first)
        if record is None:
            continue
        first = False
        line, dn, attrs = record
        if dn is not None:
            unique.check(line, dn, _written_guid(attrs))
            yield line, dn, attrs, None


def lowered(attrs: Mapping[str, Sequence]) -> dict[str, Sequence]:
    """Attributes keyed by lower-cased name; values of one name spelled in several cases are merged,
    those of the spelling met first first."""
    low = {k.lower(): v for k, v in attrs.items()}
    if len(low) == len(attrs):
        return low
    merged: dict[str, Sequence] = {}
    for key, values in attrs.items():
        merged[key.lower()] = [*merged.get(key.lower(), ()), *values]
    return merged


def first_and_more(attrs: Mapping[str, Sequence]) -> tuple[dict, dict]:
    """{attribute: [values]} in any case as iter_ldif_entries gives an entry: lower-cased names,
    each one's first value, and every value of those with several (names without values left out)."""
    low = lowered(attrs)
    return {k: v[0] for k, v in low.items() if v}, {k: v for k, v in low.items() if len(v) > 1}


class _Names:
    """Each attribute name met (bytes as written), validated once: `written` gives its key as
    written minus `;binary`, `plain` (name) and `b64` (name + ':') the lower-cased key for
    _plain_entry. `mixed` once two keys differ only in case: records are then merged by lowered(),
    so that values keep the order they would have had."""

    def __init__(self) -> None:
        self.written: dict[bytes, str] = {}
        self.plain: dict[bytes, str] = {}
        self.b64: dict[bytes, str] = {}
        self._spelling: dict[str, str] = {}
        self.mixed = False

    def add(self, name: bytes, key: str) -> None:
        self.written[name] = key
        low = self.plain[name] = self.b64[name + b":"] = sys.intern(key.lower())
        if self._spelling.setdefault(low, key) != key:
            self.mixed = True


def _pieces(path, label: str) -> Iterator[tuple[bytes, int]]:
    """The text between blank lines, without the newlines around it, and the number of its first line."""
    carry = b""
    newlines = 0
    for chunk in _read_chunks(path, label):
        data = carry + chunk if carry else chunk
        hold = b""
        if data[-1:] == b"\r":
            data, hold = data[:-1], b"\r"
        if b"\r" in data:              # a scan for one byte is cheaper than replace's for two
            data = data.replace(b"\r\n", b"\n")
        cut = data.rfind(b"\n\n")
        if cut < 0:
            carry = data + hold
            continue
        carry = data[cut + 2:] + hold
        for piece in data[:cut].split(b"\n\n"):
            start = newlines + 1
            newlines += piece.count(b"\n") + 2
            if piece[:1] == b"\n" or piece[-1:] == b"\n":
                piece, start = _trimmed(piece, start)
            if piece:
                yield piece, start
    if carry:
        piece, start = _trimmed(carry.rstrip(b"\r"), newlines + 1)
        if piece:
            yield piece, start


def _trimmed(piece: bytes, start: int) -> tuple[bytes, int]:
    stripped = piece.lstrip(b"\n")
    return stripped.rstrip(b"\n"), start + len(piece) - len(stripped)


def _plain_entry(piece: bytes, names: _Names) -> tuple[str, dict[str, bytes], dict[str, list[bytes]] | None] | None:
    """(dn, first values, all values of names given several) of a record that needs no check but
    the names' (already made) and base64's; None for any other, which _parse_piece then reads and
    reports. Splitting at the first ': ' finds the name of every such line: a valid name holds no
    colon, so `name:: value` gives the `b64` key `name:` and any other split gives no known name."""
    if b"\n " in piece:
        piece = piece.replace(b"\n ", b"")
    lines = piece.split(b"\n")
    head = lines[0]
    try:
        if head[:4] == b"dn: ":
            dn = head[4:].lstrip(b" ").decode()
        elif head[:5] == b"dn:: ":
            dn = binascii.a2b_base64(head[5:].strip(b" "), strict_mode=True).decode()
        else:
            return None
        plain, b64 = names.plain, names.b64
        first: dict[str, bytes] = {}
        more: dict[str, list[bytes]] | None = None
        for line in islice(lines, 1, None):
            name, _, value = line.partition(b": ")
            key = plain.get(name)
            if key is not None:
                value = value.lstrip(b" ")
            else:
                key = b64.get(name)
                if key is None:
                    if name.lower() == b"changetype" and value.strip(b" ").lower() == b"add":
                        continue
                    return None
                value = binascii.a2b_base64(value.strip(b" "), strict_mode=True)
            if key not in first:
                first[key] = value
            elif more is None:
                more = {key: [first[key], value]}
            elif key in more:
                more[key].append(value)
            else:
                more[key] = [first[key], value]
    except (binascii.Error, UnicodeDecodeError):
        return None
    return dn, first, more


class _Unique:
    """Refuses a second record with the DN or objectGUID of an earlier one: an export holds each
    object once, and two versions of one object would make every verdict about it a coin toss."""

    def __init__(self, label: str):
        self.label = label
        self.dns: dict[str, tuple[int, str]] = {}
        self.guids: dict[bytes, tuple[int, str]] = {}

    def check(self, line: int, dn: str, guid: bytes | None) -> None:
        """`guid`: the record's (first) objectGUID value as read, None without one."""
        key = _dn_key(dn)
        earlier = self.dns.get(key)
        if earlier is not None:
            raise LdifError(self.label, line, f"the same DN as the record at line {earlier[0]} "
                            f"({printable(earlier[1])}); an export holds each object once", dn)
        self.dns[key] = (line, dn)
        if guid is not None:
            guid = _guid_key(guid)
            earlier = self.guids.get(guid)
            if earlier is not None:
                raise LdifError(self.label, line, f"the same objectGUID as the record at line {earlier[0]} "
                                f"({printable(earlier[1])}); objectGUIDs are unique in a forest", dn)
            self.guids[guid] = (line, dn)


def _dn_key(dn: str) -> str:
    """DNs compare without case and without the blanks around the separators of RDNs.

    Printable text has no blank but the space (str.isprintable), so most DNs need no splitting."""
    low = dn.lower()
    if low.isprintable() and ", " not in low and " ," not in low and low[:1] != " " and low[-1:] != " ":
        return low
    return ",".join(part.strip() for part in low.split(","))


def _written_guid(attrs: dict[str, list[bytes]]) -> bytes | None:
    values = attrs.get("objectGUID") or next((v for k, v in attrs.items() if k.lower() == "objectguid"), None)
    return values[0] if values else None


def _guid_key(value: bytes) -> bytes:
    if len(value) in (36, 38):          # the text form Samba's tools write
        try:
            return uuid.UUID(value.decode("ascii")).bytes_le
        except (UnicodeDecodeError, ValueError):
            return value
    return value


def _read_chunks(path, label: str) -> Iterator[bytes]:
    """The file as UTF-8 byte blocks: a UTF-8 BOM is dropped, UTF-16 (ldifde -u) is transcoded."""
    try:
        with open(path, "rb") as fp:
            data = fp.read(_CHUNK)
            if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                decoder = codecs.getincrementaldecoder("utf-16")()
                try:
                    while data:
                        yield decoder.decode(data).encode("utf-8")
                        data = fp.read(_CHUNK)
                    yield decoder.decode(b"", final=True).encode("utf-8")
                except UnicodeDecodeError as exc:
                    raise LdifError(label, None, f"not valid UTF-16 text ({exc.reason})") from None
                return
            if data.startswith(codecs.BOM_UTF8):
                data = data[3:]
            while data:
                yield data
                data = fp.read(_CHUNK)
    except OSError as exc:
        raise LdifError(label, None, f"cannot be read ({exc.strerror or exc})") from None


def _parse_piece(piece: bytes, start: int, label: str, names: _Names, first: bool):
    """Parse the text between two blank lines, which starts at line `start`.

    Returns None when it holds only comments, (line, None, None) for a non-entry (version line,
    ldapsearch result), else (line of dn, dn, attrs).
    """
    folded = b"\n " in piece
    lines = (piece.replace(b"\n ", b"") if folded else piece).split(b"\n")
    count = len(lines)
    i = 0
    while i < count and lines[i][:1] == b"#":
        i += 1
    if i == count:
        return None
    head, sep, value = lines[i].partition(b":")
    if first and sep and head == b"version":
        if value.strip() != b"1":
            raise LdifError(label, _line_of(piece, start, i),
                            f"unsupported LDIF version {value.strip().decode(errors='replace')!r}")
        i += 1
        while i < count and lines[i][:1] == b"#":
            i += 1
        if i == count:
            return start, None, None
        head, sep, value = lines[i].partition(b":")
    line = start + i if not folded else _line_of(piece, start, i)
    if not sep or head.lower() != b"dn":
        if sep and head in _NOT_ENTRIES:
            return line, None, None
        if lines[i][:1] == b" ":
            raise LdifError(label, line, "continuation line (starting with a space) with no line before it")
        raise LdifError(label, line, "a record must start with 'dn:'")
    dn = _decode_dn(value, label, line)
    attrs: dict[str, list[bytes]] = {}
    keys = names.written
    for line_text in lines[i + 1:]:
        name, sep, value = line_text.partition(b":")
        key = keys.get(name) if sep else None
        if key is None:
            if line_text[:1] == b"#":
                continue
            if _attribute_key(name, sep, value, names, label, dn,
                              lambda line_text=line_text: _line_of(piece, start, lines.index(line_text, i))) is _SKIP:
                continue
            key = keys[name]
        c = value[:1]
        if c == b" ":
            value = value.lstrip(b" ")
        elif c == b":":
            try:
                value = binascii.a2b_base64(value[1:].strip(b" "), strict_mode=True)
            except binascii.Error:
                raise LdifError(label, _line_of(piece, start, lines.index(line_text, i)),
                                f"{key}: value is not valid base64", dn) from None
        elif c == b"<":
            raise LdifError(label, _line_of(piece, start, lines.index(line_text, i)),
                            f"{key}: values read from a URL (':<') are not supported; export the value inline", dn)
        values = attrs.get(key)
        if values is None:
            attrs[key] = [value]
        else:
            values.append(value)
    return line, dn, attrs


class _Skip:
    """Marks a line that carries no attribute value (changetype: add)."""


_SKIP = _Skip()


def _attribute_key(name: bytes, sep: bytes, value: bytes, names: _Names, label: str, dn: str, where):
    """The dict key for an attribute name as written, cached; raises on lines that are not values."""
    if not sep:
        if name[:1] == b" ":
            raise LdifError(label, where(), "continuation line (starting with a space) with no line before it", dn)
        raise LdifError(label, where(), "expected 'attribute: value'", dn)
    text = name.decode("ascii", errors="replace")
    lower = text.lower()
    if lower == "changetype":
        kind = value.strip(b" ").decode(errors="replace")
        if kind.lower() != "add":
            raise LdifError(label, where(),
                            f"changetype: {kind} is not supported; a snapshot holds entries (changetype: add)", dn)
        return _SKIP
    if lower == "dn":
        raise LdifError(label, where(), "a second 'dn:' in one record (is a blank line missing before it?)", dn)
    if not _ATTR_NAME.fullmatch(text):
        raise LdifError(label, where(), f"invalid attribute name {text!r}", dn)
    base, *options = text.split(";")
    key = ";".join([base] + [o for o in options if o.lower() != "binary"])
    names.add(name, key)
    return key


def _decode_dn(value: bytes, label: str, line: int) -> str:
    try:
        if value[:1] == b":":
            return binascii.a2b_base64(value[1:].strip(b" "), strict_mode=True).decode("utf-8")
        if value[:1] == b"<":
            raise LdifError(label, line, "dn:< (a DN read from a URL) is not supported")
        return value.lstrip(b" ").decode("utf-8")
    except binascii.Error:
        raise LdifError(label, line, "dn:: value is not valid base64") from None
    except UnicodeDecodeError:
        raise LdifError(label, line, "dn is not valid UTF-8") from None


def _line_of(piece: bytes, start: int, index: int) -> int:
    """Physical line number of the index-th unfolded line of a piece starting at line `start`."""
    logical = -1
    for offset, raw in enumerate(piece.split(b"\n")):
        if raw[:1] != b" ":
            logical += 1
            if logical == index:
                return start + offset
    return start


def write_ldif(fp: IO, entries: Iterable[tuple[str, Mapping[str, Iterable[bytes | str]]]]) -> int:
    """Write entries as LDIF content records; returns how many were written.

    Values that are not plain printable ASCII (binary, non-ASCII text, leading space, ':' or '<',
    trailing space) are written base64 (`::`), and lines are folded at 76 characters, so the output
    is 7-bit ASCII that ldifde, ldapadd/ldbadd and iter_ldif all read back unchanged. There is no
    `version: 1` line: ldifde does not write one and Samba's ldbadd refuses it. `fp` may be a text
    or a binary file.
    """
    def write(text: str) -> None:
        fp.write(text if isinstance(fp, io.TextIOBase) else text.encode("ascii"))
    count = 0
    for dn, attrs in entries:
        parts = [_line("dn", dn.encode("utf-8") if isinstance(dn, str) else dn)]
        if count:
            parts.insert(0, "")
        for name, values in attrs.items():
            if not _ATTR_NAME.fullmatch(name) or name.lower() in ("dn", "changetype"):
                raise ValueError(f"cannot write attribute name {name!r} to LDIF")
            if isinstance(values, (str, bytes)):
                values = (values,)
            for value in values:
                if isinstance(value, str):
                    value = value.encode("utf-8")
                elif not isinstance(value, (bytes, bytearray)):
                    raise TypeError(f"{name}: LDIF values are bytes or str, not {type(value).__name__}")
                parts.append(_line(name, value))
        parts.append("")
        write("\n".join(parts))
        count += 1
    return count


def _line(name: str, value: bytes) -> str:
    if not value:
        text = name + ":"
    elif _SAFE.fullmatch(value):
        text = f"{name}: {value.decode('ascii')}"
    else:
        text = f"{name}:: {base64.b64encode(value).decode('ascii')}"
    if len(text) <= _FOLD:
        return text
    rest = _FOLD - 1
    return "\n ".join([text[:_FOLD]] + [text[k:k + rest] for k in range(_FOLD, len(text), rest)])
