"""cloud_user_from_graph maps each user in one pass, and gives what a property-by-property mapping
gives: the same CloudUser, or the same ValueError naming the same property when several are bad."""
from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from syncready.model import CloudUser
from syncready.sources import graphmap as g

pytestmark = pytest.mark.unit

_ABSENT = object()


def _reference(obj, extra_props=()):
    """The mapping written one property at a time, each through its helper (before the fast path)."""
    if type(obj) is not dict:
        raise ValueError(f"expected a JSON object, found {g._json_type(obj)}")
    uid, upn = obj.get("id"), obj.get("userPrincipalName")
    if type(uid) is not str or type(upn) is not str or not uid or not upn:
        raise ValueError(g._bad_required(obj, ("id", "userPrincipalName")))
    text = [obj.get(name) for name in g._USER_TEXT]
    flags = [obj.get(name) for name in g._USER_FLAGS]
    if any(v is not None and type(v) is not str for v in text) or \
            any(v is not None and type(v) is not bool for v in flags):
        raise ValueError(g._bad_type(obj))
    return CloudUser(
        uid, upn, text[0], text[1], text[2], text[3], text[4], g._proxies(obj.get("proxyAddresses")), text[5],
        flags[0], flags[1], text[6], {p: g._property(obj, p) for p in extra_props},
        security_identifier=text[7], last_sync=g._date_text(g._USER_TEXT[8], text[8]), object_identifier=text[9],
        onprem_dn=text[10], onprem_sam=text[11],
        cloud_managed=g.cloud_managed_from_graph(obj.get(g.SYNC_BEHAVIOR)),
        provisioning_errors=g._provisioning_errors(obj.get(g.PROVISIONING_ERRORS)),
        mailbox_purpose=g.mailbox_purpose_from_graph(obj.get(g.MAILBOX_SETTINGS)),
        password_policies=text[12], last_password_change=g._date_text(g._USER_TEXT[13], text[13]),
    )


_ANY = st.sampled_from([_ABSENT, None, "", "x", "/Date(1700000000000)/", "/Date(bad)/", "/Date(1e99)/", True, False,
                        0, 1.5, [], ["SMTP:a@x.com"], ["SMTP:a@x.com", 3], [{}], {}, {"value": "shared"}])
_PROXIES = st.sampled_from([_ABSENT, None, [], ["SMTP:a@x.com", "smtp:b@x.com"], ["SMTP:a@x.com", 3], [None],
                            "SMTP:a@x.com", {}, 7])
_BEHAVIOR = st.sampled_from([_ABSENT, None, {}, {"isCloudManaged": True}, {"isCloudManaged": False},
                             {"isCloudManaged": None}, {"isCloudManaged": "true"}, [], "yes"])
_SETTINGS = st.sampled_from([_ABSENT, None, {}, {"userPurpose": "user"}, {"userPurpose": "shared"}, {"userPurpose": ""},
                             {"userPurpose": None}, {"userPurpose": {"value": "room"}}, {"userPurpose": {"value": 3}},
                             {"value": "equipment"}, {"value": {"value": "linked"}}, {"userPurpose": 5},
                             {"userPurpose": None, "value": "shared"}, [], "shared"])
_VALID_SETTINGS = st.sampled_from([_ABSENT, None, {}, {"userPurpose": "user"}, {"userPurpose": ""},
                                   {"userPurpose": None}, {"userPurpose": {"value": "room"}}, {"userPurpose": {}},
                                   {"value": "equipment"}, {"value": {"value": "linked"}}, {"value": ""},
                                   {"userPurpose": None, "value": "shared"}, {"userPurpose": "shared", "value": "x"}])
_ERRORS = st.sampled_from([_ABSENT, None, [], [{"category": "PropertyConflict"}], [{}, "x"], {}, "x", "", False])
_KEYS = (*g._USER_TEXT, *g._USER_FLAGS)
_EXTRA = st.sampled_from([(), ("jobTitle",), ("jobTitle", "manager/displayName", "mailboxSettings/userPurpose")])


