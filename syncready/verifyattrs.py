"""What the first sync changed on a matched cloud user, against what the pre-cutover run warned of.

The run's facts of the cloud user (results JSON `cloud`) are the before, the tenant now is the
after. A change the run's check for it had failed (or waived) was predicted; a change it passed
is a finding against syncready itself, since that check exists to predict exactly this loss.
"""
from __future__ import annotations

from .addresses import is_onmicrosoft, split_proxy
from .model import CloudUser
from .verifyexpect import Expected
from .verifyrules import Outcome

# attribute, the check that predicts its change, and the further checks whose failure also warned of it
_WATCHED = (("displayName", "attribute-drift"), ("accountEnabled", "account-enabled"),
            ("userPrincipalName", "upn-exists"))
_ALSO = {"proxy-superset": ("proxy-unique",), "upn-exists": ("attribute-valid", "upn-unique")}


def _warned(expected: Expected, cloud_id: str, check_id: str) -> bool:
    return any(expected.warned(cloud_id, c) for c in (check_id, *_ALSO.get(check_id, ())))


def attribute_findings(expected: Expected, cloud_id: str, now: CloudUser, ad_dn: str) -> list[dict]:
    entry = expected.cloud.get(cloud_id)
    if entry is None:
        return []
    before = entry.get("cloud") or {}
    findings = []
    lost = _lost_proxies(before.get("proxyAddresses") or [], now.proxy_addresses)
    if lost:
        warned_values = (_warned_proxies(entry) if expected.warned(cloud_id, "proxy-superset") else set()) | (
            {v.lower() for v in lost} if expected.warned(cloud_id, "proxy-unique") else set())
        unwarned = [v for v in lost if v.lower() not in warned_values]
        warned = [v for v in lost if v.lower() in warned_values]
        if warned:
            findings.append(_finding(expected, cloud_id, now, ad_dn, "proxyAddresses", "proxy-superset",
                                     warned, [], True))
        if unwarned:
            findings.append(_finding(expected, cloud_id, now, ad_dn, "proxyAddresses", "proxy-superset",
                                     unwarned, [], False))
    after = {"displayName": now.display_name, "accountEnabled": now.account_enabled, "userPrincipalName": now.upn}
    old = {"displayName": before.get("displayName"), "accountEnabled": before.get("accountEnabled"),
           "userPrincipalName": before.get("upn")}
    for attribute, check_id in _WATCHED:
        if not _changed(attribute, old[attribute], after[attribute]):
            continue
        findings.append(_finding(expected, cloud_id, now, ad_dn, attribute, check_id, old[attribute],
                                 after[attribute], _warned(expected, cloud_id, check_id)))
    return findings


def _changed(attribute: str, old, new) -> bool:
    if attribute == "accountEnabled":
        return old is True and new is False          # only a sign-in that sync blocked is a loss
    if old is None:
        return False                                 # nothing in the cloud to lose
    return (old or "").lower() != (new or "").lower() if attribute == "userPrincipalName" else old != new


def _lost_proxies(before: list[str], now: tuple[str, ...]) -> list[str]:
    """Cloud addresses gone after the sync; *.onmicrosoft.com ones are re-added by the proxy calculation."""
    current = {v.lower() for v in now}
    current_addresses = {split_proxy(v)[1].lower() for v in now}
    lost = []
    for value in before:
        kind, address = split_proxy(value)
        if value.lower() in current or is_onmicrosoft(address):
            continue
        if kind.lower() == "smtp" and address.lower() in current_addresses:
            continue                                 # primary became secondary (or back): not lost
        lost.append(value)
    return lost


def _warned_proxies(entry: dict) -> set[str]:
    evidence = entry["results"].get("proxy-superset", {}).get("evidence") or {}
    missing = evidence.get("missing")
    if isinstance(missing, list):
        return {str(v).lower() for v in missing}
    return {v.lower() for v in (entry.get("cloud") or {}).get("proxyAddresses") or []}


def _finding(expected: Expected, cloud_id: str, now: CloudUser, ad_dn: str, attribute: str, check_id: str,
             before, after, warned: bool) -> dict:
    selected = check_id in expected.selected
    status = expected.status(cloud_id, check_id)
    if attribute == "proxyAddresses":
        what = f"{len(before)} address(es) lost: {', '.join(before[:5])}" + (" …" if len(before) > 5 else "")
    else:
        what = f"{attribute} changed from {before!r} to {after!r}"
    if warned:
        which = next((c for c in (check_id, *_ALSO.get(check_id, ())) if expected.warned(cloud_id, c)), check_id)
        message = f"{now.upn}: {what}, as {which} warned before the cutover"
    elif selected:
        how = {"pass": "passed", "skip": "was skipped for this user"}.get(status or "", "was not evaluated for it")
        message = (f"{now.upn}: {what}, and {check_id} {how} before the cutover — a finding against syncready: "
                   "nothing in its run predicted this change")
    else:
        message = f"{now.upn}: {what}; the run did not select {check_id}, so nothing predicted it"
    steps = ([f"Put the lost addresses back on {ad_dn} (proxyAddresses, as secondary smtp:) and run a sync "
              "cycle: sync then writes them to the cloud user again."] if attribute == "proxyAddresses" else
             [f"Set {attribute} on {ad_dn} to the value the cloud user had ({before!r}) and run a sync cycle, "
              "if the old value was right."])
    if not warned and selected:
        steps.append(f"Report it to the syncready maintainers with both values: {check_id} should have failed.")
    return {"outcome": Outcome.ATTRIBUTE_CHANGED if warned else Outcome.ATTRIBUTE_LOST, "subject": now.upn,
            "onprem_dn": ad_dn, "cloud": {"id": cloud_id, "upn": now.upn}, "message": message,
            "against_syncready": not warned and selected,
            "evidence": {"attribute": attribute, "before": before, "after": after, "check": check_id,
                         "warned": warned, "check_selected": selected,
                         "check_status": status},
            "remediation": steps}
