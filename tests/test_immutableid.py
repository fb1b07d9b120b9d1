"""ImmutableID helpers: Microsoft's published vectors, the byte-order mistake, round trips."""
import base64
import uuid

import pytest
from hypothesis import given, strategies as st

from syncready.immutableid import (anchor_from_bytes, anchor_problem, guid_bytes_to_string, guid_to_immutableid,
                                   immutableid_to_guid)

# ADSyncTools documentation (reference-connect-adsynctools): GUID ↔ ImmutableID.
PUBLISHED = [("88666888-0101-1111-bbbb-1234567890ab", "iGhmiAEBERG7uxI0VniQqw=="),
             ("8d6c6818-018c-4f11-9bb8-1b04e2caa1b6", "GGhsjYwBEU+buBsE4sqhtg==")]
# The common mistake: RFC 4122 (big-endian) byte order.
BIG_ENDIAN = [("88666888-0101-1111-bbbb-1234567890ab", "iGZoiAEBERG7uxI0VniQqw=="),
              ("8d6c6818-018c-4f11-9bb8-1b04e2caa1b6", "jWxoGAGMTxGbuBsE4sqhtg==")]


@pytest.mark.parametrize("guid,immutable_id", PUBLISHED)
def test_published_vectors(guid, immutable_id):
    assert guid_to_immutableid(guid) == immutable_id
    assert str(immutableid_to_guid(immutable_id)) == guid


@pytest.mark.parametrize("guid,wrong", BIG_ENDIAN)
def test_big_endian_mistake_is_not_what_we_produce(guid, wrong):
    assert guid_to_immutableid(guid) != wrong
    assert base64.b64encode(uuid.UUID(guid).bytes).decode() == wrong
    assert str(immutableid_to_guid(wrong)) != guid


def test_raw_objectguid_bytes_are_the_anchor():
    raw = uuid.UUID(PUBLISHED[0][0]).bytes_le
    assert anchor_from_bytes(raw) == PUBLISHED[0][1]
    assert guid_bytes_to_string(raw) == PUBLISHED[0][0]


@given(st.uuids())
def test_guid_round_trip(value):
    assert immutableid_to_guid(guid_to_immutableid(value)) == value
    assert guid_to_immutableid(str(value).upper()) == guid_to_immutableid(value)


@given(st.binary(min_size=16, max_size=16))
def test_bytes_round_trip(raw):
    anchor = anchor_from_bytes(raw)
    assert immutableid_to_guid(anchor).bytes_le == raw
    assert anchor_problem(anchor) is None or raw == bytes(16)


@given(st.binary(max_size=40).filter(lambda b: len(b) != 16))
def test_wrong_length_is_rejected(raw):
    anchor = anchor_from_bytes(raw)
    with pytest.raises(ValueError):
        immutableid_to_guid(anchor)
    assert anchor_problem(anchor)


@pytest.mark.parametrize("bad", ["not base64!", "iGhmiAEBERG7uxI0VniQqw", "é" * 4])
def test_malformed_immutableid(bad):
    with pytest.raises(ValueError):
        immutableid_to_guid(bad)
    assert anchor_problem(bad)


def test_anchor_problem_cases():
    assert anchor_problem(None)
    assert "zero" in anchor_problem(anchor_from_bytes(bytes(16)))
    assert "60" in anchor_problem("A" * 64)
