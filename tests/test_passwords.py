"""password-cutover (SPEC §10): what password hash sync does to each person's password.

Microsoft's scenarios (how-to-connect-password-hash-synchronization; reference-cloud-sync-faq): an
AD account that must change its password at next logon while the tenant does not sync that flag,
one that never logged on (the person does not know the AD password), one that expired (not synced:
stays active in the cloud) — each a warning that gives the dates, as UTC dates from AD's FILETIMEs.
"""
from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from syncready.checks._common import FILETIME_NEVER, filetime
from syncready.config import Config
from syncready.engine import Engine
from syncready.fixing import attach_previews
from syncready.model import SyncFeatures, SyncSettings
from syncready.vocab import Status

from builders import cloud, directory, onprem

EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
UPN = "alice@contoso.com"


def ft(day: dt.date) -> int:
    """A FILETIME (100 ns since 1601, UTC) of midnight UTC of a day."""
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return (moment - EPOCH) // dt.timedelta(microseconds=1) * 10


SET = ft(dt.date(2025, 3, 14))
LOGON = ft(dt.date(2025, 6, 2))


def result(features=None, client=None, cloud_kw=None, planned=None, **ad):
    ad = {"pwd_last_set": SET, "last_logon_timestamp": LOGON, "account_expires": FILETIME_NEVER, **ad}
    d = directory([cloud(UPN, **(cloud_kw or {}))], [onprem(UPN, **ad)],
                  features=features or SyncFeatures(password_sync=True))
    config = Config(sync=SyncSettings(client=client or SyncSettings().client, password_hash_sync=planned))
    run = Engine(d, config, select=["password-cutover"]).run()
    attach_previews(run)
    return run.subjects[0].results["password-cutover"], run


def test_must_change_at_next_logon_with_the_tenant_feature_off_warns():
    r, run = result(pwd_last_set=0)
    assert r.status == Status.FAIL and run.subjects[0].readiness == "at-risk"
    assert "must change its password at next logon (pwdLastSet 0)" in r.message
    assert "userForcePasswordChangeOnLogonEnabled is off" in r.message
    assert "userForcePasswordChangeOnLogonEnabled" in run.previews[(UPN, "password-cutover")]["manual"]


def test_must_change_with_the_feature_on_passes_under_connect_sync_but_not_cloud_sync():
    on = SyncFeatures(password_sync=True, user_force_password_change_on_logon=True)
    assert result(on, pwd_last_set=0)[0].status == Status.PASS
    r, _ = result(on, client="cloud-sync", pwd_last_set=0)
    assert r.status == Status.FAIL and "Cloud Sync does not provision a must-change password hash" in r.message


def test_never_logged_on_warns_with_the_date_the_password_was_set():
    r, _ = result(last_logon_timestamp=None)
    assert r.status == Status.FAIL and "never logged on" in r.message and "set on 2025-03-14" in r.message
    assert result(last_logon_timestamp=0)[0].status == Status.FAIL


def test_an_expired_account_warns_with_its_date():
    r, _ = result(account_expires=ft(dt.date(2024, 12, 31)))
    assert r.status == Status.FAIL and "expired on 2024-12-31" in r.message and "stays active" in r.message
    assert r.evidence["accountExpires_date"] == "2024-12-31"
    assert result(account_expires=0)[0].status == Status.PASS
    assert result(account_expires=ft(dt.date.today() + dt.timedelta(days=30)))[0].status == Status.PASS


def test_a_warning_says_which_password_replaces_the_cloud_one_and_its_expiry():
    r, _ = result()
    assert r.status == Status.PASS and r.message is None and not r.evidence   # no advisory, no bulk
    warned, _ = result(last_logon_timestamp=None)
    assert "replaced by the AD password set on 2025-03-14" in warned.message and "never to expire" in warned.message
    policy = SyncFeatures(password_sync=True, cloud_password_policy_for_password_synced_users=True)
    assert "cloud password policy applies" in result(policy, last_logon_timestamp=None)[0].message
    newer = result(cloud_kw={"last_password_change": "2025-05-01T08:00:00Z"}, last_logon_timestamp=None)[0]
    assert "older than the cloud password, changed 2025-05-01" in newer.message


def test_smart_card_and_password_not_required_bits_warn():
    r, _ = result(uac=512 | 0x40000)
    assert r.status == Status.FAIL and "SMARTCARD_REQUIRED" in r.message
    r, _ = result(uac=512 | 0x20)
    assert r.status == Status.FAIL and "PASSWD_NOTREQD" in r.message


def test_password_hash_sync_off_skips_with_how_to_plan_it_and_keeps_what_would_apply():
    r, run = result(SyncFeatures(password_sync=False), pwd_last_set=0)
    assert r.status == Status.SKIP and run.subjects[0].readiness == "ready"
    assert "passwordSyncEnabled false" in r.message and "[sync] password_hash_sync = true" in r.message
    assert "pwdLastSet 0" in r.evidence["if_password_hash_sync"][0]


