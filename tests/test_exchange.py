"""The Exchange checks (SPEC §10) from Microsoft's scenarios, on hand-built directories: the mailbox
type and where it came from, the skip without an Exchange schema, the cloud-only resource mailboxes of
upn-exists, account-enabled's reverse case, and the fixers' plans (values, byte order, refusals)."""
from __future__ import annotations

import json
import uuid

import pytest

from syncready.config import Scope
from syncready.coverage import Coverage, CoverageStatus
from syncready.engine import Engine
from syncready.fixing import build_plan
from syncready.index import Index
from syncready.journal import Journal, read_journal
from syncready.mailboxes import (
    MIGRATED_SHARED,
    MailboxKind,
    MailboxSource,
    RecipientTypeDetails,
    RemoteRecipientType,
    exchange,
    remote_name,
    type_name,
)
from syncready.plan import Change
from syncready.vocab import CloudOnlyMailboxes, Readiness, Status

from builders import cloud, directory, mailbox, onprem, outcome, run
from test_fix_property import Simulator

UPN = "shared@contoso.com"
ALICE = "alice@contoso.com"
EXCHANGE_CHECKS = ("exchange-recipient-type", "exchange-duplicate-mailbox", "exchange-remote-mailbox")
LEGACY = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=alice"


def system_mailbox():
    """What every forest with Exchange has: its arbitration mailboxes are AD users with Exchange values."""
    return onprem("SystemMailbox{1f05a927}@contoso.com", ou="CN=Users", exch_recipient_type_details=8388608,
                  home_mdb="CN=DB01,CN=Databases,CN=Exchange", uac=514)


def hybrid(users=(), ad=(), **kw):
    """A directory whose AD has Exchange (the Exchange checks apply)."""
    return directory(users, [*ad, system_mailbox()], **kw)


def subject(d, upn, select=None, **config):
    return next(s for s in run(d, select=select, **config).subjects if s.name == upn)


def prepared(upn=ALICE, box=None, **kw):
    """An AD user prepared as the remote user mailbox of `box`, as Enable-RemoteMailbox and
    Set-RemoteMailbox -ExchangeGuid leave it, with the X500 of the cloud LegacyExchangeDN."""
    box = box or mailbox(upn)
    alias = upn.split("@")[0]
    kw.setdefault("exch_recipient_type_details", RecipientTypeDetails.REMOTE_USER_MAILBOX)
    kw.setdefault("exch_remote_recipient_type", RemoteRecipientType.MIGRATED)
    kw.setdefault("target_address", f"SMTP:{alias}@contoso.mail.onmicrosoft.com")
    kw.setdefault("exch_mailbox_guid", uuid.UUID(box.exchange_guid).bytes_le)
    kw.setdefault("proxies", (f"SMTP:{upn}", f"X500:{box.legacy_exchange_dn}"))
    return onprem(upn, **kw)


def cloud_mailbox_user(upn, purpose="user"):
    alias = upn.split("@")[0]
    return cloud(upn, proxies=(f"SMTP:{upn}", f"smtp:{alias}@contoso.mail.onmicrosoft.com",
                               f"smtp:{alias}@contoso.onmicrosoft.com"), mailbox_purpose=purpose)


# constants, verified against Microsoft's pages (syncready/mailboxes.py cites them) ---------------
def test_recipient_values_are_microsofts():
    assert RecipientTypeDetails.REMOTE_SHARED_MAILBOX == 34359738368        # KB 2710029
    assert MIGRATED_SHARED == 100                                            # KB 2710029
    assert RecipientTypeDetails.REMOTE_ROOM_MAILBOX == 8589934592           # Surface Hub hybrid page
    assert RemoteRecipientType.PROVISION_MAILBOX | RemoteRecipientType.ROOM_MAILBOX == 33
    assert RecipientTypeDetails.REMOTE_USER_MAILBOX == 2147483648
    assert RecipientTypeDetails.REMOTE_EQUIPMENT_MAILBOX == 17179869184
    assert type_name(34359738368) == "34359738368 (RemoteSharedMailbox)"
    assert remote_name(100) == "100 (Migrated, SharedMailbox)" and remote_name(None) == "not set"


