"""`syncready verify`: each prediction of a saved pre-cutover run against the tenant after the first sync.

The evidence of a join is Entra's own: a synchronized cloud user (onPremisesSyncEnabled true)
whose onPremisesImmutableId is the AD user's anchor. Per AD user of the run: joined to the
predicted cloud user (matched), to another existing one (wrong merge), to a new one although the
person had a cloud user (duplicate; its UPN is often quarantined), or not yet (not exported, or
filtered out of the scope). Per cloud user the run expected to stay cloud-only: still cloud-only,
or taken over. Every onPremisesProvisioningErrors entry, on users, groups and contacts
(verifyobjects), is a finding with Microsoft's error name; groups and contacts are counted apart.
The document this builds is what every verify output renders.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

from . import __version__
from .config import Config
from .index import Index
from .model import CloudUser, Directory, OnPremObject
from .verifyattrs import attribute_findings
from .verifyexpect import Expected, Prediction
from .verifyobjects import OBJECT_KINDS, object_findings, objects_failing, objects_unread
from .verifyrules import (EXISTING_TENANT, FAILING_OUTCOMES, PENDING_OUTCOMES, RESILIENCY, SYNC_ERRORS, Outcome,
                          duplicate_steps, error_name, gates, pending_steps, quarantined, recovery, takeover_steps,
                          wrong_merge_steps)

SCHEMA = "syncready/verify/1"


class Tenant:
    """The tenant and AD as they are now, indexed for the comparison."""

    def __init__(self, directory: Directory, config: Config):
        self.directory = directory
        self.config = config
        self.index = Index(directory, config)
        self.by_id = {u.id: u for u in directory.cloud_users}
        self.by_anchor: dict[str, list[CloudUser]] = {}
        for user in directory.cloud_users:
            if user.immutable_id:
                self.by_anchor.setdefault(user.immutable_id, []).append(user)
        self.ad_by_dn = {o.dn.lower(): o for o in directory.onprem if o.object_class == "user"}
        self.ad_by_anchor: dict[str, OnPremObject] = {}
        for obj in self.ad_by_dn.values():
            anchor = self.index.anchor(obj)
            if anchor:
                self.ad_by_anchor.setdefault(anchor, obj)

    def synced_holders(self, anchor: str | None) -> list[CloudUser]:
        return [u for u in self.by_anchor.get(anchor or "", ()) if u.sync_enabled]


def verify(expected: Expected, tenant: Tenant) -> list[dict]:
    """Every finding, AD users' first, then cloud-only expectations, then provisioning errors."""
    findings: list[dict] = []
    joined: set[str] = set()              # cloud ids whose join a finding about an AD user explains
    for prediction in expected.predictions:
        findings.extend(_about_ad_user(prediction, expected, tenant, joined))
    predicted = expected.predicted_ids()
    for cloud_id, entry in expected.cloud.items():
        if cloud_id in predicted or cloud_id in joined:
            continue
        findings.append(_cloud_only(cloud_id, entry, tenant))
    findings.extend(_provisioning_errors(tenant))
    findings.extend(object_findings(tenant))
    return findings


def _ref(user: CloudUser) -> dict:
    return {"id": user.id, "upn": user.upn}