def test_password_hash_sync_planned_in_the_config_decides_over_the_tenant():
    planned_on, _ = result(SyncFeatures(password_sync=False), planned=True, pwd_last_set=0)
    assert planned_on.status == Status.FAIL and "pwdLastSet 0" in planned_on.message
    planned_off, _ = result(SyncFeatures(password_sync=True), planned=False, pwd_last_set=0)
    assert planned_off.status == Status.SKIP and "password_hash_sync = false" in planned_off.message


def test_unread_features_or_attributes_are_an_error():
    r, _ = result(SyncFeatures(password_sync=True, known=False))
    assert r.status == Status.ERROR and r.evidence["unread"]
    d = directory([cloud(UPN)], [onprem(UPN, pwd_last_set=SET)], features=SyncFeatures(password_sync=True))
    d.coverage.read("adUsers", 1, missing=["lastLogonTimestamp"])
    got = Engine(d, Config(), select=["password-cutover"]).run().subjects[0].results["password-cutover"]
    assert got.status == Status.ERROR and "adUsers.lastLogonTimestamp" in got.message


def test_filetime_dates_are_utc():
    assert filetime(ft(dt.date(2025, 3, 14))) == dt.datetime(2025, 3, 14, tzinfo=dt.UTC)
    assert filetime(0) is None and filetime(FILETIME_NEVER) is None


@given(value=st.one_of(st.integers(min_value=-(1 << 70), max_value=1 << 70), st.text(max_size=5),
                       st.floats(allow_nan=True), st.booleans(), st.none()),
       which=st.sampled_from(["pwd_last_set", "last_logon_timestamp", "account_expires"]))
def test_malformed_filetimes_are_a_result_never_a_traceback(value, which):
    r, _ = result(**{which: value})
    assert r.status in (Status.PASS, Status.FAIL, Status.ERROR)
    assert not r.message or "the check itself failed" not in r.message


def test_on_a_samba_dc_must_change_expired_and_group_takeover(fresh_contoso_dc, monkeypatch):
    """The real path: attributes set on a Samba AD DC, read over LDAPS by the live reader, the cloud side
    from the example snapshot; the dates come back as written (UTC) and the groups as subjects."""
    from pathlib import Path

    import ldap3
    from fixtures_samba import live_args

    from syncready.model import CloudObject
    from syncready.sources import ldapconn, ldapread
    from syncready.sources.snapshot import read_snapshot

    dc = fresh_contoso_dc
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, dc.admin_password)
    alice, bob = f"CN=Alice Johnson,OU=Staff,{dc.base_dn}", f"CN=Bob Smith,OU=Staff,{dc.base_dn}"
    conn = dc.connect()
    assert conn.modify(alice, {"pwdLastSet": [(ldap3.MODIFY_REPLACE, ["0"])]}), conn.result
    assert conn.modify(bob, {"accountExpires": [(ldap3.MODIFY_REPLACE, [str(ft(dt.date(2024, 12, 31)))])]}), conn.result
    vpn = f"CN=VPN Users,OU=Staff,{dc.base_dn}"
    assert conn.add(vpn, ["top", "group"], {"sAMAccountName": "vpn-users", "groupType": "-2147483646"}), conn.result
    conn.unbind()

    example = Path(__file__).resolve().parent.parent / "examples" / "contoso"
    d = read_snapshot(example)
    d.onprem = []
    ldapread.read_onprem(live_args(dc), into=d)
    d.features = SyncFeatures(password_sync=True)
    d.cloud_groups += [CloudObject("g-all", "group", "All Staff", "allstaff@contoso.com", True,
                                   ("SMTP:allstaff@contoso.com",)),
                       CloudObject("g-vpn", "group", "VPN Users", None, False)]
    run = Engine(d, Config(), select=["password-cutover", "group-takeover"]).run()
    by_name = {s.name.lower(): s for s in run.subjects}
    must_change = by_name["alice.johnson@contoso.com"].results["password-cutover"]
    assert must_change.status == Status.FAIL and "pwdLastSet 0" in must_change.message
    expired = by_name["bob.smith@contoso.com"].results["password-cutover"]
    assert expired.status == Status.FAIL and "expired on 2024-12-31" in expired.message
    takeover = by_name[f"cn=all staff,ou=staff,{dc.base_dn}".lower()]
    assert takeover.kind == "onprem-group" and "will take over cloud group All Staff" in \
        takeover.results["group-takeover"].message
    second = by_name[vpn.lower()].results["group-takeover"]
    assert second.status == Status.FAIL and "a second group will be created" in second.message