# the mailbox type and its source ------------------------------------------------------------------
def test_mailbox_type_from_user_purpose_then_export_then_none():
    users = [cloud("a@contoso.com", mailbox_purpose="Shared"), cloud("b@contoso.com"), cloud("c@contoso.com")]
    d = directory(users, mailboxes=[mailbox("b@contoso.com", "RoomMailbox"), mailbox("a@contoso.com")])
    helper = exchange(Index(d))
    a, b, c = (helper.mailbox(u) for u in users)
    assert (a.kind, a.source) == (MailboxKind.SHARED, MailboxSource.MAILBOX_SETTINGS) and a.record is not None
    assert (b.kind, b.source) == (MailboxKind.ROOM, MailboxSource.EXPORT)
    assert (c.kind, c.source) == (MailboxKind.NONE, MailboxSource.EXPORT)    # the export has no record
    index = Index(d)
    assert exchange(index) is exchange(index) and exchange(index) is not helper   # one helper per Index


def unread_mailbox_types(d):
    d.coverage = Coverage(collections={})
    d.coverage.read("users", len(d.cloud_users), missing=["mailboxSettings"])
    d.coverage.not_read("mailboxes", "cloud/mailboxes.json absent")
    d.coverage.read("adUsers", len(d.onprem))
    return d


def test_mailbox_type_not_read_is_an_error_for_users_with_a_mailbox_only():
    d = unread_mailbox_types(hybrid([cloud(ALICE), cloud("nomail@contoso.com", mail=None)],
                                       [onprem(ALICE), onprem("nomail@contoso.com", mail=None)]))
    result = outcome(d, "exchange-recipient-type", ALICE)
    assert result.status == Status.ERROR and result.message.startswith("not read: users.mailboxSettings")
    assert "mailboxes (cloud/mailboxes.json absent" in result.message and "Get-EXOMailbox" in result.message
    assert [u.split(" ")[0] for u in result.evidence["unread"]] == ["users.mailboxSettings", "mailboxes"]
    assert outcome(d, "exchange-recipient-type", "nomail@contoso.com").status == Status.SKIP


def test_no_exchange_schema_skips_every_exchange_check():
    d = directory([cloud_mailbox_user(UPN, "shared")], [onprem(UPN)])
    d.coverage = Coverage(collections={})
    d.coverage.read("users", 1)
    d.coverage.read("mailboxes", 0)
    d.coverage.read("adUsers", 1, missing=["msExchMailboxGuid", "msExchRecipientTypeDetails",
                                           "msExchRemoteRecipientType", "targetAddress", "homeMDB",
                                           "legacyExchangeDN"])
    for check_id in EXCHANGE_CHECKS:
        result = outcome(d, check_id, UPN)
        assert result.status == Status.SKIP, (check_id, result)
        assert "no Exchange" in result.message
    # one AD user with an Exchange value: the schema is there, so what was not read is an error ...
    d.onprem.append(onprem("other@contoso.com", exch_recipient_type_details=1, home_mdb="CN=DB01"))
    assert outcome(d, "exchange-recipient-type", UPN).status == Status.ERROR
    # ... and, read, the shared mailbox on a plain AD user is at risk
    d.coverage.read("adUsers", 2)
    assert outcome(d, "exchange-recipient-type", UPN).status == Status.FAIL


# upn-exists: cloud-only resource mailboxes --------------------------------------------------------
@pytest.mark.parametrize("purpose", ["shared", "room", "equipment"])
def test_cloud_shared_mailbox_without_ad_account_skips_and_is_not_blocked(purpose):
    d = directory([cloud_mailbox_user(UPN, purpose)], [onprem(ALICE)])
    found = subject(d, UPN)
    assert found.results["upn-exists"].status == Status.SKIP
    assert "stays cloud-only" in found.results["upn-exists"].message
    assert found.readiness != Readiness.BLOCKED, {k: r.status for k, r in found.results.items()}
    required = subject(d, UPN, scope=Scope(cloud_only_mailboxes=CloudOnlyMailboxes.REQUIRE))
    assert required.results["upn-exists"].status == Status.FAIL and required.readiness == Readiness.BLOCKED


def test_user_mailbox_and_unknown_type_without_ad_account_still_fail():
    d = directory([cloud_mailbox_user(ALICE, "user")], [])
    assert outcome(d, "upn-exists", ALICE).status == Status.FAIL
    d = unread_mailbox_types(directory([cloud(UPN)], []))
    result = outcome(d, "upn-exists", UPN)
    assert result.status == Status.FAIL and "read its mailbox type" in result.message


