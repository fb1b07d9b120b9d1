"""The LDIF reader and writer: the shapes ldifde and ldapsearch produce, errors, round trips."""
from __future__ import annotations

import base64
import codecs
import inspect
import io
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncready.errors import SourceError
from syncready.sources import ldif
from syncready.sources.ldif import LdifError, iter_ldif, iter_ldif_records, write_ldif

GUID = uuid.UUID("88666888-0101-1111-bbbb-1234567890ab")
GUID_B64 = base64.b64encode(GUID.bytes_le).decode()
ZOE_GUID = uuid.UUID("88666888-0101-1111-bbbb-1234567890ac")


def write_file(folder: Path, content: str | bytes, name: str = "ad.ldif") -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def parse(folder: Path, content: str | bytes) -> list[tuple[str, dict[str, list[bytes]]]]:
    return list(iter_ldif(write_file(folder, content)))


def parse_error(folder: Path, content: str | bytes) -> LdifError:
    with pytest.raises(LdifError) as info:
        parse(folder, content)
    return info.value


@contextmanager
def chunk_size(size: int):
    with mock.patch.object(ldif, "_CHUNK", size):
        yield


LDIFDE_EXPORT = (
    "\r\n"
    "dn: CN=Bob Smith,OU=Staff,DC=contoso,DC=com\r\n"
    "changetype: add\r\n"
    "objectClass: top\r\n"
    "objectClass: person\r\n"
    "objectClass: organizationalPerson\r\n"
    "objectClass: user\r\n"
    "cn: Bob Smith\r\n"
    f"objectGUID:: {GUID_B64}\r\n"
    "proxyAddresses: SMTP:bob@contoso.com\r\n"
    "proxyAddresses: smtp:bob.smith@contoso.com\r\n"
    "description: a long description that ldifde folds because it goes past the \r\n"
    " line length limit\r\n"
    "userPrincipalName: bob@contoso.com\r\n"
    "\r\n"
    "dn: CN=Staff Group,OU=Staff,DC=contoso,DC=com\r\n"
    "changetype: add\r\n"
    "objectClass: top\r\n"
    "objectClass: group\r\n"
    "mail: staff@contoso.com\r\n"
    "\r\n"
)

LDAPSEARCH_EXPORT = f"""\
# extended LDIF
#
# LDAPv3
# base <DC=contoso,DC=com> with scope subtree
# filter: (|(objectClass=user)(objectClass=contact))
# requesting: objectGUID userPrincipalName
# with pagedResults control: size=500
#

version: 1

# Bob Smith, Staff, contoso.com
dn: CN=Bob Smith,OU=Staff,DC=contoso,DC=com
objectGUID:: {GUID_B64}
userPrincipalName: bob@contoso.com

# a comment that ldapsearch folded because it is lo
 nger than the wrap width
dn:: Q049Wm/DqyBEdXBvbnQsT1U9U3RhZmYsREM9Y29udG9zbyxEQz1jb20=
displayName:: Wm/DqyBEdXBvbnQ=
objectGUID;binary:: {base64.b64encode(ZOE_GUID.bytes_le).decode()}

# search result
search: 2
result: 0 Success
control: 1.2.840.113556.1.4.319 false MIQAAAAFAgEABAA=

# pagedresults: cookie=

# numResponses: 3
# numEntries: 2
"""


def test_ldifde_export_with_crlf_changetype_and_folding(tmp_path):
    entries = parse(tmp_path, LDIFDE_EXPORT)
    assert [dn for dn, _ in entries] == ["CN=Bob Smith,OU=Staff,DC=contoso,DC=com",
                                         "CN=Staff Group,OU=Staff,DC=contoso,DC=com"]
    bob = entries[0][1]
    assert "changetype" not in bob
    assert bob["objectClass"] == [b"top", b"person", b"organizationalPerson", b"user"]
    assert bob["objectGUID"] == [GUID.bytes_le]
    assert bob["proxyAddresses"] == [b"SMTP:bob@contoso.com", b"smtp:bob.smith@contoso.com"]
    assert bob["description"] == [b"a long description that ldifde folds because it goes past the line length limit"]
    assert bob["userPrincipalName"] == [b"bob@contoso.com"]
    assert entries[1][1] == {"objectClass": [b"top", b"group"], "mail": [b"staff@contoso.com"]}


