"""The cheaper snapshot read (issue 14): the LDIF reader's entry mode (iter_ldif_entries, with its
fast path for plain records) gives what iter_ldif_records gives, value for value and message for
message, the AD mapping is unchanged on it, messages still name attributes as written, and the
GUID and SID helpers that lost their detours answer as before."""
from __future__ import annotations

import base64
import io
import json
import shutil
import tempfile
import uuid
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncready.errors import SourceError
from syncready.immutableid import guid_bytes_to_string
from syncready.sources.admap import onprem_from_attributes, onprem_from_entry
from syncready.sources.ldif import LdifError, first_and_more, iter_ldif_entries, iter_ldif_records, write_ldif
from syncready.sources.snapshot import read_snapshot

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "contoso"

# Names of the AD attributes the mapper reads, each in a few spellings, and a few it does not read.
SPELLINGS = st.sampled_from(["objectClass", "objectclass", "OBJECTCLASS", "mail", "Mail", "proxyAddresses",
                             "proxyaddresses", "givenName", "sn", "displayName", "userAccountControl",
                             "title", "Title", "cn", "userPrincipalName", "member;range=0-1"])
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=90)
VALUES = st.lists(TEXT, min_size=1, max_size=3)
CLASSES = st.lists(st.sampled_from(["top", "person", "user", "group", "contact", "computer"]), min_size=1,
                   max_size=3)


def _entries(records):
    entries = []
    for number, (attrs, classes) in enumerate(records):
        entry = {"objectClass": classes, **attrs}
        entry["objectGUID"] = [uuid.UUID(int=number + 1).bytes_le]
        entry["objectSid"] = [bytes([1, 1, 0, 0, 0, 0, 0, 5]) + (1100 + number).to_bytes(4, "little")]
        entry["userAccountControl"] = [str(512 + number)]
        entries.append((f"CN=User {number},OU=Staff,DC=contoso,DC=test", entry))
    return entries


def _outcome(read, path):
    """What a reader gives for a file: its records, or the message it refuses the file with."""
    try:
        return list(read(path))
    except LdifError as exc:
        return str(exc)


def _as_entries(path):
    """iter_ldif_records' records in iter_ldif_entries' shape: the reference for the fast path."""
    for line, dn, attrs in iter_ldif_records(path):
        first, more = first_and_more(attrs)
        yield line, dn, first, more or None


def _mapped(builds):
    """The object each build makes, or the message it refuses with."""
    found = []
    for build in builds:
        try:
            found.append(build())
        except ValueError as exc:
            found.append(str(exc))
    return found


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.dictionaries(SPELLINGS, VALUES, max_size=6), CLASSES), min_size=1, max_size=5),
       st.sampled_from(["\n", "\r\n"]))
def test_entries_equal_the_records_lower_cased(records, newline):
    """Folded lines, base64 values, non-ASCII text and one name spelled in several cases (in one
    record or across records): the same lines, values and order, and the same objects."""
    text = io.StringIO()
    write_ldif(text, _entries(records))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ad.ldif"
        path.write_bytes(text.getvalue().replace("\n", newline).encode("ascii"))
        written = list(iter_ldif_records(path))
        entries = list(iter_ldif_entries(path))
        assert entries == list(_as_entries(path))
    assert _mapped(partial(onprem_from_attributes, dn, attrs) for _, dn, attrs in written) == \
        _mapped(partial(onprem_from_entry, dn, first, more) for _, dn, first, more in entries)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


# Lines the fast path reads itself once their names are known (the first record holds them all) ...
PLAIN = ["mail: a@x", "mail:  two spaces", "mail:: " + _b64(b"b@x"), "objectClass: user", "objectClass: group",
         "proxyAddresses: SMTP:a@x", "proxyAddresses:: " + _b64(b"smtp:b@x"), "cn:: " + _b64("Zoë".encode()),
         "sn: trailing ", "h: value: with colon",
         "description: folded\n  over a line", "userAccountControl: 512", "changetype: add", "changeType: ADD",
         "g: <not a url", "member;range=0-1: cn=x", "1.2.3: oid", "givenName:: " + _b64("Zoë".encode())]