def test_shared_mailbox_whose_address_an_ad_user_carries_is_not_skipped():
    """That AD user would soft-match onto the mailbox by SMTP: not a cloud-only mailbox."""
    d = directory([cloud_mailbox_user(UPN, "shared")], [onprem("other@contoso.com", mail=UPN)])
    result = outcome(d, "upn-exists", UPN)
    assert result.status == Status.FAIL and result.evidence["candidates"]


# exchange-recipient-type ---------------------------------------------------------------------------
def test_shared_mailbox_matched_to_a_plain_ad_user_is_blocked_with_a_fix_plan():
    d = hybrid([cloud_mailbox_user(UPN, "shared")], [onprem(UPN)])
    found = subject(d, UPN)
    result = found.results["exchange-recipient-type"]
    assert result.status == Status.FAIL and found.readiness == Readiness.BLOCKED
    assert "converts it to a user mailbox" in result.message and "KB 2710029" in result.message
    assert "msExchRecipientTypeDetails not set" in result.message and "Set-RemoteMailbox" in result.message
    assert result.evidence["expected_msExchRecipientTypeDetails"] == 34359738368
    safe = build_plan(run(d), ["exchange-recipient-type"])
    assert not safe.changes and "--unsafe" in " ".join(r.guidance for r in safe.refused)
    plan = build_plan(run(d), ["exchange-recipient-type"], unsafe=True)
    assert [(c.attribute, c.remove, c.add) for c in plan.changes] == [
        ("msExchRemoteRecipientType", [], ["100"]), ("msExchRecipientTypeDetails", [], ["34359738368"])]
    assert all("Set-RemoteMailbox -Identity 'shared@contoso.com' -Type Shared" in c.note for c in plan.changes)
    assert "[unsafe]" in plan.render()


def test_shared_mailbox_as_remote_user_mailbox_replaces_the_exact_old_values():
    d = hybrid([cloud_mailbox_user(UPN, "shared")], [prepared(UPN)])
    assert outcome(d, "exchange-recipient-type", UPN).status == Status.FAIL
    plan = build_plan(run(d), ["exchange-recipient-type"], unsafe=True)
    assert [(c.remove, c.add) for c in plan.changes] == [(["4"], ["100"]), (["2147483648"], ["34359738368"])]
    sim = Simulator(d)
    for change in plan.changes:
        sim.apply(change)
    assert outcome(sim.directory, "exchange-recipient-type", UPN).status == Status.PASS


@pytest.mark.parametrize(("purpose", "details", "remote", "status"), [
    ("user", None, None, Status.PASS),                                   # no Exchange attributes: stays a user mailbox
    ("user", 2147483648, 4, Status.PASS),
    ("user", 34359738368, 100, Status.FAIL),                             # AD says shared
    ("shared", 34359738368, 100, Status.PASS),
    ("shared", 34359738368, 97, Status.PASS),                            # provisioned in the cloud as shared
    ("shared", 34359738368, 4, Status.FAIL),                             # remote type says a user mailbox
    ("room", 8589934592, 33, Status.PASS),                               # Microsoft's Surface Hub values
    ("room", 34359738368, 100, Status.FAIL),
    ("equipment", 17179869184, 65, Status.PASS),
    ("others", None, None, Status.SKIP),
])
def test_recipient_type_table(purpose, details, remote, status):
    ad = onprem(UPN, exch_recipient_type_details=details, exch_remote_recipient_type=remote)
    d = hybrid([cloud_mailbox_user(UPN, purpose)], [ad])
    assert outcome(d, "exchange-recipient-type", UPN).status == status


def test_room_mismatch_is_refused_with_the_cmdlet():
    d = hybrid([cloud_mailbox_user(UPN, "room")], [prepared(UPN)])
    plan = build_plan(run(d), ["exchange-recipient-type"], unsafe=True)
    assert not plan.changes
    assert "Set-RemoteMailbox -Identity 'shared@contoso.com' -Type Room" in plan.refused[0].guidance