def test_ldapsearch_extended_output(tmp_path):
    entries = parse(tmp_path, LDAPSEARCH_EXPORT)
    assert entries == [
        ("CN=Bob Smith,OU=Staff,DC=contoso,DC=com",
         {"objectGUID": [GUID.bytes_le], "userPrincipalName": [b"bob@contoso.com"]}),
        ("CN=Zoë Dupont,OU=Staff,DC=contoso,DC=com",
         {"displayName": ["Zoë Dupont".encode()], "objectGUID": [ZOE_GUID.bytes_le]}),
    ]


def test_record_line_numbers_count_comments_folds_and_crlf(tmp_path):
    records = list(iter_ldif_records(write_file(tmp_path, LDAPSEARCH_EXPORT)))
    assert [line for line, _, _ in records] == [13, 19]
    records = list(iter_ldif_records(write_file(tmp_path, LDIFDE_EXPORT)))
    assert [line for line, _, _ in records] == [2, 16]


def test_version_line_directly_followed_by_an_entry(tmp_path):
    assert parse(tmp_path, "version: 1\ndn: cn=a\ncn: a\n") == [("cn=a", {"cn": [b"a"]})]


def test_blank_lines_and_missing_trailing_newline(tmp_path):
    text = "\n\n\ndn: cn=a\ncn: a\n\n\n\n\ndn: cn=b\ncn: b\n\n\n\ndn: cn=c\ncn: c"
    assert parse(tmp_path, text) == [("cn=a", {"cn": [b"a"]}), ("cn=b", {"cn": [b"b"]}),
                                     ("cn=c", {"cn": [b"c"]})]
    records = list(iter_ldif_records(write_file(tmp_path, text)))
    assert [line for line, _, _ in records] == [4, 10, 15]


def test_value_spellings(tmp_path):
    text = ("dn:cn=a\n"
            "a:value without space\n"
            "b:    several spaces\n"
            "c:\n"
            "d: \n"
            "e:: \n"
            "f: trailing space kept \n"
            "g: <not a url, after a space\n"
            "h: value: with colon\n"
            "i::  IGxlYWRpbmcgc3BhY2U=\n")
    (dn, attrs), = parse(tmp_path, text)
    assert dn == "cn=a"
    assert attrs == {"a": [b"value without space"], "b": [b"several spaces"], "c": [b""], "d": [b""],
                     "e": [b""], "f": [b"trailing space kept "], "g": [b"<not a url, after a space"],
                     "h": [b"value: with colon"], "i": [b" leading space"]}


def test_attribute_options_and_names_as_written(tmp_path):
    text = ("dn: cn=a\n"
            f"objectGUID;binary:: {GUID_B64}\n"
            "userCertificate;BINARY:: AAE=\n"
            "member;range=0-1499: cn=x\n"
            "1.2.840.113556.1.4.221: oid named\n"
            "Mail: a@x\n"
            "mail: b@x\n")
    (_, attrs), = parse(tmp_path, text)
    assert attrs == {"objectGUID": [GUID.bytes_le], "userCertificate": [b"\x00\x01"],
                     "member;range=0-1499": [b"cn=x"], "1.2.840.113556.1.4.221": [b"oid named"],
                     "Mail": [b"a@x"], "mail": [b"b@x"]}


def test_base64_dn_and_text(tmp_path):
    dn = "CN=Åsa Öberg,OU=Stäff,DC=contoso,DC=com"
    text = f"dn:: {base64.b64encode(dn.encode()).decode()}\nsn:: {base64.b64encode('Öberg'.encode()).decode()}\n"
    assert parse(tmp_path, text) == [(dn, {"sn": ["Öberg".encode()]})]


