"""The 2026 hard-match hardening (SPEC §10): previously-synced, cloud-managed, sid-unique, the changed
no-admin-role and tenant-sync-features, and their fixers' plans — Microsoft's scenarios on hand-built
directories, plus the engine and `pytest checks/` agreeing on a snapshot that carries them."""
from __future__ import annotations

import json
import uuid

import pytest

from builders import cloud, directory, onprem, outcome, run
from syncready.matching import names_object_guid
from syncready.engine import Engine
from syncready.fixing import build_plan
from syncready.model import CloudObject, RoleAssignment, SyncFeatures
from syncready.plan import Change
from syncready.sid import sid_from_text
from syncready.sources.ldif import write_ldif
from syncready.sources.snapshot import read_snapshot
from syncready.writers.graph_writer import undo_refusal

UPN = "alice@contoso.com"
OLD_GUID = uuid.UUID("88666888-0101-1111-bbbb-1234567890ab")
OLD_SID = "S-1-5-21-1004336348-1177238915-682003330-1107"
NEW_SID = "S-1-5-21-1004336348-1177238915-682003330-2210"


def ad_user(sid: str = NEW_SID, **kw):
    return onprem(UPN, sam="alice", object_sid=sid_from_text(sid), **kw)


def left_sync(**kw):
    """A cloud user an earlier sync left: onPremisesSyncEnabled false, the marks of that sync."""
    kw.setdefault("sync_enabled", False)
    kw.setdefault("last_sync", "2023-04-01T10:00:00Z")
    return cloud(UPN, **kw)


# previously-synced ----------------------------------------------------------------------------------
def test_ad_user_recreated_after_an_earlier_sync_is_blocked_with_both_values():
    ad = ad_user()
    user = left_sync(object_identifier=str(OLD_GUID), security_identifier=OLD_SID)
    result = outcome(directory([user], [ad]), "previously-synced", UPN)
    assert result.status == "fail"
    new_guid = str(uuid.UUID(bytes_le=ad.object_guid))
    for text in (str(OLD_GUID), new_guid, OLD_SID, NEW_SID, "AttributeUpdateNotAllowed",
                 "Hard match operation blocked due to security hardening", f"/beta/users/{user.id}",
                 "User-OnPremisesSyncBehavior.ReadWrite.All", "Clear-ADSyncToolsOnPremisesAttribute",
                 "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled"):
        assert text in result.message, text
    assert result.evidence["stale"] == {"onPremisesObjectIdentifier": str(OLD_GUID),
                                        "onPremisesSecurityIdentifier": OLD_SID}


def test_the_same_object_returning_passes():
    ad = ad_user()
    guid = uuid.UUID(bytes_le=ad.object_guid)
    for identifier in (str(guid), str(guid).upper(), "{" + str(guid) + "}"):
        user = left_sync(object_identifier=identifier, security_identifier=NEW_SID, onprem_sam="alice")
        result = outcome(directory([user], [ad]), "previously-synced", UPN)
        assert result.status == "pass" and "returns as the same object" in result.message


def test_same_sid_passes_but_says_entra_checks_the_unreturned_object_identifier():
    result = outcome(directory([left_sync(security_identifier=NEW_SID)], [ad_user()]), "previously-synced", UPN)
    assert result.status == "pass" and "returns as the same object" in result.message
    assert "onPremisesObjectIdentifier" in result.message and "Entra also checks" in result.message


def test_a_stale_immutable_id_or_another_sam_is_a_leftover_of_another_object():
    ad = ad_user()
    stale = outcome(directory([left_sync(immutable_id="AAAAAAAAAAAAAAAAAAAAAA==")], [ad]), "previously-synced", UPN)
    assert stale.status == "fail" and "AAAAAAAAAAAAAAAAAAAAAA==" in stale.message and ad.anchor in stale.message
    renamed = outcome(directory([left_sync(onprem_sam="alice.old")], [ad]), "previously-synced", UPN)
    assert renamed.status == "fail" and "alice.old" in renamed.message


def test_bypass_flag_passes_with_a_note():
    d = directory([left_sync(object_identifier=str(OLD_GUID))], [ad_user()],
                  features=SyncFeatures(allow_object_identifier_update=True))
    result = outcome(d, "previously-synced", UPN)
    assert result.status == "pass" and "temporary bypass" in result.message and "turn it off" in result.message