# exchange-duplicate-mailbox ------------------------------------------------------------------------
def test_on_prem_mailbox_matched_to_a_cloud_mailbox_user_is_blocked():
    box = mailbox(ALICE)
    ad = onprem(ALICE, home_mdb="CN=DB01,CN=Databases,CN=Exchange", exch_recipient_type_details=1,
                exch_mailbox_guid=uuid.UUID(int=7).bytes_le)
    d = hybrid([cloud_mailbox_user(ALICE)], [ad], mailboxes=[box])
    found = subject(d, ALICE)
    result = found.results["exchange-duplicate-mailbox"]
    assert result.status == Status.FAIL and found.readiness == Readiness.BLOCKED
    assert "two mailboxes" in result.message and "CN=DB01" in result.message
    assert "1 (UserMailbox)" in result.message and box.exchange_guid in result.message
    assert result.evidence["msExchMailboxGuid"] == str(uuid.UUID(int=7))
    assert found.results["exchange-recipient-type"].status == Status.SKIP     # reported once, here
    plan = build_plan(run(d), ["exchange-duplicate-mailbox"])
    steps = plan.manual[0].guidance
    for needle in ("Disable-Mailbox", "Enable-RemoteMailbox", "alice@contoso.mail.onmicrosoft.com", "x500:",
                   f"-ExchangeGuid {box.exchange_guid}", "New-MailboxRestoreRequest",
                   "PermanentlyClearPreviousMailboxInfo"):
        assert needle in steps, needle


def test_no_cloud_mailbox_or_no_on_prem_mailbox_is_fine():
    d = hybrid([cloud(ALICE), cloud_mailbox_user(UPN)], [onprem(ALICE, home_mdb="CN=DB01"), prepared(UPN)],
                  mailboxes=[mailbox(UPN)])
    assert outcome(d, "exchange-duplicate-mailbox", ALICE).status == Status.SKIP
    assert outcome(d, "exchange-duplicate-mailbox", UPN).status == Status.PASS


# exchange-remote-mailbox ---------------------------------------------------------------------------
def test_remote_mailbox_prepared_correctly_passes_with_its_x500():
    box = mailbox(ALICE)
    d = hybrid([cloud_mailbox_user(ALICE)], [prepared(ALICE, box)], mailboxes=[box])
    found = subject(d, ALICE)
    assert {c: found.results[c].status for c in EXCHANGE_CHECKS} == dict.fromkeys(EXCHANGE_CHECKS, Status.PASS)
    # without the X500 it is a warning naming the value
    d.onprem[0].proxy_addresses = (f"SMTP:{ALICE}",)
    result = outcome(d, "exchange-remote-mailbox", ALICE)
    assert result.status == Status.FAIL and result.evidence["missing"] == [f"X500:{box.legacy_exchange_dn}"]


def test_remote_mailbox_missing_its_attributes_is_fixed_with_exact_bytes():
    box = mailbox(ALICE, legacy=LEGACY)
    d = hybrid([cloud_mailbox_user(ALICE)], [onprem(ALICE)], mailboxes=[box])
    found = subject(d, ALICE)
    result = found.results["exchange-remote-mailbox"]
    assert result.status == Status.FAIL and found.readiness == Readiness.AT_RISK
    assert result.evidence["missing"] == ["targetAddress", "msExchMailboxGuid", f"X500:{LEGACY}"]
    assert "KB 2956029" in result.message and box.exchange_guid in result.message
    plan = build_plan(run(d), ["exchange-remote-mailbox"])
    changes = {c.attribute: c for c in plan.changes}
    assert changes["targetAddress"].add == ["SMTP:alice@contoso.mail.onmicrosoft.com"]
    guid = changes["msExchMailboxGuid"].add[0]
    assert guid == uuid.UUID(box.exchange_guid).bytes_le != uuid.UUID(box.exchange_guid).bytes and len(guid) == 16
    assert changes["proxyAddresses"].add == [f"X500:{LEGACY}"] and changes["proxyAddresses"].remove == []
    sim = Simulator(d)
    before = sim.state()
    for change in plan.changes:
        sim.apply(change)
    assert outcome(sim.directory, "exchange-remote-mailbox", ALICE).status == Status.PASS
    for change in reversed(plan.changes):
        sim.apply(change.inverse())
    assert sim.state() == before


def test_empty_proxy_addresses_keep_the_primary_sync_derives_from_mail():
    box = mailbox(ALICE)
    d = hybrid([cloud_mailbox_user(ALICE)], [prepared(ALICE, box, proxies=())], mailboxes=[box])
    plan = build_plan(run(d), ["exchange-remote-mailbox"])
    assert [c.add for c in plan.changes] == [[f"SMTP:{ALICE}", f"X500:{box.legacy_exchange_dn}"]]


