"""mailbox_from_exo reads a record's fields in one pass, and gives what the property-by-property
mapping gives: the same Mailbox, or the same ValueError naming the same field when several are bad."""
from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from syncready.model import Mailbox
from syncready.sources import exomap as x

pytestmark = pytest.mark.unit

_ABSENT = object()
_NAMES = x.EXO_MAILBOX_PROPERTIES
_CAMEL = tuple(name[:1].lower() + name[1:] for name in _NAMES)


def _reference(obj):
    """The mapping written one field at a time (before the one-pass reading)."""
    if type(obj) is not dict:
        raise ValueError(f"expected a JSON object, found {x._json_type(obj)}")

    def value(name: str):
        found = obj.get(name)
        return obj.get(name[:1].lower() + name[1:]) if found is None else found

    upn = value("UserPrincipalName")
    if type(upn) is not str or not upn:
        raise ValueError("missing UserPrincipalName" if upn in (None, "") else
                         f"UserPrincipalName is {x._json_type(upn)}, expected a string")
    primary, kind, guid, legacy = (value(name) for name in _NAMES[1:5])
    if type(kind) is int and kind in x._RECIPIENT_TYPES:
        kind = x._RECIPIENT_TYPES[kind]
    for name, text in zip(_NAMES[1:5], (primary, kind, guid, legacy), strict=True):
        if text is not None and type(text) is not str:
            raise ValueError(f"{name} is {x._json_type(text)}, expected a string or null")
    if guid and not x._GUID.fullmatch(guid):
        raise ValueError(f"ExchangeGuid is {json.dumps(guid)[:50]}, expected a GUID")
    addresses = value("EmailAddresses")
    if addresses is not None and (type(addresses) is not list or any(type(a) is not str for a in addresses)):
        bad = next((a for a in addresses if type(a) is not str), None) if type(addresses) is list else addresses
        raise ValueError(f"EmailAddresses {'holds' if type(addresses) is list else 'is'} {x._json_type(bad)}, "
                         "expected an array of strings")
    return Mailbox(upn, primary or None, kind or None, guid.lower() if guid else None, legacy or None,
                   tuple(addresses or ()))


_GUIDS = ["C2CE6F44-7ED4-457B-9E2F-EB89414C343C", "c2ce6f44-7ed4-457b-9e2f-eb89414c343c", "c2ce6f44",
          "c2ce6f44-7ed4-457b-9e2f-eb89414c343c\n", "{c2ce6f44-7ed4-457b-9e2f-eb89414c343c}",
          "g2ce6f44-7ed4-457b-9e2f-eb89414c343c", "c2ce6f447ed4-457b-9e2f-eb89414c343c-"]
_ANY = st.sampled_from([_ABSENT, None, "", "x", "a@x.com", "UserMailbox", 0, 1, 4, 7, 32, True, False, 1.5,
                        [], ["SMTP:a@x.com"], ["SMTP:a@x.com", 3], [None], {}, *_GUIDS])
_BAD_ADDRESSES = st.sampled_from([["SMTP:a@x.com", 3], [None], ["smtp:b@x.com", ["x"]], "SMTP:a@x.com", {}])
_GOOD = {"UserPrincipalName": st.sampled_from(["a@x.com"]),
         "PrimarySmtpAddress": st.sampled_from([None, "", "a@x.com"]),
         "RecipientTypeDetails": st.sampled_from([None, "", "UserMailbox", "SharedMailbox", 4, 16]),
         "ExchangeGuid": st.sampled_from([None, "", *_GUIDS[:2]]),
         "LegacyExchangeDN": st.sampled_from([None, "", "/o=ExchangeLabs/cn=Recipients/cn=a"]),
         "EmailAddresses": st.sampled_from([None, [], ["SMTP:a@x.com", "smtp:a@y.com"]])}


@st.composite
def _records(draw):
    """Records mixing PascalCase and camelCase spellings, null and absent values, and bad values."""
    record: dict = {}
    well_formed = draw(st.booleans())       # so that many examples get past the type checks
    exported = draw(st.booleans())          # every PascalCase name present, as ConvertTo-Json writes them
    for pascal, camel in zip(_NAMES, _CAMEL, strict=True):
        names = [(pascal,), (pascal, camel), (camel, pascal)] if exported else \
            [(pascal,), (camel,), (pascal, camel), (camel, pascal), ()]
        for name in draw(st.sampled_from(names)):
            record[name] = draw(_GOOD[pascal] if well_formed and draw(st.integers(0, 5)) else _ANY)
    if well_formed and draw(st.integers(0, 3)) == 0:
        record[draw(st.sampled_from(["EmailAddresses", "emailAddresses"]))] = draw(_BAD_ADDRESSES)
    if draw(st.booleans()):
        record["DisplayName"] = "not mapped"
    return {k: v for k, v in record.items() if v is not _ABSENT}


def _outcome(convert, record):
    try:
        return ("mailbox", repr(convert(record)))
    except ValueError as exc:
        return ("error", str(exc))


@given(_records())
@example({"UserPrincipalName": "a@x.com", "RecipientTypeDetails": 4})
@example({**dict.fromkeys(_NAMES), "UserPrincipalName": "a@x.com", "EmailAddresses": ["SMTP:a@x.com", 3]})
@example({"UserPrincipalName": None, "userPrincipalName": "a@x.com", "ExchangeGuid": None,
          "exchangeGuid": _GUIDS[0]})
@example({"userPrincipalName": "a@x.com", "primarySmtpAddress": 3, "legacyExchangeDN": []})
@example({"UserPrincipalName": "a@x.com", "ExchangeGuid": "bad", "EmailAddresses": [3]})
@example({"UserPrincipalName": "a@x.com", "RecipientTypeDetails": 7, "ExchangeGuid": 5})
@example({"UserPrincipalName": "a@x.com", "EmailAddresses": "SMTP:a@x.com"})
@example({"UserPrincipalName": "a@x.com", "EmailAddresses": False})
@example({"UserPrincipalName": "a@x.com", "ExchangeGuid": _GUIDS[3]})
@example({"UserPrincipalName": "", "userPrincipalName": "a@x.com"})
@example({"UserPrincipalName": 0})
def test_one_pass_mapping_equals_the_field_by_field_one(record):
    assert _outcome(x.mailbox_from_exo, record) == _outcome(_reference, record)


_EXPORTED = {"UserPrincipalName": "a@x.com", "PrimarySmtpAddress": "a@x.com", "RecipientTypeDetails": 4,
             "ExchangeGuid": _GUIDS[0], "LegacyExchangeDN": "/o=ExchangeLabs/cn=a",
             "EmailAddresses": ["SMTP:a@x.com", "X500:/o=x"]}


def test_an_export_record_maps_every_field():
    assert x.mailbox_from_exo(_EXPORTED) == Mailbox("a@x.com", "a@x.com", "SharedMailbox", _GUIDS[1],
                                                    "/o=ExchangeLabs/cn=a", ("SMTP:a@x.com", "X500:/o=x"))


@pytest.mark.parametrize("pascal, camel", zip(_NAMES, _CAMEL, strict=True))
def test_one_null_field_of_a_whole_record_is_read_by_its_camel_case_name(pascal, camel):
    record = {**_EXPORTED, pascal: None, camel: _EXPORTED[pascal]}
    assert x.mailbox_from_exo(record) == x.mailbox_from_exo(_EXPORTED) == _reference(record)


def test_non_objects_are_refused_as_before():
    for value in ([], "x", 3, None):
        assert _outcome(x.mailbox_from_exo, value) == _outcome(_reference, value)