def test_leftovers_without_a_counterpart_are_skipped_with_them_as_evidence():
    result = outcome(directory([left_sync(security_identifier=OLD_SID)], []), "previously-synced", UPN)
    assert result.status == "skip" and "upn-exists" in result.message
    assert result.evidence["leftovers"]["onPremisesSecurityIdentifier"] == OLD_SID


def test_never_synced_users_pass_and_a_prestamped_immutable_id_is_cloud_onlys():
    ad = ad_user()
    assert outcome(directory([cloud(UPN)], [ad]), "previously-synced", UPN).status == "pass"
    assert outcome(directory([cloud(UPN, immutable_id="AAAAAAAAAAAAAAAAAAAAAA==")], [ad]),
                   "previously-synced", UPN).message is None


def test_object_identifier_formats():
    raw = OLD_GUID.bytes_le
    assert names_object_guid(str(OLD_GUID), raw) and names_object_guid("iGhmiAEBERG7uxI0VniQqw==", raw)
    assert not names_object_guid("iGZoiAEBERG7uxI0VniQqw==", raw)     # RFC byte order: another GUID
    assert not names_object_guid("not a guid", raw)


# cloud-managed ----------------------------------------------------------------------------------------
def test_a_user_moved_to_cloud_management_is_blocked():
    user = cloud(UPN, cloud_managed=True, security_identifier=NEW_SID)
    result = outcome(directory([user], [ad_user()]), "cloud-managed", UPN)
    assert result.status == "fail" and "6956" in result.message and '"isCloudManaged": false' in result.message
    assert result.evidence["isCloudManaged"] is True


def test_cloud_managed_not_read_is_an_error_for_exactly_the_previously_synced_users():
    never = cloud("bob@contoso.com")
    before = left_sync()
    d = directory([never, before], [ad_user()])
    d.coverage.not_read("users.onPremisesSyncBehavior", "403 Authorization_RequestDenied for 1 user",
                        how="grant User-OnPremisesSyncBehavior.ReadWrite.All")
    results = {s.name: s.results["cloud-managed"] for s in run(d, select=["cloud-managed"]).subjects}
    assert results["bob@contoso.com"].status == "pass"
    assert results[UPN].status == "error" and results[UPN].message.startswith("not read: users.onPremisesSyncBehavior")
    assert "403" in results[UPN].message and "User-OnPremisesSyncBehavior.ReadWrite.All" in results[UPN].message
    assert outcome(directory([left_sync(cloud_managed=False)], [ad_user()]), "cloud-managed", UPN).status == "pass"


# sid-unique ---------------------------------------------------------------------------------------------
def test_a_sid_held_by_another_cloud_user_is_named_with_both():
    other = cloud("alice.old@contoso.com", sync_enabled=False, security_identifier=NEW_SID)
    result = outcome(directory([cloud(UPN), other], [ad_user()]), "sid-unique", UPN)
    assert result.status == "fail" and "AttributeValueMustBeUnique" in result.message
    assert "OnPremiseSecurityIdentifier" in result.message and "alice.old@contoso.com" in result.message
    assert NEW_SID in result.message and result.evidence["holders"][0]["id"] == other.id
    own = directory([cloud(UPN, security_identifier=NEW_SID)], [ad_user()])
    assert outcome(own, "sid-unique", UPN).status == "pass"


def test_unread_sids_are_an_error_only_where_a_cloud_user_could_hold_one():
    d = directory([cloud(UPN), cloud("old@contoso.com", sync_enabled=False)], [ad_user()])
    d.coverage.read("users", 2, missing=["onPremisesSecurityIdentifier"])
    assert outcome(d, "sid-unique", UPN).status == "error"
    fresh = directory([cloud(UPN)], [ad_user()])
    fresh.coverage.read("users", 1, missing=["onPremisesSecurityIdentifier"])
    assert outcome(fresh, "sid-unique", UPN).status == "pass"


