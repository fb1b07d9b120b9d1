"""The stamping refuses while Entra would refuse the hard match; cloud-only's second fix writes the cloud
ImmutableID into mS-DS-ConsistencyGuid (Microsoft's fix for the same person), fix then check."""
from __future__ import annotations

import uuid

from builders import cloud, directory, onprem, run
from syncready.fixing import build_plan
from syncready.immutableid import anchor_from_bytes
from syncready.model import Domain, SyncFeatures, SyncSettings
from syncready.registry import check_ids
from syncready.vocab import Status

FEATURES = SyncFeatures(known=True, soft_match_on_upn=True)
GONE = uuid.UUID("77777777-1111-2222-3333-444444444444").bytes_le     # an AD object deleted since
WRITE = {"stale_immutable_id": "write-to-ad"}


def test_no_stamping_while_cloud_managed_fails_even_as_a_warning():
    assert "cloud-managed" in check_ids()
    d = directory([cloud("ann@contoso.com", cloud_managed=True, sync_enabled=None)], [onprem("ann@contoso.com")],
                  features=FEATURES)
    plan = build_plan(run(d, severity={"cloud-managed": "warning", "single-match": "warning"}), ["anchor-ready"])
    assert plan.changes == []
    assert any("cloud-managed" in r.guidance for r in plan.refused), [r.guidance for r in plan.refused]


def stale(domain="Managed", **kw):
    ad = onprem("ann@contoso.com", **kw)
    user = cloud("ann@contoso.com", immutable_id=anchor_from_bytes(GONE))
    d = directory([user], [ad], features=FEATURES,
                  domains=[Domain("contoso.com", True, domain),
                           Domain("contoso.onmicrosoft.com", True, is_initial=True)])
    return d, ad


def test_write_to_ad_makes_the_cloud_value_the_anchor_then_cloud_only_passes():
    d, ad = stale()
    plan = build_plan(run(d, select=["cloud-only"]), ["cloud-only"], unsafe=True, options=WRITE)
    (change,) = plan.changes
    assert (change.target, change.object, change.attribute) == ("onprem", ad.dn, "mS-DS-ConsistencyGuid")
    assert change.remove == [] and change.add == [GONE] and change.safety in (None, "unsafe")
    assert "Microsoft's fix" in change.note
    ad.consistency_guid = GONE
    ad._anchor = None
    after = run(d)
    results = next(s for s in after.subjects if s.name == "ann@contoso.com").results
    assert results["cloud-only"].status == Status.PASS and results["single-match"].status == Status.PASS
    assert not build_plan(run(d, select=["cloud-only"]), ["cloud-only"], unsafe=True, options=WRITE).changes


def test_write_to_ad_replaces_an_existing_consistency_guid_exactly():
    old = uuid.UUID("12121212-3434-5656-7878-909090909090").bytes_le
    d, ad = stale(consistency_guid=old)
    (change,) = build_plan(run(d), ["cloud-only"], unsafe=True, options=WRITE).changes
    assert change.remove == [old] and change.add == [GONE]
    assert change.inverse().remove == [GONE] and change.inverse().add == [old]


def test_the_default_still_clears_and_names_the_other_fix():
    d, _ = stale()
    (change,) = build_plan(run(d), ["cloud-only"], unsafe=True).changes
    assert change.attribute == "onPremisesImmutableId" and change.add == [] and "write-to-ad" in change.note


def test_in_a_federated_domain_the_ad_write_is_chosen():
    d, ad = stale("Federated")
    (change,) = build_plan(run(d), ["cloud-only"], unsafe=True).changes
    assert change.attribute == "mS-DS-ConsistencyGuid" and change.object == ad.dn


def test_write_to_ad_is_refused_where_it_cannot_be_right():
    d, _ = stale()
    cfg = run(d, sync=SyncSettings(source_anchor="objectGUID"))
    plan = build_plan(cfg, ["cloud-only"], unsafe=True, options=WRITE)
    assert not plan.changes and "source_anchor is objectGUID" in plan.refused[0].guidance
    d, _ = stale()
    d.onprem.append(onprem("zed@contoso.com"))
    d.onprem[-1].object_guid = GONE                 # the value names an existing AD object
    plan = build_plan(run(d), ["cloud-only"], unsafe=True, options=WRITE)
    assert not plan.changes and plan.refused
    d, _ = stale()
    d.cloud_users.append(cloud("bob@contoso.com", immutable_id=anchor_from_bytes(GONE)))
    plan = build_plan(run(d), ["cloud-only"], unsafe=True, options=WRITE)
    assert [r.guidance for r in plan.refused if "ambiguous" in r.guidance]


def test_clearing_is_refused_where_it_would_open_an_smtp_join_of_another_ad_user():
    """Found by tools/explore.sh (seed 11): with the stale ImmutableID cleared, an in-scope AD user with
    another UPN but the cloud user's primary SMTP address would soft-match it first (SMTP before UPN),
    merging another person; neither fixer that clears the ImmutableID may plan it."""
    d, _ = stale()
    d.onprem.append(onprem("spare@contoso.com", mail="ann@contoso.com"))
    for check in ("cloud-only", "previously-synced"):
        plan = build_plan(run(d), [check], unsafe=True)
        assert not [c for c in plan.changes if c.attribute == "onPremisesImmutableId"], check
    plan = build_plan(run(d), ["cloud-only"], unsafe=True)
    assert any("CN=spare" in r.guidance and "soft-match" in r.guidance for r in plan.refused)
    d.features = SyncFeatures(known=True, soft_match_on_upn=True, block_soft_match=True)
    (change,) = build_plan(run(d), ["cloud-only"], unsafe=True).changes     # soft match blocked: nothing opens
    assert change.attribute == "onPremisesImmutableId"