def test_folded_base64_and_folded_dn(tmp_path):
    value = bytes(range(256))
    encoded = base64.b64encode(value).decode()
    folded = "\n ".join(encoded[i:i + 60] for i in range(0, len(encoded), 60))
    text = f"dn: CN=A very long,OU=Organisational\n  Unit,DC=contoso,DC=com\nthumbnailPhoto:: {folded}\n"
    assert parse(tmp_path, text) == [("CN=A very long,OU=Organisational Unit,DC=contoso,DC=com",
                                      {"thumbnailPhoto": [value]})]


def test_comment_inside_a_record_and_folded_comment(tmp_path):
    text = "dn: cn=a\n# note\n continued note: still a comment\ncn: a\n#last\n"
    assert parse(tmp_path, text) == [("cn=a", {"cn": [b"a"]})]


def test_comment_only_file_and_empty_file(tmp_path):
    assert parse(tmp_path, "# nothing here\n#\n") == []
    assert parse(tmp_path, "") == []
    assert parse(tmp_path, "\n\n\n") == []


def test_root_dse_empty_dn(tmp_path):
    assert parse(tmp_path, "dn:\nobjectClass: top\n") == [("", {"objectClass": [b"top"]})]


def test_utf8_bom(tmp_path):
    assert parse(tmp_path, codecs.BOM_UTF8 + b"dn: cn=a\ncn: a\n") == [("cn=a", {"cn": [b"a"]})]


def test_utf16_file_from_ldifde_unicode_option(tmp_path):
    text = "\r\ndn: CN=Zoë,DC=contoso,DC=com\r\nchangetype: add\r\nsn: Zoë\r\n\r\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
        assert parse(tmp_path, bom + text.encode(encoding)) == [
            ("CN=Zoë,DC=contoso,DC=com", {"sn": ["Zoë".encode()]})]


def test_is_a_streaming_generator(tmp_path):
    path = write_file(tmp_path, "dn: cn=a\ncn: a\n\ndn: cn=b\ncn: b\n\ndn: cn=c\ncn:< file:///x\n")
    records = iter_ldif(path)
    assert inspect.isgenerator(records)
    assert next(records)[0] == "cn=a"
    assert next(records)[0] == "cn=b"
    with pytest.raises(LdifError):
        next(records)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 11, 64])
def test_any_block_size_gives_the_same_result(tmp_path, size):
    expected = parse(tmp_path, LDIFDE_EXPORT)
    path = write_file(tmp_path, LDIFDE_EXPORT)
    with chunk_size(size):
        assert list(iter_ldif(path)) == expected
        assert [line for line, _, _ in iter_ldif_records(path)] == [2, 16]
    expected = parse(tmp_path, LDAPSEARCH_EXPORT)
    path = write_file(tmp_path, LDAPSEARCH_EXPORT)
    with chunk_size(size):
        assert list(iter_ldif(path)) == expected


# Malformed input: each message names the file, the line and (inside a record) the DN.

def test_other_changetypes_are_refused(tmp_path):
    error = parse_error(tmp_path, "dn: cn=a\ncn: a\n\ndn: cn=b\nchangetype: modify\nreplace: mail\nmail: x\n-\n")
    assert str(error) == (f"{tmp_path / 'ad.ldif'} line 5 (cn=b): changetype: modify is not supported; "
                          "a snapshot holds entries (changetype: add)")
    assert (error.line, error.dn) == (5, "cn=b")


def test_url_values_are_refused(tmp_path):
    error = parse_error(tmp_path, "dn: cn=a\n# c\njpegPhoto:< file:///tmp/photo.jpg\n")
    assert error.message == "jpegPhoto: values read from a URL (':<') are not supported; export the value inline"
    assert error.line == 3