# no-admin-role, tenant-sync-features -----------------------------------------------------------------
@pytest.mark.parametrize("eligible", [False, True])
@pytest.mark.parametrize("through_group", [False, True])
def test_a_privileged_user_is_blocked_for_hard_match_too(eligible, through_group):
    user = cloud(UPN)
    group = CloudObject(id="9d0a1f3e-0000-4000-8000-00000000000a", kind="group", display_name="PIM Admins")
    principal = group.id if through_group else user.id
    d = directory([user], [ad_user()], groups=[group],
                  role_assignments=[RoleAssignment(principal, "Global Administrator", eligible=eligible,
                                                   principal_type="group" if through_group else None)],
                  group_members={group.id: (user.id,)} if through_group else {})
    result = outcome(d, "no-admin-role", UPN)
    assert result.status == "fail" and ("eligible" if eligible else "active") in result.message
    assert "PIM Admins" in result.message if through_group else True
    for text in ("hard match", "2026-07-01", "2026-06-01", "privileged", "any Entra role", "restore"):
        assert text in result.message, text
    guidance = [m.guidance for m in build_plan(run(d), ["no-admin-role"]).manual][0]
    assert "restore" in guidance and ("from the group" in guidance) == through_group


def tenant(**features):
    d = directory([], [], features=SyncFeatures(**features))
    return run(d, select=["tenant-sync-features"]).subjects[0].results["tenant-sync-features"]


def test_tenant_warns_while_the_object_identifier_bypass_is_on_and_reports_password_features():
    result = tenant(allow_object_identifier_update=True, password_sync=True)
    assert result.status == "pass" and "temporary bypass" in result.message
    assert "blockSoftMatchEnabled" in result.message and "InvalidSoftMatch" in result.message
    assert result.evidence["passwordSyncEnabled"] is True
    assert result.evidence["userForcePasswordChangeOnLogonEnabled"] is False
    assert "cloudPasswordPolicyForPasswordSyncedUsersEnabled" in result.evidence
    assert tenant().message is None
    both = directory([], [], features=SyncFeatures(block_soft_match=True,
                                                   block_cloud_object_takeover_through_hard_match=True))
    text = [m.guidance for m in build_plan(run(both), ["tenant-sync-features"]).manual][0]
    assert "back on" in text and "InvalidSoftMatch" in text


# fixers -------------------------------------------------------------------------------------------------
def test_previously_synced_fixer_clears_the_leftovers_and_says_undo_cannot_restore_the_identifier():
    user = left_sync(object_identifier=str(OLD_GUID), security_identifier=OLD_SID)
    p = build_plan(run(directory([user], [ad_user()])), ["previously-synced"], unsafe=True)
    by_attr = {c.attribute: c for c in p.changes}
    assert set(by_attr) == {"onPremisesObjectIdentifier", "onPremisesSecurityIdentifier"}
    assert by_attr["onPremisesObjectIdentifier"].remove == [str(OLD_GUID)] and not by_attr[
        "onPremisesObjectIdentifier"].add
    assert "undo cannot write" in by_attr["onPremisesObjectIdentifier"].note
    assert undo_refusal(by_attr["onPremisesObjectIdentifier"]).startswith("Graph accepts only null")
    assert undo_refusal(by_attr["onPremisesSecurityIdentifier"]) is None
    safe_only = build_plan(run(directory([user], [ad_user()])), ["previously-synced"], unsafe=False)
    assert not safe_only.changes and safe_only.refused


def test_previously_synced_fixer_leaves_an_immutable_id_naming_another_ad_user():
    other = onprem("bob@contoso.com", sam="bob")
    user = left_sync(immutable_id=other.anchor)
    p = build_plan(run(directory([user], [ad_user(), other])), ["previously-synced"], unsafe=True)
    assert not [c for c in p.changes if c.check == "previously-synced"]
    assert any("bob" in m.guidance for m in p.refused), p.render()


def test_manual_fixers_give_paste_ready_steps():
    other = cloud("alice.old@contoso.com", sync_enabled=False, security_identifier=NEW_SID)
    d = directory([cloud(UPN, cloud_managed=True), other], [ad_user()])
    manual = {m.check: m.guidance for m in build_plan(run(d), ["cloud-managed", "sid-unique"]).manual}
    assert "Invoke-MgGraphRequest -Method PATCH" in manual["cloud-managed"]
    assert f"/beta/users/{other.id}" in manual["sid-unique"] and "Clear-ADSyncToolsOnPremisesAttribute" in manual[
        "sid-unique"]


def test_undo_refusal_only_for_clearing_the_object_identifier():
    clear = Change("previously-synced", UPN, "cloud", "patch", "id", "onPremisesObjectIdentifier", remove=["x"])
    assert undo_refusal(clear) and undo_refusal(clear.inverse()) is None
    assert undo_refusal(Change("cloud-only", UPN, "cloud", "patch", "id", "onPremisesImmutableId",
                               remove=["x"])) is None