def _about_ad_user(p: Prediction, expected: Expected, tenant: Tenant, joined: set[str]) -> list[dict]:
    ad = tenant.ad_by_dn.get(p.dn.lower())
    anchor = p.anchor or (tenant.index.anchor(ad) if ad is not None else None)
    twin = expected.twins.get(p.dn.lower())
    original = p.cloud_id or p.contested or twin
    holders = tenant.synced_holders(anchor)
    base = {"subject": p.dn, "onprem_dn": p.dn,
            "predicted": {"cloud_id": p.cloud_id, "cloud_upn": p.cloud_upn, "how": p.how, "anchor": anchor}
            if p.known else None}
    if holders:
        holder = holders[0]
        joined.add(holder.id)
        evidence = {"anchor": anchor, "onPremisesImmutableId": holder.immutable_id, "onPremisesSyncEnabled": True,
                    "joined": _ref(holder), "holders": [_ref(h) for h in holders]}
        if p.known and holder.id in (p.cloud_id, p.contested):
            message = (f"{p.dn} matched {holder.upn} as predicted ({p.how or 'match'})" if p.cloud_id else
                       f"{p.dn} matched {holder.upn}, one of the AD users single-match warned may join it")
            return [dict(base, outcome=Outcome.MATCHED, cloud=_ref(holder), message=message, evidence=evidence,
                         remediation=[])] + attribute_findings(expected, holder.id, holder, p.dn)
        if not p.known and holder.id in expected.cloud:
            return [dict(base, outcome=Outcome.MATCHED, cloud=_ref(holder), evidence=evidence, remediation=[],
                         message=f"{p.dn} matched {holder.upn} (the results file predates recorded targets)")]
        if holder.id in expected.cloud:
            return [_wrong_merge(base, p, holder, evidence, expected)]
        if original is not None:
            return [_duplicate(base, p, holder, original, expected, tenant, evidence)]
        message = f"{p.dn} got a new cloud user {holder.upn}, as predicted (orphan-onprem warned of it)"
        return [dict(base, outcome=Outcome.CREATED, cloud=_ref(holder), message=message, evidence=evidence,
                     remediation=[])]
    target = tenant.by_id.get(p.cloud_id or "")
    if target is not None and target.sync_enabled and target.immutable_id != anchor:
        joined.add(target.id)
        other = tenant.ad_by_anchor.get(target.immutable_id or "")
        evidence = {"anchor": anchor, "onPremisesImmutableId": target.immutable_id,
                    "joined_onprem": other.dn if other is not None else None}
        who = other.dn if other is not None else f"the AD object with anchor {target.immutable_id}"
        return [dict(base, outcome=Outcome.WRONG_MERGE, cloud=_ref(target), evidence=evidence,
                     message=f"{target.upn}, predicted for {p.dn}, was joined to {who} instead",
                     remediation=wrong_merge_steps(who, target.upn, target.upn))]
    if p.known and p.cloud_id is None and original is None:
        return [dict(base, outcome=Outcome.NOT_EXPORTED, cloud=None, evidence={"anchor": anchor},
                     message=f"{p.dn}: no cloud user holds its anchor {anchor} yet (a new one is predicted)",
                     remediation=pending_steps(Outcome.NOT_EXPORTED, p.dn))]
    if p.known and p.cloud_id is None and ad is not None and tenant.index.in_scope(ad):
        twin_entry = expected.cloud.get(original or "") or {}
        twin_upn = (twin_entry.get("cloud") or {}).get("upn") or original
        reason = expected.reason(original or "")
        return [dict(base, outcome=Outcome.UNMATCHED, cloud={"id": original, "upn": twin_upn},
                     evidence={"anchor": anchor, "run_reason": reason},
                     message=f"{p.dn} was not joined to {twin_upn}, as the run predicted: "
                             f"{reason or 'see single-match'}",
                     remediation=["Resolve the run's single-match failure for "
                                  f"{twin_upn} (the sync client's export errors name Entra's refusal), "
                                  "then run a sync cycle and verify again."])]
    return [_pending(base, p, ad, anchor, target, tenant)]


def _wrong_merge(base: dict, p: Prediction, holder: CloudUser, evidence: dict, expected: Expected) -> dict:
    before = (expected.cloud[holder.id].get("cloud") or {})
    evidence = dict(evidence, joined_before={k: before.get(k) for k in ("upn", "displayName", "primarySmtp",
                                                                        "proxyAddresses", "immutableId")},
                    joined_after={"upn": holder.upn, "displayName": holder.display_name,
                                  "proxyAddresses": list(holder.proxy_addresses)})
    predicted = (f"the predicted {p.cloud_upn or p.cloud_id}" if p.cloud_id
                 else "no cloud user (a new one was predicted)")
    message = (f"{p.dn} was joined to {holder.upn} (its onPremisesImmutableId is now the AD user's "
               f"anchor {evidence['anchor']}), not to {predicted} — the prediction was wrong")
    return dict(base, outcome=Outcome.WRONG_MERGE, cloud=_ref(holder), evidence=evidence, message=message,
                against_syncready=True, remediation=wrong_merge_steps(p.dn, holder.upn, p.cloud_upn))