def test_invalid_base64(tmp_path):
    error = parse_error(tmp_path, "dn: cn=a\ncn: a\nobjectGUID:: not*base64\n")
    assert str(error).endswith("ad.ldif line 3 (cn=a): objectGUID: value is not valid base64")


def test_error_line_counts_folded_lines(tmp_path):
    text = "dn: cn=a\ndescription: folded\n  over\n  three lines\nbroken line\n"
    error = parse_error(tmp_path, text)
    assert (error.line, error.message) == (5, "expected 'attribute: value'")


def test_error_line_in_crlf_file(tmp_path):
    text = "\r\ndn: cn=a\r\ncn: a\r\n\r\ndn: cn=b\r\nsn: b\r\n bb\r\nobjectGUID:: ###\r\n"
    error = parse_error(tmp_path, text)
    assert (error.line, error.dn) == (8, "cn=b")


def test_record_without_dn(tmp_path):
    error = parse_error(tmp_path, "dn: cn=a\ncn: a\n\ncn: b\nsn: b\n")
    assert str(error) == f"{tmp_path / 'ad.ldif'} line 4: a record must start with 'dn:'"


def test_continuation_without_a_line_before_it(tmp_path):
    error = parse_error(tmp_path, "dn: cn=a\n\n cn: b\n")
    assert (error.line, error.message) == (3, "continuation line (starting with a space) with no line before it")


def test_second_dn_in_one_record(tmp_path):
    error = parse_error(tmp_path, "dn: cn=a\ncn: a\ndn: cn=b\ncn: b\n")
    assert (error.line, error.dn) == (3, "cn=a")
    assert "blank line missing" in error.message


def test_invalid_attribute_name(tmp_path):
    error = parse_error(tmp_path, "dn: cn=a\nbad name: x\n")
    assert (error.line, error.message) == (2, "invalid attribute name 'bad name'")


def test_unsupported_version(tmp_path):
    error = parse_error(tmp_path, "version: 2\n\ndn: cn=a\n")
    assert (error.line, error.message) == (1, "unsupported LDIF version '2'")


def test_dn_not_utf8(tmp_path):
    error = parse_error(tmp_path, b"dn: cn=a\n\ndn: cn=\xff\n")
    assert (error.line, error.message) == (3, "dn is not valid UTF-8")


def test_dn_from_url(tmp_path):
    assert parse_error(tmp_path, "dn:< file:///x\n").message == "dn:< (a DN read from a URL) is not supported"


def test_dn_with_control_characters_stays_one_line_in_messages(tmp_path):
    dn = base64.b64encode(b"cn=a\nb").decode()
    error = parse_error(tmp_path, f"dn:: {dn}\nx:< file:///y\n")
    assert "\n" not in str(error)
    assert "(cn=a\\nb)" in str(error)


def test_missing_file_and_invalid_utf16(tmp_path):
    with pytest.raises(LdifError, match=r"missing\.ldif: cannot be read \(No such file or directory\)"):
        list(iter_ldif(tmp_path / "missing.ldif"))
    with pytest.raises(LdifError, match="not valid UTF-16 text"):
        parse(tmp_path, codecs.BOM_UTF16_LE + b"d\x00n\x00\x00\xdc")


def test_name_replaces_the_path_in_messages(tmp_path):
    path = write_file(tmp_path, "dn: cn=a\nfoo\n")
    with pytest.raises(LdifError) as info:
        list(iter_ldif(path, name="onprem/ad.ldif"))
    assert str(info.value) == "onprem/ad.ldif line 2 (cn=a): expected 'attribute: value'"
    assert isinstance(info.value, SourceError)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_raise_ldif_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = write_file(Path(folder), data)
        try:
            for dn, attrs in iter_ldif(path):
                assert isinstance(dn, str)
                assert all(isinstance(v, bytes) for values in attrs.values() for v in values)
        except LdifError:
            pass


# The writer.