# both front ends -----------------------------------------------------------------------------------------
def test_engine_and_pytest_front_end_agree_on_the_hardening_scenarios(tmp_path):
    guid = uuid.uuid4()
    users = [
        {"id": str(uuid.uuid4()), "userPrincipalName": f"{name}@contoso.com", "mail": f"{name}@contoso.com",
         "proxyAddresses": [f"SMTP:{name}@contoso.com"], "userType": "Member", "accountEnabled": True,
         "onPremisesImmutableId": None, "onPremisesSyncEnabled": sync, "onPremisesSecurityIdentifier": sid,
         "onPremisesLastSyncDateTime": "2023-04-01T10:00:00Z" if sync is False else None,
         "onPremisesObjectIdentifier": ident, "onPremisesSyncBehavior": behavior}
        for name, sync, sid, ident, behavior in (
            ("ann", False, OLD_SID, str(OLD_GUID), {"isCloudManaged": False}),   # recreated in AD
            ("bob", False, NEW_SID, str(guid), {"isCloudManaged": False}),       # returns
            ("cy", None, None, None, {"isCloudManaged": True}),                  # cloud-managed
            ("dee", None, None, None, None))]                                    # never synced
    ad = [(f"CN={name},OU=Staff,DC=contoso,DC=test",
           {"objectClass": ["top", "person", "organizationalPerson", "user"], "cn": [name],
            "objectGUID": [g.bytes_le], "sAMAccountName": [name], "userPrincipalName": [f"{name}@contoso.com"],
            "objectSid": [sid_from_text(s)], "mail": [f"{name}@contoso.com"]})
          for name, g, s in (("ann", uuid.uuid4(), "S-1-5-21-1-2-3-1001"), ("bob", guid, NEW_SID),
                             ("cy", uuid.uuid4(), "S-1-5-21-1-2-3-1003"), ("dee", uuid.uuid4(), "S-1-5-21-1-2-3-1004"))]
    (tmp_path / "cloud").mkdir()
    (tmp_path / "onprem").mkdir()
    (tmp_path / "cloud" / "users.json").write_text(json.dumps(users))
    with open(tmp_path / "onprem" / "ad.ldif", "w") as fp:
        write_ldif(fp, ad)
    select = ["previously-synced", "cloud-managed", "sid-unique"]
    engine_run = Engine(read_snapshot(tmp_path), select=select).run()
    statuses = {(s.name.split("@")[0], c): r.status for s in engine_run.subjects for c, r in s.results.items()}
    assert statuses[("ann", "previously-synced")] == "fail" and statuses[("bob", "previously-synced")] == "pass"
    assert statuses[("cy", "cloud-managed")] == "fail" and statuses[("dee", "cloud-managed")] == "pass"

    seen: dict[str, str] = {}

    class Collect:
        def pytest_runtest_logreport(self, report):
            if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
                seen[report.nodeid.split("::", 1)[1]] = report.outcome

    pytest.main(["checks/", "--snapshot", str(tmp_path), "-k", " or ".join(s.replace("-", "_") for s in select),
                 "-p", "no:cacheprovider", "-p", "no:terminal"], plugins=[Collect()])
    expected = {f"{c}[{s.name}]": {"pass": "passed", "fail": "failed", "skip": "skipped", "error": "failed"}[r.status]
                for s in engine_run.subjects for c, r in s.results.items()}
    assert {k: v for k, v in seen.items() if k.split("[")[0] in select} == expected


def test_an_objectguid_anchor_configured_is_what_previously_synced_compares():
    """[sync] source_anchor = objectGUID: a copied mS-DS-ConsistencyGuid is not the anchor, the objectGUID is."""
    from syncready.config import Config
    from syncready.immutableid import anchor_from_bytes
    from syncready.model import SyncSettings

    ad = ad_user(consistency_guid=OLD_GUID.bytes_le)
    user = left_sync(immutable_id=anchor_from_bytes(ad.object_guid))
    config = Config(sync=SyncSettings(source_anchor="objectGUID"))
    result = Engine(directory([user], [ad]), config, select=["previously-synced"]).run().subjects[0].results[
        "previously-synced"]
    assert result.status == "pass" and "objectGUID anchor" in result.message
    default = outcome(directory([user], [ad]), "previously-synced", UPN)
    assert default.status == "fail" and "onPremisesImmutableId" in default.message