def _duplicate(base: dict, p: Prediction, holder: CloudUser, original_id: str, expected: Expected,
               tenant: Tenant, evidence: dict) -> dict:
    entry = expected.cloud.get(original_id) or {}
    original_upn = (entry.get("cloud") or {}).get("upn") or p.cloud_upn
    now = tenant.by_id.get(original_id)
    evidence = dict(evidence, original={"id": original_id, "upn": original_upn,
                                        "onPremisesSyncEnabled": now.sync_enabled if now else None,
                                        "in_tenant": now is not None},
                    quarantined_upn=quarantined(holder.upn),
                    provisioning_errors=[dict(e, error=error_name(e)) for e in holder.provisioning_errors])
    warned = p.known and p.cloud_id is None
    why = ("as single-match/orphan-onprem warned" if warned else
           f"although the run predicted a {p.how or ''} match with {original_upn}".replace("  ", " "))
    upn_note = " (its UPN was quarantined by duplicate attribute resiliency)" if evidence["quarantined_upn"] else ""
    message = (f"sync created a new cloud user {holder.upn}{upn_note} for {p.dn} instead of joining "
               f"{original_upn}, {why}")
    return dict(base, outcome=Outcome.DUPLICATE, cloud=_ref(holder), evidence=evidence, message=message,
                against_syncready=not warned,
                remediation=duplicate_steps(p.dn, holder.upn, original_upn, evidence["anchor"] or "(anchor)"))


def _pending(base: dict, p: Prediction, ad: OnPremObject | None, anchor: str | None, target: CloudUser | None,
             tenant: Tenant) -> dict:
    if ad is None:
        outcome, why = Outcome.FILTERED, "is no longer in AD under that DN (deleted or moved)"
    elif not tenant.index.in_scope(ad):
        outcome, why = Outcome.FILTERED, "is outside the sync scope now ([scope] of syncready.toml)"
    else:
        outcome, why = Outcome.NOT_EXPORTED, "is in scope but not joined yet (no sync cycle has exported it)"
    target_text = target.upn if target is not None else (p.cloud_upn or "its cloud user")
    evidence: dict = {"anchor": anchor, "target": _ref(target) if target is not None else None,
                      "target_sync_enabled": target.sync_enabled if target is not None else None}
    if target is not None and target.provisioning_errors:
        evidence["target_errors"] = [dict(e, error=error_name(e)) for e in target.provisioning_errors]
    if target is None and p.cloud_id:
        why += f"; the predicted cloud user {p.cloud_id} is no longer in the tenant"
    return dict(base, outcome=outcome, cloud=_ref(target) if target is not None else None, evidence=evidence,
                message=f"{p.dn} {why}: {target_text} is still cloud-only",
                remediation=pending_steps(outcome, p.dn))


def _cloud_only(cloud_id: str, entry: dict, tenant: Tenant) -> dict:
    upn = (entry.get("cloud") or {}).get("upn") or entry["subject"]
    now = tenant.by_id.get(cloud_id)
    base = {"subject": upn, "onprem_dn": None, "predicted": {"cloud_only": True}}
    if now is None or not now.sync_enabled:
        state = "no longer in the tenant" if now is None else "still cloud-only"
        return dict(base, outcome=Outcome.STAYED_CLOUD_ONLY, cloud={"id": cloud_id, "upn": upn}, evidence={},
                    message=f"{upn}: expected to stay cloud-only, {state}", remediation=[])
    ad = tenant.ad_by_anchor.get(now.immutable_id or "")
    dn = ad.dn if ad is not None else None
    who = dn or f"an AD object with anchor {now.immutable_id} (not in the AD read now)"
    return dict(base, outcome=Outcome.UNEXPECTED_TAKEOVER, cloud=_ref(now), onprem_dn=dn, against_syncready=True,
                evidence={"onPremisesImmutableId": now.immutable_id, "onprem_dn": dn},
                message=f"{upn} was expected to stay cloud-only (no AD user in the run's scope matched it) but is "
                        f"now synchronized with {who}",
                remediation=takeover_steps(upn, dn))