# ... and lines it must hand over to _parse_piece, which reads or refuses them.
ODD = ["objectGUID:: not*base64", "mail:: not*base64", "mail:: Zm9v\udcff", "mail::" + _b64(b"c@x"),
       "changetype: modify", "# a comment: with a colon", "#", "dn: cn=second", "DN: cn=third", "bad name: x",
       "no colon here", "e:", "e::", "e:: ", "a:value", "jpegPhoto:< file:///x", "userAccountControl: x",
       "title: \udcff", "givenName: Zo\udce9", "Mail: c@x", "ProxyAddresses: smtp:c@x",
       "givenName:: " + _b64(b"Zo\xe9"), "version: 1", "search: 2"]
HEADS = ["dn: cn=a", "dn:: " + _b64("cn=é".encode()), "dn:  cn=spaces"]
ODD_HEADS = ["dn:: ###", "dn: cn=\udcff", "dn:: " + _b64(b"cn=\xff"), "dn:", "DN: cn=c", "dn:< file:///x",
             "# comment before the dn", "version: 1", " continued", "dn:cn=d", "search: 2"]
RECORDS = st.lists(st.tuples(st.sampled_from(HEADS), st.lists(st.sampled_from(PLAIN), max_size=8)),
                   min_size=1, max_size=5)
# (record, line number, line): an odd line inserted at that line, or (record, 0, head) an odd head instead.
ODDITY = st.tuples(st.integers(0, 4), st.integers(1, 8), st.sampled_from(ODD)) | st.tuples(
    st.integers(0, 4), st.just(0), st.sampled_from(ODD_HEADS))


