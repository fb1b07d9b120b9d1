"""The cheaper snapshot read (issue 14): the LDIF reader's lower-cased mode gives what lower-casing
its written names gave, the AD mapping is unchanged on it, messages still name attributes as
written, and the GUID and SID helpers that lost their detours answer as before."""
from __future__ import annotations

import base64
import io
import json
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncready.errors import SourceError
from syncready.immutableid import guid_bytes_to_string
from syncready.sources.admap import onprem_from_attributes, onprem_from_lower
from syncready.sources.ldif import iter_ldif_records, lowered, write_ldif
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


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.dictionaries(SPELLINGS, VALUES, max_size=6), CLASSES), min_size=1, max_size=5),
       st.sampled_from(["\n", "\r\n"]))
def test_lower_mode_equals_lower_casing_the_written_names(records, newline):
    """Folded lines, base64 values, non-ASCII text and one name spelled in several cases (in one
    record or across records): the same keys, values and order, and the same objects."""
    text = io.StringIO()
    write_ldif(text, _entries(records))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ad.ldif"
        path.write_bytes(text.getvalue().replace("\n", newline).encode("ascii"))
        written = list(iter_ldif_records(path))
        folded = list(iter_ldif_records(path, lower=True))
    assert [(line, dn, lowered(attrs)) for line, dn, attrs in written] == folded
    assert [onprem_from_attributes(dn, attrs) for _, dn, attrs in written] == \
        [onprem_from_lower(dn, attrs) for _, dn, attrs in folded]


def test_a_name_in_two_spellings_in_one_record_keeps_the_order_of_the_first_spelling(tmp_path):
    path = tmp_path / "ad.ldif"
    path.write_text("dn: CN=a\nobjectClass: user\nproxyAddresses: smtp:1@x\nProxyAddresses: smtp:2@x\n"
                    "proxyAddresses: smtp:3@x\n")
    [(_, _, attrs)] = iter_ldif_records(path, lower=True)
    assert attrs["proxyaddresses"] == [b"smtp:1@x", b"smtp:3@x", b"smtp:2@x"]
    assert onprem_from_lower("CN=a", attrs).proxy_addresses == ("smtp:1@x", "smtp:3@x", "smtp:2@x")


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