@st.composite
def _records(draw):
    record = {"id": draw(st.sampled_from(["u1", "", None, 5])),
              "userPrincipalName": draw(st.sampled_from(["a@x.com", "", None, ["a"]]))}
    for key in _KEYS:
        record[key] = draw(_ANY) if draw(st.integers(0, 3)) == 0 else draw(st.sampled_from([None, "v", _ABSENT]))
    record["proxyAddresses"] = draw(_PROXIES)
    record[g.SYNC_BEHAVIOR] = draw(_BEHAVIOR)
    record[g.MAILBOX_SETTINGS] = draw(_SETTINGS)
    record[g.PROVISIONING_ERRORS] = draw(_ERRORS)
    record["jobTitle"] = draw(st.sampled_from([_ABSENT, None, "Clerk", 3]))
    record["manager"] = draw(st.sampled_from([_ABSENT, None, {"displayName": "Boss"}, "Boss"]))
    if draw(st.booleans()):              # a well-formed user, so most examples get past the type checks
        record.update({"id": "u1", "userPrincipalName": "a@x.com"})
        for key in _KEYS:
            if type(record[key]) not in (str, type(None), bool) or record[key] is _ABSENT:
                record[key] = None
        for key in g._USER_FLAGS:
            record[key] = draw(st.sampled_from([None, True, False]))
        record["proxyAddresses"] = draw(st.sampled_from([_ABSENT, None, [], ["SMTP:a@x.com", "smtp:b@x.com"]]))
        record[g.SYNC_BEHAVIOR] = draw(st.sampled_from([_ABSENT, None, {}, {"isCloudManaged": True}]))
        record[g.PROVISIONING_ERRORS] = draw(st.sampled_from([_ABSENT, None, [], [{"category": "PropertyConflict"}]]))
        record[g.MAILBOX_SETTINGS] = draw(_VALID_SETTINGS)
    return {k: v for k, v in record.items() if v is not _ABSENT}


def _outcome(convert, record, extra):
    try:
        return ("user", repr(convert(record, extra)))
    except ValueError as exc:
        return ("error", str(exc))


@given(_records(), _EXTRA)
@example({"id": "u1", "userPrincipalName": "a@x.com", "proxyAddresses": [3],
          "onPremisesLastSyncDateTime": "/Date(bad)/", g.MAILBOX_SETTINGS: 5}, ())
@example({"id": "u1", "userPrincipalName": "a@x.com", "onPremisesLastSyncDateTime": "/Date(bad)/",
          g.SYNC_BEHAVIOR: [], g.PROVISIONING_ERRORS: "x", g.MAILBOX_SETTINGS: 5,
          "lastPasswordChangeDateTime": "/Date(x)/"}, ())
@example({"id": "u1", "userPrincipalName": "a@x.com", g.PROVISIONING_ERRORS: "x", g.MAILBOX_SETTINGS: 5}, ())
@example({"id": "u1", "userPrincipalName": "a@x.com", g.MAILBOX_SETTINGS: {"userPurpose": ""}}, ())
@example({"id": "u1", "userPrincipalName": "a@x.com", g.MAILBOX_SETTINGS: {"userPurpose": {"value": "room"}}}, ())
@example({"id": "u1", "userPrincipalName": "a@x.com", g.MAILBOX_SETTINGS: 5, "lastPasswordChangeDateTime": "/Date(x)/"},
         ())
def test_one_pass_mapping_equals_the_property_by_property_one(record, extra):
    assert _outcome(g.cloud_user_from_graph, record, extra) == _outcome(_reference, record, extra)


def test_non_objects_are_refused_as_before():
    for value in ([], "x", 3, None):
        assert _outcome(g.cloud_user_from_graph, value, ()) == _outcome(_reference, value, ())
