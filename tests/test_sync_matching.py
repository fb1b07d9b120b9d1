"""Issue 11 scenarios for the sync client, the anchor attribute and the 2026 matching blockers (SPEC §10)."""
from __future__ import annotations

import json
import uuid

import pytest

from builders import cloud, directory, onprem, outcome, run
from syncready.config import parse_config
from syncready.fixing import build_plan
from syncready.immutableid import anchor_from_bytes
from syncready.model import RoleAssignment, SyncFeatures, SyncSettings
from syncready.results import results_document
from syncready.vocab import SourceAnchor, Status

CLOUD_SYNC = SyncSettings(client="cloud-sync")
OBJECT_GUID = SyncSettings(source_anchor=SourceAnchor.OBJECT_GUID)
FOREIGN = uuid.UUID("5e1f0c2a-7b1d-4c55-9d1e-0a6b3c2d1e0f").bytes_le     # another forest's user's objectGUID
FEATURES = SyncFeatures(known=True, soft_match_on_upn=True)


def upn_only():
    """A cloud user without a mailbox address the AD user has: only the UPN can match them."""
    return directory([cloud("ann@contoso.com", mail=None, proxies=())],
                     [onprem("ann@contoso.com", mail=None, proxies=())], features=FEATURES)


def test_a_upn_only_match_under_cloud_sync_is_a_warning():
    result = outcome(upn_only(), "sync-client-match", "ann@contoso.com", sync=CLOUD_SYNC)
    assert result.status == Status.FAIL
    assert "Microsoft documents no UPN soft match for Cloud Sync" in result.message
    assert "anchor-ready" in result.message and "primary SMTP" in result.message
    assert result.evidence["client"] == "cloud-sync" and result.evidence["how"] == "upn"
    subject = next(s for s in run(upn_only(), sync=CLOUD_SYNC).subjects if s.name == "ann@contoso.com")
    assert subject.readiness == "at-risk"


def test_a_upn_only_match_under_connect_sync_is_not_flagged():
    result = outcome(upn_only(), "sync-client-match", "ann@contoso.com")
    assert result.status == Status.SKIP and "connect-sync" in result.message
    assert outcome(upn_only(), "single-match", "ann@contoso.com").status == Status.PASS
    subject = next(s for s in run(upn_only()).subjects if s.name == "ann@contoso.com")
    assert subject.readiness == "ready"


def test_an_smtp_match_under_cloud_sync_passes():
    d = directory([cloud("bob@contoso.com")], [onprem("bob@contoso.com")], features=FEATURES)
    assert outcome(d, "sync-client-match", "bob@contoso.com", sync=CLOUD_SYNC).status == Status.PASS


def test_the_guidance_names_the_stamping_and_the_address():
    plan = build_plan(run(upn_only(), sync=CLOUD_SYNC), ["sync-client-match"])
    (item,) = plan.manual
    assert "anchor-ready" in item.guidance and "writes nothing back" in item.guidance


def foreign_guid_tenant(stamped: bool = True):
    """An objectGUID-anchor tenant (an older Connect Sync install) where a migration tool copied a
    foreign mS-DS-ConsistencyGuid onto two AD users; the cloud user was stamped with the objectGUID anchor."""
    ann = onprem("ann@contoso.com", consistency_guid=FOREIGN)
    bob = onprem("bob@contoso.com", consistency_guid=FOREIGN)
    users = [cloud("ann@contoso.com", immutable_id=anchor_from_bytes(ann.object_guid) if stamped else None),
             cloud("bob@contoso.com")]
    return directory(users, [ann, bob], features=FEATURES), ann


def test_the_objectguid_anchor_ignores_a_copied_consistency_guid():
    d, ann = foreign_guid_tenant()
    own = anchor_from_bytes(ann.object_guid)
    for check_id in ("cloud-only", "single-match", "anchor-ready"):
        result = outcome(d, check_id, "ann@contoso.com", sync=OBJECT_GUID)
        assert result.status == Status.PASS, (check_id, result.message)
    subject = next(s for s in run(d, sync=OBJECT_GUID).subjects if s.name == "ann@contoso.com")
    doc = results_document(run(d, sync=OBJECT_GUID))
    entry = next(e for e in doc["subjects"] if e["subject"] == "ann@contoso.com")
    assert entry["onprem"]["anchor"] == own and subject.readiness == "ready"


def test_the_default_anchor_would_take_the_copied_consistency_guid():
    """The same tenant read with the default rule: the foreign value is the anchor, shared by two users."""
    d, ann = foreign_guid_tenant()
    result = outcome(d, "cloud-only", "ann@contoso.com")
    assert result.status == Status.FAIL and result.evidence["anchor_attribute"] == "mS-DS-ConsistencyGuid"
    assert result.evidence["onprem_anchor"] == anchor_from_bytes(FOREIGN)
    twins = outcome(d, "anchor-ready", "bob@contoso.com")
    assert twins.status == Status.FAIL and "same anchor" in twins.message