def test_a_different_target_or_guid_is_named_and_left_alone():
    box = mailbox(ALICE)
    ad = prepared(ALICE, box, target_address="SMTP:alice@fabrikam.com", exch_mailbox_guid=uuid.UUID(int=9).bytes_le)
    d = hybrid([cloud_mailbox_user(ALICE)], [ad], mailboxes=[box])
    result = outcome(d, "exchange-remote-mailbox", ALICE)
    assert result.status == Status.FAIL and len(result.evidence["wrong"]) == 2
    assert "expected SMTP:alice@contoso.mail.onmicrosoft.com" in result.message
    plan = build_plan(run(d), ["exchange-remote-mailbox"])
    assert not plan.changes and len(plan.refused) == 2


def test_without_the_exchange_export_the_guid_check_is_an_error_naming_the_command():
    d = hybrid([cloud_mailbox_user(ALICE)], [prepared(ALICE)])
    d.coverage = Coverage(collections={})
    d.coverage.read("users", 1)
    d.coverage.read("adUsers", 1)
    d.coverage.not_read("mailboxes", "cloud/mailboxes.json absent")
    result = outcome(d, "exchange-remote-mailbox", ALICE)
    assert result.status == Status.ERROR and result.message.startswith("not read: mailboxes")
    assert "Get-EXOMailbox" in result.message
    assert outcome(d, "exchange-recipient-type", ALICE).status == Status.PASS   # userPurpose decides that one


def test_an_unread_ad_exchange_attribute_is_an_error_when_others_were_read():
    box = mailbox(ALICE)
    d = hybrid([cloud_mailbox_user(ALICE)], [prepared(ALICE, box)], mailboxes=[box])
    d.coverage = Coverage(collections={})
    d.coverage.read("users", 1)
    d.coverage.read("mailboxes", 1)
    d.coverage.read("adUsers", 1, missing=["msExchMailboxGuid"])
    result = outcome(d, "exchange-remote-mailbox", ALICE)
    assert result.status == Status.ERROR and "adUsers.msExchMailboxGuid" in result.message
    assert outcome(d, "exchange-recipient-type", ALICE).status == Status.PASS


def test_mailbox_guid_change_survives_the_journal_byte_for_byte(tmp_path):
    raw = uuid.UUID("2ed5d0ca-54e2-4226-9a3b-a48848e18c0f").bytes_le
    change = Change("exchange-remote-mailbox", ALICE, "onprem", "modify", "CN=alice,DC=x", "msExchMailboxGuid",
                    [], [raw])
    assert json.loads(json.dumps(change.to_json()))["binary"] is True
    journal = Journal(tmp_path / "j.jsonl", "fix", {})
    journal.outcome(journal.intent(change), "applied")
    journal.close({})
    back = [e.change for e in read_journal(tmp_path / "j.jsonl")]
    assert back[0].add == [raw] and back[0].id == change.id


# account-enabled: a blocked cloud sign-in that sync would open -------------------------------------
def test_cloud_sign_in_blocked_and_ad_enabled_warns_and_gives_both_commands():
    blocked = cloud_mailbox_user(UPN, "shared")
    blocked.account_enabled = False
    d = directory([blocked], [onprem(UPN, uac=512)])
    result = outcome(d, "account-enabled", UPN)
    assert result.status == Status.FAIL and "the first sync enables sign-in" in result.message
    assert "shared mailbox" in result.message and result.evidence["direction"] == "enables-cloud"
    plan = build_plan(run(d), ["account-enabled"], unsafe=True)
    assert not plan.changes
    assert "Disable-ADAccount -Identity 'CN=shared,OU=Staff,DC=contoso,DC=test'" in plan.refused[0].guidance
    assert "-AccountEnabled:$true" in plan.refused[0].guidance
    d = directory([cloud(UPN, account_enabled=False)], [onprem(UPN, uac=514)])
    assert outcome(d, "account-enabled", UPN).status == Status.PASS


def test_engine_reads_the_exchange_checks_from_the_registry():
    ids = {c.id for c in Engine(directory()).checks}
    assert set(EXCHANGE_CHECKS) <= ids
    assert all(CoverageStatus.READ == directory().coverage.get(name).status for name in ("mailboxes", "adUsers"))
