"""The checks' shortcuts for the common pass (issue 14) against their full rules, on edge values.

A shortcut may only answer what the full rule answers. Each property draws values around every
boundary a shortcut tests and compares the check as it runs with the same check with its shortcut
turned off (the full rule), result for result, or exception for exception; the Exchange helpers are
compared with the formulas they replaced. The gate's shared Results are asserted by identity.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from unittest.mock import patch

from hypothesis import HealthCheck, example, given, settings, strategies as st

from builders import BASE, NS, cloud, directory, mailbox, onprem
from syncready.addresses import split_proxy
from syncready.checkapi import PASS
from syncready.checks import anchor_ready, password_cutover, sid_unique, upn_exists
from syncready.checks._common import FILETIME_NEVER
from syncready.config import Config, Scope
from syncready.engine import Engine
from syncready.immutableid import anchor_from_bytes
from syncready.mailboxes import (
    KIND_BITS,
    MailboxKind,
    RemoteRecipientType,
    _purpose,
    exchange,
    has_proxy,
    mailbox_guid_bytes,
    remote_kind,
    same_mailbox_guid,
)
from syncready.model import SyncFeatures, SyncSettings
from syncready.sid import sid_from_text
from syncready.vocab import Status, SyncClient

UPN = "alice@contoso.com"
SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])   # an Engine per example


def _outcome(call: Callable[[], object]) -> tuple:
    try:
        return ("result", call())
    except Exception as exc:  # the full rule's exception is part of what must not change
        return ("raised", type(exc).__name__, str(exc))


def _agree(fast: Callable[[], object], full: Callable[[], object]) -> tuple:
    found = _outcome(fast)
    assert found == _outcome(full)
    return found


# password-cutover: _quiet passes only where the dates and flags give no finding ---------------------
LAST = password_cutover.LAST_FILETIME
SET = 134_090_000_000_000_000           # 2025-11: a set password, a logon, an expiry in the past
SOON = 140_000_000_000_000_000          # 2044: an expiry in the future
_TICKS = [None, 0, 1, -1, FILETIME_NEVER, FILETIME_NEVER + 1, LAST, LAST + 1, LAST + 9, LAST + 10, SET, SOON, True,
          False, 2.5, str(SET)]
_UACS = [None, 0, 512, 0x20, 0x40000, 0x40200, 0x222, True, "512"]
_QUIET = {"pwd_last_set": SET, "last_logon_timestamp": SET, "account_expires": FILETIME_NEVER, "uac": 512}
_SETTINGS = [(True, None), (True, True), (False, True), (False, None), (True, False)]   # (passwordSyncEnabled, planned)


def _cutover(values: dict, password_sync: bool, planned: bool | None, force: bool = False,
             client: str = SyncClient.CONNECT_SYNC) -> None:
    ad = onprem(UPN, **values)
    d = directory([cloud(UPN)], [ad], features=SyncFeatures(password_sync=password_sync,
                                                            user_force_password_change_on_logon=force))
    config = Config(sync=SyncSettings(client=client, password_hash_sync=planned))
    index = Engine(d, config).index
    user = d.cloud_users[0]

    def full():
        with patch.object(password_cutover, "_quiet", lambda obj: False):
            return password_cutover.check(user, ad, index, config)
    found = _agree(lambda: password_cutover.check(user, ad, index, config), full)
    if password_cutover._quiet(ad) and (planned is True or (planned is None and password_sync)):
        assert found == ("result", PASS)


def test_password_cutover_shortcut_answers_as_the_full_rule_on_each_edge_value():
    # every edge value in each of the four values of a quiet account, under each way sync can be planned
    for name in _QUIET:
        for value in _UACS if name == "uac" else _TICKS:
            for password_sync, planned in _SETTINGS:
                _cutover({**_QUIET, name: value}, password_sync, planned)


@SLOW
@given(values=st.fixed_dictionaries({name: st.sampled_from(_UACS if name == "uac" else _TICKS)
                                     | st.integers(-2, 2 ** 64) for name in _QUIET}),
       settings_=st.sampled_from(_SETTINGS), force=st.booleans(), client=st.sampled_from(list(SyncClient)))
def test_password_cutover_shortcut_answers_as_the_full_rule(values, settings_, force, client):
    _cutover(values, *settings_, force=force, client=client)


def test_the_last_filetime_is_the_last_one_a_date_is_made_of():
    from syncready.checks._common import filetime
    assert filetime(LAST).year == 9999
    for beyond in (LAST + 1, LAST + 10):
        try:
            filetime(beyond)
        except ValueError:
            continue
        raise AssertionError(f"{beyond} made a date")


# sid-unique: the binary prefilter never hides a cloud user holding the SID's text --------------------
_AD_SID = "S-1-5-21-1004336348-1177238915-682003330-1107"
_LONG = "S-1-5-" + "-".join(["21"] * 16)                   # 16 sub-authorities: beyond sid_from_text
_SIDS = [None, "", _AD_SID, _AD_SID.lower(), f"  {_AD_SID} ", _AD_SID.replace("-21-", "-021-"),
         _AD_SID.replace("1107", "\u0661\u0661\u0660\u0667"), _AD_SID[:-1] + "8", "S-1-5", "s-1-5", _LONG, "S-1",
         "not a sid", "S-1-5-21-4294967296"]
_CLOUD_SIDS = st.sampled_from(_SIDS)
_RAWS = [sid_from_text(_AD_SID), sid_from_text("S-1-5"), sid_from_text(_AD_SID[:-1] + "8"),
         bytes([1, 16]) + (5).to_bytes(6, "big") + (21).to_bytes(4, "little") * 16,
         b"\x01\x05\x00", b"\x01\x05" + bytes(10), b"", None, bytearray(sid_from_text(_AD_SID))]
_RAW = st.sampled_from(_RAWS)


class _Everything:
    """A set that holds every SID: the prefilter never clears one, so the full rule decides."""

    def __contains__(self, item: object) -> bool:
        return True


def _sid_unique(raw, holders, own_sid=None, unread=False) -> None:
    users = [cloud(UPN, security_identifier=own_sid)] + [
        cloud(f"old{n}@contoso.com", security_identifier=sid, sync_enabled=enabled, cloud_managed=managed)
        for n, (sid, enabled, managed) in enumerate(holders)]
    ad = onprem(UPN, object_sid=raw)
    d = directory(users, [ad])
    if unread:
        d.coverage.read("users", len(users), missing=["onPremisesSecurityIdentifier"])
    index = Engine(d).index

    def full():
        with patch.object(sid_unique, "cloud_sid_bytes", lambda index: _Everything()):
            return sid_unique.check(users[0], ad, index)
    _agree(lambda: sid_unique.check(users[0], ad, index), full)


def test_sid_unique_shortcut_answers_as_the_full_rule_on_each_edge_value():
    for raw in _RAWS:
        for sid in _SIDS:
            for unread in (False, True):
                _sid_unique(raw, [(sid, False, None)], unread=unread)
                _sid_unique(raw, [], own_sid=sid, unread=unread)


@SLOW
@given(raw=_RAW, holders=st.lists(st.tuples(_CLOUD_SIDS, st.sampled_from([None, False, True]),
                                             st.sampled_from([None, False, True])), max_size=3),
       own_sid=_CLOUD_SIDS, unread=st.booleans())
def test_sid_unique_shortcut_answers_as_the_full_rule(raw, holders, own_sid, unread):
    _sid_unique(raw, holders, own_sid, unread)


# anchor-ready: no holder and no twin is told without the lists ---------------------------------------
_GUIDS = [uuid.uuid5(NS, f"g{n}").bytes_le for n in range(3)]
_ANCHOR_BYTES = st.sampled_from([None, b"", *_GUIDS, bytes(16), bytes(15), b"\x01" * 45])


@SLOW
@given(mine=_ANCHOR_BYTES, own_guid=_ANCHOR_BYTES, others=st.lists(_ANCHOR_BYTES, max_size=2),
       cloud_ids=st.lists(st.sampled_from([None, "", "x", "not base64!", *map(anchor_from_bytes, _GUIDS)]), max_size=3),
       own_id=st.sampled_from([None, anchor_from_bytes(_GUIDS[0])]), source=st.sampled_from([None, "objectGUID"]))
def test_anchor_ready_shortcut_answers_as_the_full_rule(mine, own_guid, others, cloud_ids, own_id, source):
    ad = replace(onprem(UPN, consistency_guid=mine), object_guid=own_guid)
    twins = [replace(onprem(f"t{n}@contoso.com", consistency_guid=raw), object_guid=raw)
             for n, raw in enumerate(others)]
    users = [cloud(UPN, immutable_id=own_id)] + [cloud(f"c{n}@contoso.com", immutable_id=value)
                                                 for n, value in enumerate(cloud_ids)]
    config = Config(sync=SyncSettings(source_anchor=source))
    index = Engine(directory(users, [ad, *twins]), config).index

    def full():
        with patch.object(anchor_ready, "_alone", lambda found, own: False):
            return anchor_ready.check(users[0], ad, index)
    _agree(lambda: anchor_ready.check(users[0], ad, index), full)


# upn-exists: the engine's counterpart in scope is the pass the lookup would find ---------------------
@SLOW
@given(places=st.lists(st.sampled_from(["OU=Staff", "OU=Old", "CN=Users"]), max_size=3),
       critical=st.booleans(), scoped=st.booleans())
def test_upn_exists_shortcut_answers_as_the_full_rule(places, critical, scoped):
    ads = [onprem(UPN, ou=ou, cn=f"a{n}", critical=critical and n == 0) for n, ou in enumerate(places)]
    scope = Scope(include=(f"OU=Staff,{BASE}",)) if scoped else Scope()
    engine = Engine(directory([cloud(UPN)], ads), Config(scope=scope))
    subject = next(s for s in engine.subjects()[0] if s.name == UPN)
    _agree(lambda: upn_exists.check(subject.obj, engine.index, subject.counterpart),
           lambda: upn_exists.check(subject.obj, engine.index))


# the Exchange helpers against the formulas they replaced ---------------------------------------------
_PROXY = st.sampled_from(["SMTP:a@contoso.com", "a@contoso.mail.onmicrosoft.com", "SMTP:a@contoso.mail.onmicrosoft.com",
                          "smtp:A@Contoso.com", "X500:/o=Org/cn=a", "x500:/O=ORG/CN=A",
                          "a@contoso.com", ":a@contoso.com", "SMTP:", "smtp:a@contoso.mail.onmicrosoft.com",
                          "SMTP:ΑΣ:x@contoso.com", "smtp:İ@contoso.com"])


@given(proxies=st.lists(_PROXY, max_size=4), value=_PROXY)
def test_has_proxy_is_the_case_insensitive_set_lookup(proxies, value):
    assert has_proxy(proxies, value) == (value.lower() in {p.lower() for p in proxies})
    assert has_proxy(tuple(proxies), value) == has_proxy(proxies, value)


_GUID_TEXT = st.uuids().map(str) | st.sampled_from(["c2ce6f44-7ed4-457b-9e2f-eb89414c343c",
                                                     "C2CE6F44-7ED4-457B-9E2F-EB89414C343C",
                                                     "{c2ce6f44-7ed4-457b-9e2f-eb89414c343c}",
                                                     "c2ce6f447ed4457b9e2feb89414c343c", "not a guid", ""])


@given(text=_GUID_TEXT, raw=st.binary(min_size=0, max_size=17) | _GUID_TEXT.map(
    lambda t: uuid.UUID(t).bytes_le if len(t) > 30 and "n" not in t else b"\x00"))
def test_same_mailbox_guid_is_the_byte_comparison(text, raw):
    made = _outcome(lambda: mailbox_guid_bytes(text))
    for value in (raw, made[1] if made[0] == "result" else raw):
        _agree(lambda: same_mailbox_guid(value, text), lambda: value == mailbox_guid_bytes(text))  # noqa: B023


@given(remote=st.none() | st.integers(0, 2 ** 40) | st.sampled_from([0x20, 0x40, 0x60, 100, 33, 4, True, False]))
def test_remote_kind_is_the_flag_formula(remote):
    expected = None if remote is None else {
        0: MailboxKind.USER, RemoteRecipientType.ROOM_MAILBOX: MailboxKind.ROOM,
        RemoteRecipientType.EQUIPMENT_MAILBOX: MailboxKind.EQUIPMENT}.get(remote & KIND_BITS, MailboxKind.SHARED)
    assert remote_kind(remote) is expected


@given(value=st.sampled_from(["user", "User", "SHARED", "room", "Equipment", "linked", "others", "none", "None",
                              "unknown", "", "İ", "userMailbox"]) | st.text(max_size=6))
def test_mailbox_purpose_is_the_enum_lookup(value):
    try:
        expected = MailboxKind(value.lower())
    except ValueError:
        expected = MailboxKind.OTHERS
    assert _purpose(value) is expected


@SLOW
@example(target="SMTP:a@contoso.mail.onmicrosoft.com", cloud_proxies=["a@contoso.mail.onmicrosoft.com"], record=None)
@example(target="a@contoso.mail.onmicrosoft.com", cloud_proxies=["smtp:x@contoso.com"],
         record=["smtp:A@contoso.mail.onmicrosoft.com"])
@given(target=_PROXY, cloud_proxies=st.lists(_PROXY, max_size=3), record=st.lists(_PROXY, max_size=3) | st.none())
def test_routes_to_is_the_held_set_lookup(target, cloud_proxies, record):
    user = cloud(UPN, proxies=cloud_proxies)
    box = None if record is None else mailbox(UPN, addresses=record)
    helper = exchange(Engine(directory([user], [onprem(UPN)])).index)
    address = split_proxy(target)[1] if ":" in target else target
    held = {split_proxy(p)[1].lower() for p in (*(box.email_addresses if box else ()), *user.proxy_addresses)}
    expected = address.rpartition("@")[2].lower() in helper.routing_domains and address.lower() in held
    assert helper.routes_to(user, box, target) == expected


def test_the_exchange_gate_gives_every_user_it_answers_alike_the_same_result():
    # no Exchange in AD: one "do not apply" Result for every user and check of the run
    users = [cloud(f"u{n}@contoso.com", mailbox_purpose="user") for n in range(3)]
    run = Engine(directory(users, [onprem(u.upn) for u in users])).run()
    results = [s.results[c] for s in run.subjects if s.kind == "cloud-user"
               for c in ("exchange-recipient-type", "exchange-remote-mailbox")]
    assert results[0].status == Status.SKIP and all(r is results[0] for r in results)
    # Exchange in AD, users without a cloud mailbox (read as none): one skip per run, same evidence
    ads = [onprem(u.upn, exch_recipient_type_details=2147483648) for u in users]
    plain = [cloud(u.upn) for u in users]
    d = directory(plain, ads, mailboxes=[mailbox("other@contoso.com")])
    results = [s.results["exchange-duplicate-mailbox"] for s in Engine(d).run().subjects if s.kind == "cloud-user"]
    assert results[0].status == Status.SKIP and results[0].evidence == {"cloud_mailbox_type": "none",
                                                                         "mailbox_type_source": "mailboxes"}
    assert all(r is results[0] for r in results)
    # a user whose Graph userPurpose says none has another source in its evidence: not the same Result
    d = directory([*plain, cloud("n@contoso.com", mailbox_purpose="none")], [*ads, onprem("n@contoso.com",
                  exch_recipient_type_details=2147483648)], mailboxes=[mailbox("other@contoso.com")])
    results = {s.name: s.results["exchange-duplicate-mailbox"] for s in Engine(d).run().subjects
               if s.kind == "cloud-user"}
    assert results["n@contoso.com"].evidence["mailbox_type_source"] == "users.mailboxSettings"
    assert results["u0@contoso.com"].evidence["mailbox_type_source"] == "mailboxes"