def test_stamping_follows_the_objectguid_anchor():
    d, ann = foreign_guid_tenant(stamped=False)
    plan = build_plan(run(d, sync=OBJECT_GUID), ["anchor-ready"], options={"write_consistency_guid": True})
    stamps = {c.subject: c.add for c in plan.changes}
    assert stamps["ann@contoso.com"] == [anchor_from_bytes(ann.object_guid)]
    assert all(c.attribute == "onPremisesImmutableId" for c in plan.changes)   # no ConsistencyGuid write
    result = outcome(d, "anchor-ready", "ann@contoso.com", sync=OBJECT_GUID)
    assert result.evidence is None or result.evidence.get("anchor_attribute") in (None, "objectGUID")


def test_evidence_names_the_anchor_attribute():
    d, _ = foreign_guid_tenant()
    d.cloud_users[0].immutable_id = "c3RhbGU="
    assert outcome(d, "cloud-only", "ann@contoso.com", sync=OBJECT_GUID).evidence["anchor_attribute"] == "objectGUID"
    assert outcome(d, "single-match", "ann@contoso.com", sync=OBJECT_GUID).evidence["anchor_attribute"] == "objectGUID"


def test_under_cloud_sync_anchor_ready_never_advises_clearing_the_consistency_guid():
    d, _ = foreign_guid_tenant(stamped=False)
    result = outcome(d, "anchor-ready", "bob@contoso.com", sync=CLOUD_SYNC)
    assert result.status == Status.FAIL and "clear the copied" not in result.message
    assert "own objectGUID" in result.message and "writeback" in result.message
    assert "clear the copied one" in outcome(d, "anchor-ready", "bob@contoso.com").message


def hard(user_kw=None, features=None):
    ad = onprem("ann@contoso.com")
    user = cloud("ann@contoso.com", immutable_id=ad.anchor, **(user_kw or {}))
    return directory([user], [ad], features=features or FEATURES), ad


def test_a_cloud_managed_user_is_not_taken_over():
    d, _ = hard({"cloud_managed": True})
    result = outcome(d, "single-match", "ann@contoso.com")
    assert result.status == Status.FAIL and "isCloudManaged" in result.message and "6956" in result.message
    orphan = outcome(d, "orphan-onprem", "CN=ann,OU=Staff,DC=contoso,DC=test")
    assert orphan.status == Status.FAIL


def test_an_object_identifier_of_another_object_blocks_the_hard_match():
    d, ad = hard({"object_identifier": str(uuid.uuid4())})
    result = outcome(d, "single-match", "ann@contoso.com")
    assert result.status == Status.FAIL and "AttributeUpdateNotAllowed" in result.message
    assert "Hard match operation blocked due to security hardening. Review OnPremisesObjectIdentifier mapping." \
        in result.message
    bypass = SyncFeatures(known=True, soft_match_on_upn=True, allow_object_identifier_update=True)
    d2, _ = hard({"object_identifier": str(uuid.uuid4())}, bypass)
    assert outcome(d2, "single-match", "ann@contoso.com").status == Status.PASS


@pytest.mark.parametrize("form", [str, lambda u: str(u).upper(), lambda u: "{" + str(u) + "}"])
def test_the_same_object_returning_is_hard_matched(form):
    ad = onprem("ann@contoso.com")
    user = cloud("ann@contoso.com", immutable_id=ad.anchor, object_identifier=form(uuid.UUID(bytes_le=ad.object_guid)))
    d = directory([user], [ad], features=FEATURES)
    assert outcome(d, "single-match", "ann@contoso.com").status == Status.PASS


def test_a_role_blocks_the_hard_match_too():
    d, _ = hard()
    d.role_assignments = [RoleAssignment(d.cloud_users[0].id, "User Administrator", eligible=True)]
    result = outcome(d, "single-match", "ann@contoso.com")
    assert result.status == Status.FAIL and "hard match" in result.message and "(eligible)" in result.message
    assert "Microsoft says privileged roles, the what's-new entry says any Entra role" in result.message


def test_a_soft_match_onto_another_immutable_id_names_attribute_value_must_be_unique():
    d = directory([cloud("ann@contoso.com", immutable_id="c3RhbGU=")], [onprem("ann@contoso.com")], features=FEATURES)
    result = outcome(d, "single-match", "ann@contoso.com")
    assert "InvalidSoftMatch" in result.message and "AttributeValueMustBeUnique" in result.message
    cloud_only = outcome(d, "cloud-only", "ann@contoso.com")
    assert "AttributeValueMustBeUnique" in cloud_only.message and "InvalidSoftMatch" in cloud_only.message


def test_an_unread_sync_behavior_of_a_previously_synced_match_is_an_error():
    d, _ = hard({"sync_enabled": False})
    d.coverage.not_read("users.onPremisesSyncBehavior", "403", how="grant User-OnPremisesSyncBehavior.ReadWrite.All")
    result = outcome(d, "single-match", "ann@contoso.com")
    assert result.status == Status.ERROR and "users.onPremisesSyncBehavior" in result.evidence["unread"][0]


def test_sync_settings_come_from_the_configuration():
    config = parse_config({"sync": {"client": "cloud-sync"}})
    result = outcome(upn_only(), "sync-client-match", "ann@contoso.com", sync=config.sync)
    assert result.status == Status.FAIL
    assert json.dumps(result.evidence)