def written(entries, binary: bool = False) -> str:
    if binary:
        buffer = io.BytesIO()
        write_ldif(buffer, entries)
        return buffer.getvalue().decode("ascii")
    buffer = io.StringIO()
    write_ldif(buffer, entries)
    return buffer.getvalue()


def test_write_plain_and_base64_values():
    text = written([("CN=Zoë,DC=contoso,DC=com", {
        "cn": "plain",
        "a": [" leading space", ":colon", "<less", "trailing ", "Zoë", "tab\there", "ok: inner colon < and #"],
        "objectGUID": [GUID.bytes_le],
        "empty": [""],
    })])
    lines = text.splitlines()

    def b64(value: str) -> str:
        return base64.b64encode(value.encode()).decode()

    assert lines == [
        f"dn:: {b64('CN=Zoë,DC=contoso,DC=com')}",
        "cn: plain",
        f"a:: {b64(' leading space')}",
        f"a:: {b64(':colon')}",
        f"a:: {b64('<less')}",
        f"a:: {b64('trailing ')}",
        f"a:: {b64('Zoë')}",
        f"a:: {b64(chr(9).join(['tab', 'here']))}",
        "a: ok: inner colon < and #",
        f"objectGUID:: {GUID_B64}",
        "empty:",
    ]


def test_write_folds_at_76_and_separates_records():
    text = written([("cn=a", {"description": "x" * 300, "photo": bytes(300)}), ("cn=b", {"cn": "b"})])
    lines = text.split("\n")
    assert all(len(line) <= 76 for line in lines)
    assert max(len(line) for line in lines) == 76
    assert all(line.startswith(" ") and not line.startswith("  ") or line[:1] != " " for line in lines)
    assert text.endswith("\ncn: b\n")
    assert "\n\ndn: cn=b\n" in text
    assert not text.startswith("\n") and "version" not in text


def test_write_to_binary_and_text_files_is_identical():
    entries = [("cn=a", {"cn": ["a", "Zoë"], "g": [GUID.bytes_le]})]
    assert written(entries) == written(entries, binary=True)


def test_write_returns_the_count():
    assert write_ldif(io.StringIO(), iter([("cn=a", {}), ("cn=b", {"cn": "b"})])) == 2


@pytest.mark.parametrize("name", ["dn", "DN", "changetype", "bad name", "", "x:y", "é"])
def test_write_refuses_names_readers_would_misread(name):
    with pytest.raises(ValueError, match="cannot write attribute name"):
        write_ldif(io.StringIO(), [("cn=a", {name: "x"})])


def test_write_refuses_values_of_other_types():
    with pytest.raises(TypeError, match="userAccountControl: LDIF values are bytes or str, not int"):
        write_ldif(io.StringIO(), [("cn=a", {"userAccountControl": [512]})])


ATTRIBUTE_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True).filter(
    lambda n: n.lower() not in ("dn", "changetype"))
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
VALUES = st.lists(st.one_of(TEXT, st.binary(max_size=120)), min_size=1, max_size=4)
# An export holds each object once: the reader refuses a repeated DN (tested on its own below).
ENTRIES = st.lists(st.tuples(TEXT, st.dictionaries(ATTRIBUTE_NAMES, VALUES, max_size=6)), max_size=6,
                   unique_by=lambda entry: ",".join(part.strip() for part in entry[0].lower().split(",")))


def as_bytes(entries):
    return [(dn, {name: [v.encode() if isinstance(v, str) else v for v in values]
                  for name, values in attrs.items()}) for dn, attrs in entries]


@settings(max_examples=200, deadline=None)
@given(ENTRIES, st.sampled_from(["\n", "\r\n"]), st.sampled_from([3, 17, 1 << 22]))
def test_round_trip(entries, newline, size):
    text = written(entries).replace("\n", newline)
    with tempfile.TemporaryDirectory() as folder:
        path = write_file(Path(folder), text)
        with chunk_size(size):
            assert list(iter_ldif(path)) == as_bytes(entries)
