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
import uuid
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


def iter_ldif_records(path, name: str | None = None,
                      lower: bool = False) -> Iterator[tuple[int, str, dict[str, list[bytes]]]]:
    """Like iter_ldif, with the line number of each entry's dn first, for the caller's messages.

    Attribute names are kept as written, minus the `;binary` transfer option; values are bytes.
    `name` is how the file is called in error messages (default: the path). With `lower`, names
    are lower-cased instead, as admap.onprem_from_lower takes them: the parser's cache does it once
    per name, not once per value; names spelled in two cases are merged as lowered() merges them.
    """
    label = str(path) if name is None else name
    unique = _Unique(label)
    for line, dn, attrs, folded in _records(path, label, lower):
        unique.check(line, dn, attrs, folded)
        yield line, dn, (cast(dict[str, list[bytes]], lowered(attrs)) if lower and not folded else attrs)


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


class _Names:
    """The dict key of each attribute name met (bytes as written), as written minus `;binary` and
    lower-cased. `mixed` once two keys differ only in case: lower-cased records are then built from
    the written keys and merged by lowered(), so that values keep the order they would have had."""

    def __init__(self, lower: bool):
        self.lower = lower
        self.written: dict[bytes, str] = {}
        self.folded: dict[bytes, str] = {}
        self._spelling: dict[str, str] = {}
        self.mixed = False

    @property
    def current(self) -> dict[bytes, str]:
        """The cache a record is built with: its keys are final unless `mixed` changes meanwhile."""
        return self.folded if self.lower and not self.mixed else self.written

    def add(self, name: bytes, key: str) -> None:
        self.written[name] = key
        low = self.folded[name] = key.lower()
        if self._spelling.setdefault(low, key) != key:
            self.mixed = True


def _records(path, label: str, lower: bool) -> Iterator[tuple[int, str, dict[str, list[bytes]], bool]]:
    """(line, dn, attributes, whether their keys are lower-cased) for each entry."""
    names = _Names(lower)
    carry = b""
    newlines = 0
    first = True
    for chunk in _read_chunks(path, label):
        data = carry + chunk if carry else chunk
        hold = b""
        if data[-1:] == b"\r":
            data, hold = data[:-1], b"\r"
        data = data.replace(b"\r\n", b"\n")
        cut = data.rfind(b"\n\n")
        if cut < 0:
            carry = data + hold
            continue
        carry = data[cut + 2:] + hold
        for piece in data[:cut].split(b"\n\n"):
            if piece:
                record = _parse_folded(piece, newlines + 1, label, names, first)
                if record is not None:
                    first = False
                    if record[1] is not None:
                        yield record
            newlines += piece.count(b"\n") + 2
    if carry:
        record = _parse_folded(carry.rstrip(b"\r"), newlines + 1, label, names, first)
        if record is not None and record[1] is not None:
            yield record


def _parse_folded(piece: bytes, start: int, label: str, names: _Names, first: bool):
    """_parse_piece, and whether the keys are lower-cased; a piece that made the names `mixed` is
    parsed again with the written keys."""
    keys = names.current
    record = _parse_piece(piece, start, label, names, first)
    if record is None or record[1] is None:
        return record
    if keys is not names.current:
        record = _parse_piece(piece, start, label, names, first)
    return (*record, names.current is names.folded)


class _Unique:
    """Refuses a second record with the DN or objectGUID of an earlier one: an export holds each
    object once, and two versions of one object would make every verdict about it a coin toss."""

    def __init__(self, label: str):
        self.label = label
        self.dns: dict[str, tuple[int, str]] = {}
        self.guids: dict[bytes, tuple[int, str]] = {}

    def check(self, line: int, dn: str, attrs: dict[str, list[bytes]], folded: bool) -> None:
        key = _dn_key(dn)
        earlier = self.dns.get(key)
        if earlier is not None:
            raise LdifError(self.label, line, f"the same DN as the record at line {earlier[0]} "
                            f"({printable(earlier[1])}); an export holds each object once", dn)
        self.dns[key] = (line, dn)
        guid = _guid_key(attrs, folded)
        if guid is not None:
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


def _guid_key(attrs: dict[str, list[bytes]], folded: bool) -> bytes | None:
    """`folded`: the keys are lower-cased and the file spells each name one way."""
    values = attrs.get("objectguid") if folded else (
        attrs.get("objectGUID") or next((v for k, v in attrs.items() if k.lower() == "objectguid"), None))
    if not values:
        return None
    value = bytes(values[0])
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
    stripped = piece.lstrip(b"\n")
    start += len(piece) - len(stripped)
    piece = stripped.rstrip(b"\n")
    if not piece:
        return None
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
    keys = names.current
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