def _provisioning_errors(tenant: Tenant) -> list[dict]:
    findings = []
    for user in tenant.directory.cloud_users:
        for error in user.provisioning_errors:
            name = error_name(error)
            ad = tenant.ad_by_anchor.get(user.immutable_id or "") if user.sync_enabled else None
            prop, value = error.get("propertyCausingError"), error.get("value")
            findings.append({
                "outcome": Outcome.PROVISIONING_ERROR, "kind": user.kind, "subject": user.upn,
                "onprem_dn": ad.dn if ad else None,
                "cloud": _ref(user), "error": name, "predicted": None,
                "message": f"{user.upn}: {name} ({error.get('category') or 'error'} on {prop or 'an attribute'}: "
                           f"{value!r})",
                "evidence": {"category": error.get("category"), "property": prop, "value": value,
                             "occurred": error.get("occurredDateTime")},
                "remediation": list(recovery(name))})
    return findings


# The document -----------------------------------------------------------------------------------
def verification_document(expected: Expected, tenant: Tenant, findings: list[dict], expected_path: str,
                          generated: dt.datetime | None = None) -> dict:
    for finding in findings:
        finding.setdefault("against_syncready", False)
        finding["failing"] = finding["outcome"] in FAILING_OUTCOMES
    return {"schema": SCHEMA, "generated": (generated or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
            "tool": {"version": __version__},
            "expected": {"path": expected_path, "generated": expected.generated, "tenant": expected.tenant},
            "sources": dict(tenant.directory.sources, tenant=tenant.directory.tenant_id),
            "coverage": dict(tenant.directory.coverage.to_json(), config=tenant.config.path,
                             scope={"include": list(tenant.config.scope.include),
                                    "exclude": list(tenant.config.scope.exclude)}),
            "unread": unread_inputs(tenant.directory),
            "summary": summarize(findings),
            "references": [{"title": r.title, "url": r.url} for r in (SYNC_ERRORS, RESILIENCY, EXISTING_TENANT)],
            "findings": findings}


NEEDED = ("users", "users.onPremisesImmutableId", "users.onPremisesSyncEnabled", "adUsers")
OPTIONAL = ("users.onPremisesProvisioningErrors", "users.proxyAddresses", "users.displayName", "users.accountEnabled",
            "groups", "groups.onPremisesProvisioningErrors", "contacts", "contacts.onPremisesProvisioningErrors")


def unread_inputs(directory: Directory) -> list[str]:
    """What verify could not see: without the provisioning errors, "none" would be a guess."""
    return directory.coverage.unread(OPTIONAL) + objects_unread(directory)


def required_unread(directory: Directory) -> list[str]:
    return directory.coverage.unread(NEEDED)


def summarize(findings: list[dict]) -> dict:
    """Counts in people: AD users by what happened to them, cloud users expected to stay cloud-only;
    groups and contacts with provisioning errors apart (`objects_failing`)."""
    by_outcome = Counter(f["outcome"] for f in findings)
    people = {f["onprem_dn"] or f["subject"] for f in findings
              if f["outcome"] in FAILING_OUTCOMES and f.get("kind") not in OBJECT_KINDS}
    ad_users = {f["onprem_dn"] for f in findings
                if f.get("predicted") is not None and f["onprem_dn"] and "cloud_only" not in f["predicted"]}
    return {"by_outcome": {o.value: by_outcome.get(o.value, 0) for o in Outcome},
            "ad_users": len(ad_users), "people_failing": len(people), "objects_failing": objects_failing(findings),
            "object_errors": sum(1 for f in findings if f.get("kind") in OBJECT_KINDS),
            "against_syncready": sum(1 for f in findings if f.get("against_syncready")),
            "failing": sum(1 for f in findings if f["outcome"] in FAILING_OUTCOMES),
            "pending": sum(1 for f in findings if f["outcome"] in PENDING_OUTCOMES)}


def exit_code(doc: dict, fail_on: str) -> int:
    return 1 if any(gates(f["outcome"], fail_on) for f in doc["findings"]) else 0
