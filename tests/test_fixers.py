"""Each fixer's plan on hand-built directories: the changes, the refusals, the manual guidance, chaining,
the stamping gate, and `syncready fix` on a snapshot (a plan, never a write)."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pytest

from syncready.config import Scope, parse_config
from syncready.fixing import build_plan, load_fixer
from syncready.immutableid import anchor_from_bytes
from syncready.model import Domain, RoleAssignment, SyncFeatures
from syncready.registry import all_checks, fixer_module
from syncready.writers.base import state_of

from builders import BASE, cloud, contact, directory, group, onprem, run
from test_fix_property import Simulator

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
SYNCREADY = str(Path(sys.executable).with_name("syncready"))
UPN = "alice@contoso.com"
BOB = "bob@contoso.com"
STAFF = f"OU=Staff,{BASE}"
STAFF_ONLY = Scope(include=(STAFF,))


def plan(d, select, unsafe=True, options=None, scope=None, checks=None):
    return build_plan(run(d, select=checks, scope=scope), select.split(","), unsafe=unsafe, options=options)


def only(p, check):
    found = [c for c in p.changes if c.check == check]
    assert len(found) == 1, p.render()
    return found[0]


def refusal(p, check) -> str:
    found = [m.guidance for m in p.refused if m.check == check]
    assert len(found) == 1 and not [c for c in p.changes if c.check == check], p.render()
    return found[0]


def guidance(p, check, subject=UPN) -> str:
    found = [m.guidance for m in p.manual if m.check == check and m.subject == subject]
    assert len(found) == 1, p.render()
    return found[0]


def filetime(day: dt.date) -> str:
    return str(int((dt.datetime(day.year, day.month, day.day) - dt.datetime(1601, 1, 1)).total_seconds()) * 10**7)


def test_every_fixer_offers_what_its_check_promises():
    for check in all_checks():
        module = fixer_module(check.id)
        assert module is not None, check.id
        fixer = load_fixer(check.id)
        assert fixer.availability == check.meta.fix, check.id
        if fixer.manual:
            assert callable(fixer.guidance), check.id
        else:
            assert fixer.safety == check.meta.safety and callable(fixer.plan), check.id


# account-enabled --------------------------------------------------------------------------------
def test_account_enabled_clears_only_the_disable_bit():
    p = plan(directory([cloud(UPN)], [onprem(UPN, uac=0x10202)]), "account-enabled")
    change = only(p, "account-enabled")
    assert (change.target, change.op, change.attribute) == ("onprem", "modify", "userAccountControl")
    assert (change.remove, change.add, change.safety) == (["66050"], ["66048"], "unsafe")
    assert "password" in change.note and "failed" in change.note
    assert change.object == f"CN=alice,{STAFF}"


@pytest.mark.parametrize("kw,needle", [
    ({"uac": 514 | 0x10}, "locked out"),
    ({"uac": 514, "extra": {"lockouttime": "133000000000000000"}}, "locked out"),
    ({"uac": 514, "extra": {"accountexpires": filetime(dt.date(2020, 1, 1))}}, "expired (accountExpires 2020-01-01)"),
    ({"uac": 514 | 0x20}, "PASSWD_NOTREQD"),
    ({"uac": 0x2}, "not a normal user account"),
    ({"uac": 514, "ou": "OU=Leavers"}, "outside the sync scope"),
])
def test_account_enabled_refuses_where_enabling_is_wrong_or_pointless(kw, needle):
    p = plan(directory([cloud(UPN)], [onprem(UPN, **kw)]), "account-enabled", scope=STAFF_ONLY)
    assert needle in refusal(p, "account-enabled")


def test_account_enabled_plans_when_expiry_is_in_the_future_and_nothing_for_a_disabled_cloud_user():
    later = {"accountexpires": filetime(dt.date.today() + dt.timedelta(days=30))}
    assert only(plan(directory([cloud(UPN)], [onprem(UPN, uac=514, extra=later)]), "account-enabled"),
                "account-enabled").add == ["512"]
    p = plan(directory([cloud(UPN, account_enabled=False)], [onprem(UPN, uac=514)]), "account-enabled")
    assert not p.changes and not p.refused


@pytest.mark.parametrize("check,d", [
    ("account-enabled", directory([cloud(UPN)], [onprem(UPN, uac=514)])),
    ("cloud-only", directory([cloud(UPN, immutable_id="c3RhbGU=")], [onprem(UPN)])),
    ("attribute-valid", directory([cloud(UPN, display_name="Alice")], [onprem(UPN, display_name=" ")])),
])
def test_unsafe_fixes_are_refused_without_unsafe(check, d):
    assert "--unsafe" in refusal(plan(d, check, unsafe=False), check)
    assert only(plan(d, check, unsafe=True), check).safety == "unsafe"


# cloud-only -------------------------------------------------------------------------------------
def test_cloud_only_clears_an_immutableid_that_points_to_no_one():
    stale = anchor_from_bytes(uuid.UUID(int=99).bytes_le)
    user = cloud(UPN, immutable_id=stale)
    change = only(plan(directory([user], [onprem(UPN)]), "cloud-only"), "cloud-only")
    assert (change.target, change.op, change.object) == ("cloud", "patch", user.id)
    assert (change.attribute, change.remove, change.add) == ("onPremisesImmutableId", [stale], [])
    assert "another forest" in change.note and "(empty)" in change.describe()


def _variants(ad):
    guid = ad.object_guid
    return {
        "case": (ad.anchor.swapcase(), "letter case"),
        "rfc": (anchor_from_bytes(uuid.UUID(bytes_le=guid).bytes), "RFC byte order"),
        "base64": ("not base64!", "not valid base64"),
        "length": (anchor_from_bytes(b"12345"), "5 bytes"),
    }


@pytest.mark.parametrize("variant", ["case", "rfc", "base64", "length"])
def test_cloud_only_clears_the_counterparts_own_guid_written_wrongly(variant):
    ad = onprem(UPN)
    value, needle = _variants(ad)[variant]
    change = only(plan(directory([cloud(UPN, immutable_id=value)], [ad]), "cloud-only"), "cloud-only")
    assert change.remove == [value] and change.add == [] and needle in change.note


def test_cloud_only_clears_the_objectguid_anchor_when_a_consistency_guid_is_set():
    ad = onprem(UPN, consistency_guid=uuid.UUID(int=7).bytes_le)
    stale = anchor_from_bytes(ad.object_guid)
    change = only(plan(directory([cloud(UPN, immutable_id=stale)], [ad]), "cloud-only"), "cloud-only")
    assert "mS-DS-ConsistencyGuid" in change.note


@pytest.mark.parametrize("form", ["exact", "case", "rfc", "objectguid"])
def test_cloud_only_refuses_when_the_value_names_another_ad_user(form):
    other = onprem("carol@contoso.com", consistency_guid=uuid.UUID(int=9).bytes_le)
    value = {"exact": other.anchor, "case": other.anchor.swapcase(),
             "rfc": anchor_from_bytes(uuid.UUID(bytes_le=other.consistency_guid).bytes),
             "objectguid": anchor_from_bytes(other.object_guid)}[form]
    p = plan(directory([cloud(UPN, immutable_id=value)], [onprem(UPN), other]), "cloud-only")
    text = refusal(p, "cloud-only")
    assert other.dn in text and "Decide which AD account" in text


def test_cloud_only_refuses_in_a_federated_domain():
    d = directory([cloud(UPN, immutable_id="c3RhbGU=")], [onprem(UPN)],
                  domains=[Domain("contoso.com", True, "Federated")])
    assert "federated" in refusal(plan(d, "cloud-only"), "cloud-only")


# attribute-valid --------------------------------------------------------------------------------
def test_attribute_valid_trims_mail():
    p = plan(directory([cloud(UPN)], [onprem(UPN, mail=f" {UPN} ", proxies=(f"SMTP:{UPN}",))]), "attribute-valid")
    change = only(p, "attribute-valid")
    assert (change.attribute, change.remove, change.add) == ("mail", [f" {UPN} "], [UPN])


@pytest.mark.parametrize("cloud_name,given,sn,expected", [
    ("Alice Smith", "Al", "Smith", "Alice Smith"),     # what people see in the cloud today
    (None, "Alice", "Smith", "Alice Smith"),
    (None, None, "Smith", "Smith"),
])
def test_attribute_valid_fills_a_blank_display_name(cloud_name, given, sn, expected):
    d = directory([cloud(UPN, display_name=cloud_name)], [onprem(UPN, display_name="  ", given_name=given, sn=sn)])
    change = only(plan(d, "attribute-valid"), "attribute-valid")
    assert (change.attribute, change.remove, change.add) == ("displayName", ["  "], [expected])


def test_attribute_valid_refuses_a_blank_display_name_without_any_name():
    d = directory([cloud(UPN)], [onprem(UPN, display_name=" ")])
    assert "displayName ' ' is blank" in refusal(plan(d, "attribute-valid"), "attribute-valid")


@pytest.mark.parametrize("proxies,remove,add", [
    ((f"SMTP:{UPN}", "SMTP:old@contoso.com"), ["SMTP:old@contoso.com"], ["smtp:old@contoso.com"]),
    ((f"SMTP:{UPN}", "smtp: al@contoso.com "), ["smtp: al@contoso.com "], ["smtp:al@contoso.com"]),
    ((f"SMTP:{UPN}", "smtp:al@contoso.com", "smtp:al@contoso.com "), ["smtp:al@contoso.com "], []),
    ((f"smtp:{UPN}", "smtp:al@contoso.com"), [f"smtp:{UPN}"], [f"SMTP:{UPN}"]),
    (("SMTP:old@contoso.com", f"SMTP:{UPN} ", f"smtp:{UPN}"),
     ["SMTP:old@contoso.com", f"SMTP:{UPN} ", f"smtp:{UPN}"], ["smtp:old@contoso.com", f"SMTP:{UPN}"]),
])
def test_attribute_valid_corrects_proxy_addresses(proxies, remove, add):
    d = directory([cloud(UPN, proxies=(f"SMTP:{UPN}", "smtp:al@contoso.com", "smtp:old@contoso.com"))],
                  [onprem(UPN, proxies=proxies)])
    change = only(plan(d, "attribute-valid"), "attribute-valid")
    assert (change.attribute, sorted(change.remove), sorted(change.add)) == ("proxyAddresses", sorted(remove),
                                                                             sorted(add))


def test_attribute_valid_refuses_with_the_list_of_what_has_no_obvious_correction():
    d = directory([cloud(UPN)], [onprem(UPN, mail=f"{UPN} ", proxies=(f"SMTP:{UPN}", "smtp:al ice@contoso.com"),
                                        sam="a" * 21)])
    text = refusal(plan(d, "attribute-valid"), "attribute-valid")
    assert "sAMAccountName" in text and "al ice@contoso.com" in text and "the other 1 violation" in text
    assert "mail" not in text.split(":")[0]


def test_attribute_valid_refuses_several_primaries_when_none_is_mail():
    d = directory([cloud(UPN)], [onprem(UPN, mail="x@contoso.com", proxies=(f"SMTP:{UPN}", "SMTP:y@contoso.com"))])
    assert "2 primary SMTP: values" in refusal(plan(d, "attribute-valid"), "attribute-valid")


def test_attribute_valid_refuses_a_correction_that_takes_another_objects_address():
    d = directory([cloud(UPN), cloud(BOB, proxies=(f"SMTP:{BOB}", "smtp:al@contoso.com"))],
                  [onprem(UPN, proxies=(f"SMTP:{UPN}", "smtp:al@contoso.com "))])
    text = refusal(plan(d, "attribute-valid"), "attribute-valid")
    assert "al@contoso.com" in text and BOB in text and "proxy-unique" in text


def test_three_fixers_on_one_proxyaddresses_chain_their_preconditions():
    """mail-primary-smtp, then proxy-superset, then attribute-valid: each starts from what the one before leaves."""
    user = cloud(UPN, proxies=(f"SMTP:{UPN}", "smtp:al@contoso.com"))
    ad = onprem(UPN, mail="alice@old.com",
                proxies=("SMTP:alice@old.com", "SMTP:x@contoso.com ", "smtp: al2@contoso.com"))
    d = directory([user], [ad])
    p = plan(d, "mail-primary-smtp,proxy-superset,attribute-valid")
    on_proxies = [c for c in p.changes if c.attribute == "proxyAddresses"]
    assert [c.check for c in on_proxies] == ["mail-primary-smtp", "proxy-superset", "attribute-valid"]
    sim = Simulator(d)
    for change in p.changes:
        sim.apply(change)                   # raises when a precondition does not hold at that moment
    fixed = sim.onprem[ad.dn]
    assert sorted(fixed.proxy_addresses) == sorted([
        f"SMTP:{UPN}", "smtp:alice@old.com", "smtp:x@contoso.com", "smtp:al2@contoso.com", "smtp:al@contoso.com"])
    assert fixed.mail == UPN
    after = {cid: r.status for s in run(sim.directory).subjects if s.name == UPN for cid, r in s.results.items()}
    assert after["mail-primary-smtp"] == after["proxy-superset"] == after["attribute-valid"] == "pass"


def test_attribute_valid_finds_nothing_left_once_mail_primary_smtp_fixed_it():
    d = directory([cloud(UPN)], [onprem(UPN, mail=UPN, proxies=("SMTP:old@contoso.com", f"SMTP:{UPN}"))])
    p = plan(d, "mail-primary-smtp,attribute-valid")
    assert [c.check for c in p.changes] == ["mail-primary-smtp"] and not p.refused


# manual guidance --------------------------------------------------------------------------------
def test_proxy_unique_guidance_names_each_holder_and_where_to_remove_it():
    d = directory([cloud(UPN, proxies=(f"SMTP:{UPN}", "smtp:team@contoso.com")),
                   cloud(BOB, proxies=(f"SMTP:{BOB}", "smtp:al@contoso.com"))],
                  [onprem(UPN, proxies=(f"SMTP:{UPN}", "smtp:team@contoso.com", "smtp:al@contoso.com"))],
                  groups=[group("team@contoso.com")], contacts=[contact(UPN)])
    text = guidance(plan(d, "proxy-unique"), "proxy-unique")
    assert "Set-DistributionGroup 'team@contoso.com' -EmailAddresses @{remove='smtp:team@contoso.com'}" in text
    assert f"Set-Mailbox '{BOB}' -EmailAddresses @{{remove='smtp:al@contoso.com'}}" in text
    assert "Set-MailContact" in text and f"it is {UPN}'s own UPN" in text
    assert f"remove it from mail/proxyAddresses of CN=alice,{STAFF} in AD" in text


def test_single_match_guidance_follows_the_prediction():
    ad = onprem(UPN)
    bob = cloud(BOB, immutable_id=ad.anchor)
    text = guidance(plan(directory([cloud(UPN), bob], [ad]), "single-match"), "single-match")
    assert f"PATCH /users/{bob.id}" in text and BOB in text

    stolen = directory([cloud(UPN), cloud(BOB)], [onprem(UPN, mail=BOB, proxies=(f"SMTP:{BOB}",))])
    assert "anchor-ready" in guidance(plan(stolen, "single-match"), "single-match")

    admin = directory([cloud(UPN)], [onprem(UPN)], roles_known=True,
                      role_assignments=[RoleAssignment(cloud(UPN).id, "Global Administrator")])
    assert "no-admin-role" in guidance(plan(admin, "single-match"), "single-match")

    blocked = directory([cloud(UPN, immutable_id="c3RhbGU=")], [onprem(UPN)],
                        features=SyncFeatures(block_soft_match=True))
    text = guidance(plan(blocked, "single-match"), "single-match")
    assert "Soft match is blocked" in text and "c3RhbGU=" in text and "cloud-only" in text


def test_no_admin_role_guidance_names_each_role_and_how_it_is_held():
    user = cloud(UPN)
    d = directory([user], [onprem(UPN)], roles_known=True, role_assignments=[
        RoleAssignment(user.id, "Global Administrator"),
        RoleAssignment(user.id, "Privileged Role Administrator", True)])
    text = guidance(plan(d, "no-admin-role"), "no-admin-role")
    assert text.startswith("remove the Global Administrator role assignment (active) and the eligible Privileged "
                           f"Role Administrator assignment (Privileged Identity Management) from {UPN}")
    assert "separate non-admin account" in text
    unknown = refusal(plan(directory([user], [onprem(UPN)], roles_known=False), "no-admin-role"), "no-admin-role")
    assert unknown.startswith("could not check, not read: roleAssignments")      # no step for an unseen failure
    assert "RoleManagement.Read.Directory" in unknown and "Roles and administrators" in unknown


def test_in_sync_scope_guidance_says_which_ou_to_move_from_or_add():
    leaver = onprem(UPN, ou="OU=Leavers")
    text = guidance(plan(directory([cloud(UPN)], [leaver]), "in-sync-scope", scope=STAFF_ONLY), "in-sync-scope")
    assert STAFF in text and f"add OU=Leavers,{BASE}" in text and f"Move-ADObject -Identity '{leaver.dn}'" in text
    excluded = Scope(exclude=(f"OU=Old,{STAFF}",))
    d = directory([cloud(UPN)], [onprem(UPN, ou="OU=Old,OU=Staff")])
    assert f"out of the excluded OU OU=Old,{STAFF}" in guidance(plan(d, "in-sync-scope", scope=excluded),
                                                                   "in-sync-scope")
    critical = directory([cloud(UPN)], [onprem(UPN, critical=True)])
    assert "critical system object" in guidance(plan(critical, "in-sync-scope"), "in-sync-scope")


def test_orphan_onprem_guidance_names_the_probable_duplicate_or_gives_a_waiver():
    old = onprem("asmith@contoso.com", mail=None, cn="Alice Smith (old)", display_name="Alice Smith")
    d = directory([cloud("alice.smith@contoso.com", display_name="Alice Smith")], [old])
    text = guidance(plan(d, "orphan-onprem"), "orphan-onprem", subject=old.dn)
    assert ("set its userPrincipalName to alice.smith@contoso.com and its mail and SMTP: primary to "
            "alice.smith@contoso.com") in text
    lonely = onprem("svc-scan@contoso.com", mail=None, cn='Scan, "B"')
    text = guidance(plan(directory([], [lonely]), "orphan-onprem"), "orphan-onprem", subject=lonely.dn)
    waiver = text[text.index("[[waivers]]"):].replace("]] ", "]]\n").replace(", subjects", "\nsubjects")
    waiver = waiver.replace(", reason", "\nreason")
    config = parse_config(tomllib.loads(waiver))
    assert config.waivers[0].covers("orphan-onprem", lonely.dn)


def test_tenant_sync_features_guidance():
    both = directory([], [], features=SyncFeatures(block_soft_match=True,
                                                   block_cloud_object_takeover_through_hard_match=True))
    text = guidance(plan(both, "tenant-sync-features"), "tenant-sync-features", subject="tenant")
    assert "-Features @{BlockCloudObjectTakeoverThroughHardMatchEnabled = $false}" in text
    assert "anchor-ready" in text and "BlockSoftMatchEnabled" in text
    unknown = directory([], [], features=SyncFeatures(known=False))
    assert "OnPremDirectorySynchronization.Read.All" in guidance(plan(unknown, "tenant-sync-features"),
                                                                 "tenant-sync-features", subject="tenant")


# the stamping gate (anchor-ready) ---------------------------------------------------------------
def ready(*args, **kw):
    """A directory whose role assignments were read (unknown roles block stamping, as no-admin-role errs)."""
    kw.setdefault("roles_known", True)
    return directory(*args, **kw)


def test_a_ready_user_is_stamped_with_its_anchor():
    ad = onprem(UPN)
    user = cloud(UPN)
    change = only(plan(ready([user], [ad]), "anchor-ready"), "anchor-ready")
    assert (change.target, change.op, change.object, change.attribute) == ("cloud", "patch", user.id,
                                                                            "onPremisesImmutableId")
    assert (change.remove, change.add, change.safety) == ([], [ad.anchor], "safe")


def test_stamping_also_writes_the_consistency_guid_when_asked():
    ad = onprem(UPN)
    p = plan(ready([cloud(UPN)], [ad]), "anchor-ready", options={"write_consistency_guid": True})
    written = [c for c in p.changes if c.attribute == "mS-DS-ConsistencyGuid"]
    assert len(written) == 1 and written[0].add == [ad.object_guid] and written[0].remove == []


@pytest.mark.parametrize("make,needle", [
    (lambda: ready([cloud(UPN)], [onprem(UPN, mail="x@contoso.com")]), "blockers fail: mail-primary-smtp"),
    (lambda: ready([cloud(UPN)], [onprem(UPN)], roles_known=False), "no-admin-role"),
    (lambda: ready([cloud(UPN)], [onprem(UPN)], roles_known=True,
                       role_assignments=[RoleAssignment(cloud(UPN).id, "Helpdesk Administrator", True)]),
     "no-admin-role"),
    (lambda: ready([cloud(UPN)], [onprem(UPN)],
                       features=SyncFeatures(block_cloud_object_takeover_through_hard_match=True)),
     "blockCloudObjectTakeoverThroughHardMatchEnabled"),
    (lambda: ready([cloud(UPN)], [onprem(UPN)], features=SyncFeatures(known=False)), "could not be read"),
    (lambda: ready([cloud(UPN)], [onprem(UPN)], domains=[Domain("contoso.com", True, "Federated")]),
     "federated domain"),
    (lambda: ready([cloud(UPN)], [onprem(UPN, consistency_guid=b"\x07" * 16),
                                      onprem(BOB, consistency_guid=b"\x07" * 16)]), "same anchor"),
    (lambda: ready([cloud(UPN), cloud(BOB, immutable_id=onprem(UPN).anchor)], [onprem(UPN)]),
     "already holds it"),
])
def test_stamping_is_refused_unless_everything_allows_it(make, needle):
    assert needle in refusal(plan(make(), "anchor-ready"), "anchor-ready")


def test_stamping_needs_every_blocker_evaluated():
    d = ready([cloud(UPN)], [onprem(UPN)])
    assert "not evaluated" in refusal(plan(d, "anchor-ready", checks=["anchor-ready"]), "anchor-ready")


def test_an_already_stamped_user_plans_nothing():
    ad = onprem(UPN)
    p = plan(ready([cloud(UPN, immutable_id=ad.anchor)], [ad]), "anchor-ready")
    assert not p.changes and not p.refused and not p.manual


def test_stamping_cures_a_single_match_failure_under_blocked_soft_match():
    ad = onprem(UPN)
    d = ready([cloud(UPN)], [ad], features=SyncFeatures(block_soft_match=True))
    result = next(s for s in run(d).subjects if s.name == UPN).results["single-match"]
    assert result.status == "fail" and result.evidence["stamping_would_match"]
    assert only(plan(d, "anchor-ready"), "anchor-ready").add == [ad.anchor]


# the command line ---------------------------------------------------------------------------------
def fix_cli(tmp_path, *extra):
    return subprocess.run([SYNCREADY, "fix", "--snapshot", str(EXAMPLE), "--config", str(EXAMPLE / "syncready.toml"),
                           *extra], capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_fix_on_a_snapshot_prints_the_plan_and_writes_nothing(tmp_path):
    proc = fix_cli(tmp_path, "--select", "mail-primary-smtp,proxy-superset,account-enabled,cloud-only", "--unsafe")
    assert proc.returncode == 1, proc.stderr
    assert "mail-primary-smtp: AD mail: henry.w@contoso.com → henry.wilson@contoso.com" in proc.stdout
    assert "account-enabled: AD userAccountControl: 514 → 512  [unsafe]" in proc.stdout
    assert "Nothing was written (dry run)" in proc.stdout and proc.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_fix_apply_on_a_snapshot_is_a_one_line_error(tmp_path):
    proc = fix_cli(tmp_path, "--select", "mail-primary-smtp", "--apply")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "snapshot" in lines[0] and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


# gaps the properties found, now closed -------------------------------------------------------------
def test_proxy_superset_leaves_an_address_another_ad_object_holds_alone():
    spare = onprem("spare@contoso.com", mail="al@contoso.com", proxies=())
    d = directory([cloud(UPN, proxies=(f"SMTP:{UPN}", "smtp:al@contoso.com"))], [onprem(UPN), spare])
    before = next(s for s in run(d).subjects if s.name == UPN).results["proxy-unique"].status
    sim = Simulator(d)
    for change in plan(d, "proxy-superset").changes:
        sim.apply(change)
    after = next(s for s in run(sim.directory).subjects if s.name == UPN).results["proxy-unique"].status
    assert (before, after) == ("pass", "pass")


def test_a_case_only_rewrite_reads_as_not_yet_done():
    d = directory([cloud(UPN, given_name="ann")], [onprem(UPN, given_name="Ann")])
    change = only(plan(d, "attribute-drift"), "attribute-drift")
    assert (change.remove, change.add) == (["Ann"], ["ann"])
    assert state_of(change, ["Ann"]) == "before"


def test_stamping_is_refused_when_a_blocker_is_only_waived():
    """A waiver accepts a failure for reporting; it does not make hard match safe."""
    from syncready.config import Config, Waiver
    from syncready.engine import Engine
    from syncready.fixing import build_plan

    d = directory([cloud(UPN)], [onprem(UPN, mail="x@contoso.com")], roles_known=True)
    config = Config(waivers=(Waiver("mail-primary-smtp", (UPN,), "accepted for the pilot"),))
    result = Engine(d, config).run()
    subject = next(s for s in result.subjects if s.name == UPN)
    assert subject.results["mail-primary-smtp"].status == "waived"
    plan = build_plan(result, ["anchor-ready"])
    assert not plan.changes and "mail-primary-smtp" in plan.refused[0].guidance