def _same_outcome(text: str) -> None:
    """iter_ldif_entries yields what iter_ldif_records yields, or refuses the file with the same
    message (file, line, DN); the objects and mapping errors are the same too."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ad.ldif"
        path.write_bytes(text.encode("utf-8", "surrogateescape"))  # \udcff: the byte 0xff
        expected = _outcome(_as_entries, path)
        assert _outcome(iter_ldif_entries, path) == expected
        if isinstance(expected, list):
            written = list(iter_ldif_records(path))
            assert _mapped(partial(onprem_from_attributes, dn, attrs) for _, dn, attrs in written) == _mapped(
                partial(onprem_from_entry, dn, first, more, attrs=attrs)
                for (_, dn, first, more), (_, _, attrs) in zip(expected, written, strict=True))


def _file(records: list[list[str]], newline: str = "\n", gap: str = "\n", version: bool = False) -> str:
    """The records after one that holds every PLAIN line, so that the fast path knows their names."""
    texts = [["dn: cn=first", *PLAIN], *records]
    text = ("version: 1\n" if version else "") + gap.join("\n".join(lines) + "\n" for lines in texts)
    return text.replace("\n", newline)


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_each_odd_line_is_read_or_refused_as_before(odd, newline):
    _same_outcome(_file([["dn: cn=b", "mail: a@x", odd, "sn: b"]], newline))


@pytest.mark.parametrize("head", ODD_HEADS)
def test_each_odd_head_is_read_or_refused_as_before(head):
    _same_outcome(_file([["dn: cn=b", "mail: a@x"], [head, "mail: a@x", "sn: c"]]))


@settings(max_examples=300, deadline=None)
@given(RECORDS, ODDITY, st.sampled_from(["\n", "\r\n"]), st.sampled_from(["\n", "\n\n"]), st.booleans())
def test_malformed_files_are_refused_with_the_same_message(records, oddity, newline, gap, version):
    """Plain records (each with its own objectGUID) and one odd or malformed line or head among them."""
    guid = "objectGUID;binary:: {}".format
    texts = [[head.replace("cn=", f"cn={number}"), *lines, guid(_b64(uuid.UUID(int=number).bytes_le))]
             for number, (head, lines) in enumerate(records, 1)]
    number, at, line = oddity
    lines = texts[min(number, len(texts) - 1)]
    if at:
        lines.insert(min(at, len(lines)), line)
    else:
        lines[0] = line
    _same_outcome(_file(texts, newline, gap, version))


def test_a_name_in_two_spellings_keeps_the_order_of_the_first_spelling(tmp_path):
    """Once a file spells a name two ways, every later record is merged as lowered() merges it."""
    path = tmp_path / "ad.ldif"
    twice = "objectClass: user\nproxyAddresses: smtp:1@x\nProxyAddresses: smtp:2@x\nproxyAddresses: smtp:3@x\n"
    path.write_text(f"dn: CN=b\nobjectClass: user\nproxyAddresses: smtp:0@x\n\ndn: CN=a\n{twice}\ndn: CN=c\n{twice}")
    entries = list(iter_ldif_entries(path))
    assert [more for _, _, _, more in entries[1:]] == [{"proxyaddresses": [b"smtp:1@x", b"smtp:3@x", b"smtp:2@x"]}] * 2
    _, dn, first, more = entries[2]
    assert onprem_from_entry(dn, first, more).proxy_addresses == ("smtp:1@x", "smtp:3@x", "smtp:2@x")


@pytest.fixture
def snap(tmp_path):
    folder = tmp_path / "snap"
    shutil.copytree(EXAMPLE, folder)
    return folder


def test_a_text_value_that_is_not_utf8_is_named_as_written(snap):
    ad = snap / "onprem" / "ad.ldif"
    bad = base64.b64encode(b"Zo\xe9").decode()
    ad.write_text(ad.read_text().replace("givenName: Alice", f"givenName:: {bad}", 1))
    with pytest.raises(SourceError) as info:
        read_snapshot(snap)
    message = str(info.value)
    assert "givenName is not valid UTF-8 text (byte 0xe9 at offset 2)" in message, message
    assert "\n" not in message


def test_an_objectsid_of_the_wrong_length_keeps_its_message(snap):
    ad = snap / "onprem" / "ad.ldif"
    text = ad.read_text()
    start = text.index("objectSid:: ")
    end = text.index("\n", start)
    ad.write_text(text[:start] + "objectSid:: " + base64.b64encode(bytes(13)).decode() + text[end:])
    with pytest.raises(SourceError, match=r"objectSid of 13 bytes does not hold its 0 sub-authorities$"):
        read_snapshot(snap)


@settings(max_examples=300)
@given(st.binary(min_size=16, max_size=16))
def test_guid_text_is_what_uuid_writes(raw):
    assert guid_bytes_to_string(raw) == str(uuid.UUID(bytes_le=raw))


@pytest.mark.parametrize("raw", [b"", bytes(15), bytes(17), bytes(range(32))])
def test_guid_text_of_the_wrong_length_is_refused_as_uuid_refuses_it(raw):
    with pytest.raises(ValueError) as ours:
        guid_bytes_to_string(raw)
    with pytest.raises(ValueError) as theirs:
        uuid.UUID(bytes_le=raw)
    assert str(ours.value) == str(theirs.value)


def test_with_progress_a_bad_record_past_the_first_block_is_named_by_its_index(snap):
    """Records are mapped a thousand at a time while progress is told; the index stays the file's."""
    users = snap / "cloud" / "users.json"
    found = json.loads(users.read_text())
    first = (found["value"] if isinstance(found, dict) else found)[0]
    records = [dict(first, id=f"{n:08d}-0000-0000-0000-000000000000",
                    userPrincipalName=f"u{n}@contoso.com") for n in range(2500)]
    records[1500]["accountEnabled"] = "false"
    users.write_text(json.dumps(records))
    told: list[tuple[str, int]] = []
    with pytest.raises(SourceError, match=r"^cloud/users\.json: record 1500: "):
        read_snapshot(snap, parts=("cloud",), progress=lambda what, count: told.append((what, count)))
    assert ("cloud/users.json", 1000) in told


def test_values_many_users_share_are_one_string_each(snap):
    """Given names, surnames and userType repeat across a directory: the reader keeps one string
    for each value (memory), equal to what was written."""
    path = snap / "cloud" / "users.json"
    document = json.loads(path.read_text())
    for user in document["value"][:3]:
        user.update(givenName="Quentin", surname="Marchetti", userType="Member")
    path.write_text(json.dumps(document))
    ad = snap / "onprem" / "ad.ldif"
    ad.write_text(ad.read_text().replace("givenName: Alice", "givenName: Quentin"))
    directory = read_snapshot(snap)
    read = [u for u in directory.cloud_users if u.given_name == "Quentin"]
    assert len(read) == 3 and all(u.surname == "Marchetti" for u in read)
    assert len({id(u.given_name) for u in read}) == len({id(u.surname) for u in read}) == 1
    assert len({id(u.user_type) for u in directory.cloud_users if u.user_type == "Member"}) == 1
    onprem = [o for o in directory.onprem if o.given_name == "Quentin"]
    assert onprem and all(o.given_name is read[0].given_name for o in onprem)
