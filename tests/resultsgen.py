"""Realistic syncready results dicts (SPEC §6 shape) for report tests and size/speed measurements.

The engine is written in parallel; this generator produces what it will produce, so the renderers
can be tested and measured at 100k users without a directory. Deterministic for a given seed.
"""
from __future__ import annotations

import base64
import json
import random
import time
import uuid
from pathlib import Path

from syncready.summary import count_people

DOMAIN = "contoso.com"
TENANT_ID = "8f2d6c1e-4b7a-4c52-9d3e-0a1b2c3d4e5f"
LEARN = "https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/"

HOSTILE_NAMES = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "Pipe | Table | Breaker",
    "Amp & \"Quote\" 'Apos' `tick` *star* _under_ [link](javascript:alert(1))",
)

FIRST = ("Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Karl Liam Mallory Nina Oscar Peggy "
         "Quinn Rupert Sybil Trent Ursula Victor Wendy Xavier Yvonne Zoe Ana José Zoë Søren Łukasz "
         "Anaïs Björn Chloé Dmitri Emeka Fatima Giulia Hiroshi Ingrid").split()
LAST = ("Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
        "Walker White Roberts Green Hall Wood Jackson Clarke Müller Dubois O'Brien García Nowak "
        "Kowalski Rossi Jensen Tanaka Okafor Haddad Novak Lindqvist Moreau Schmidt Ivanova").split()
OUS = ("Sales", "Finance", "Engineering", "Marketing", "HR", "Support", "Legal", "Operations")

CHECKS = [
    ("upn-exists", "Cloud user has an on-premises counterpart", "blocker", "cloud-user", "sometimes", "safe",
     "An on-premises user in the sync scope has the cloud user's userPrincipalName.",
     "Without a counterpart, no on-premises object can be matched to the cloud user: it stays cloud-only.",
     "Create the on-premises user (syncready fix --select upn-exists, opt-in) or correct the UPN on one side.",
     [("Entra Connect: when you have an existing tenant", LEARN + "how-to-connect-install-existing-tenant")]),
    ("mail-primary-smtp", "Mail and primary SMTP agree", "blocker", "cloud-user", "always", "safe",
     "The counterpart's mail and primary SMTP address equal the cloud user's primary SMTP address.",
     "Soft match compares the primary SMTP address; after the match on-premises values overwrite the cloud.",
     "Set mail and the SMTP: proxy address on-premises to the cloud primary SMTP address.",
     [("How to use SMTP matching", "https://learn.microsoft.com/en-us/troubleshoot/entra/entra-id/user-prov-sync/use-smtp-matching")]),
    ("proxy-superset", "On-premises proxyAddresses keep every cloud alias", "blocker", "cloud-user", "always", "safe",
     "Every cloud proxy address (except *.onmicrosoft.com) is present on the counterpart.",
     "Sync overwrites proxyAddresses from AD: an alias held only in the cloud stops receiving mail.",
     "Add the missing addresses to proxyAddresses on-premises.",
     [("Entra Connect: when you have an existing tenant", LEARN + "how-to-connect-install-existing-tenant")]),
    ("upn-unique", "UPN is unique", "blocker", "cloud-user", "manual", None,
     "No other on-premises object has the UPN, and no other cloud object has it as UPN or SMTP address.",
     "A duplicate UPN is quarantined: the synced user gets a +NNNN@onmicrosoft.com UPN.",
     "Rename or remove the conflicting object.",
     [("Duplicate attribute resiliency", LEARN + "how-to-connect-syncservice-duplicate-attribute-resiliency")]),
    ("proxy-unique", "SMTP addresses are unique", "blocker", "cloud-user", "manual", None,
     "No SMTP address of the counterpart is held by another cloud or on-premises object.",
     "A duplicate proxy address is quarantined or stops the export of the object.",
     "Remove the address from the other object.",
     [("Duplicate attribute resiliency", LEARN + "how-to-connect-syncservice-duplicate-attribute-resiliency")]),
    ("single-match", "Sync will match this user and no other", "blocker", "cloud-user", "manual", None,
     "The predicted match of the counterpart is this cloud user.",
     "A wrong match joins the on-premises account to someone else's mailbox and files.",
     "Make the primary SMTP address and UPN point at exactly one cloud user.",
     [("Entra Connect: when you have an existing tenant", LEARN + "how-to-connect-install-existing-tenant")]),
    ("cloud-only", "ImmutableID is empty or correct", "blocker", "cloud-user", "sometimes", "unsafe",
     "onPremisesImmutableId is empty or equals the counterpart's anchor.",
     "A cloud user with a different ImmutableID cannot be soft matched (InvalidSoftMatch).",
     "Clear the stale ImmutableID (unsafe: check first that it is not in use).",
     [("Design concepts: sourceAnchor", LEARN + "plan-connect-design-concepts")]),
    ("no-admin-role", "No directory role", "blocker", "cloud-user", "manual", None,
     "The cloud user holds no directory role, active or eligible.",
     "Entra ID does not match on-premises users with cloud users that have an admin role.",
     "Remove the role before the first sync, or keep the account cloud-only and waive it.",
     [("Entra Connect: when you have an existing tenant", LEARN + "how-to-connect-install-existing-tenant")]),
    ("in-sync-scope", "Counterpart is in the sync scope", "blocker", "cloud-user", "manual", None,
     "The counterpart lies inside the configured sync scope.",
     "An on-premises user outside the scope is never exported, so never matched.",
     "Move the user into a synchronized OU or widen the scope.",
     [("Configure filtering", LEARN + "how-to-connect-sync-configure-filtering")]),
    ("attribute-valid", "Counterpart attributes meet sync rules", "blocker", "cloud-user", "sometimes", "unsafe",
     "The counterpart's values meet Microsoft's character and length rules; exactly one primary SMTP.",
     "Invalid values are rejected at export: the object is not synchronized.",
     "Correct the value on-premises.",
     [("Prepare for directory synchronization", "https://learn.microsoft.com/en-us/microsoft-365/enterprise/prepare-for-directory-synchronization")]),
    ("account-enabled", "Account state agrees", "warning", "cloud-user", "sometimes", "unsafe",
     "The counterpart is enabled when the cloud user is.",
     "accountEnabled flows from AD: a disabled AD account disables the cloud user at the first sync.",
     "Enable the on-premises account, or accept that the cloud user will be disabled.",
     [("Entra Connect: when you have an existing tenant", LEARN + "how-to-connect-install-existing-tenant")]),
    ("attribute-drift", "Names agree", "warning", "cloud-user", "always", "safe",
     "The counterpart's givenName, sn and displayName equal the cloud values that sync would overwrite.",
     "After the match, on-premises values replace the cloud values users see in the address book.",
     "Copy the cloud values to the on-premises user.",
     [("Entra Connect: when you have an existing tenant", LEARN + "how-to-connect-install-existing-tenant")]),
    ("anchor-ready", "Anchor can be stamped", "blocker", "cloud-user", "always", "safe",
     "The anchor is valid and no other cloud user holds it as onPremisesImmutableId.",
     "Stamping the ImmutableID makes the match a hard match, independent of addresses.",
     "syncready fix --select anchor-ready stamps it once every blocker passes.",
     [("Design concepts: sourceAnchor", LEARN + "plan-connect-design-concepts")]),
    ("orphan-onprem", "On-premises user has a match", "warning", "onprem-user", "manual", None,
     "The in-scope on-premises user has a predicted match in the cloud.",
     "Otherwise a new cloud user is created at the first sync, possibly a duplicate of an existing one.",
     "Align its UPN or primary SMTP address with the cloud user, or exclude it from the scope.",
     [("Entra Connect: when you have an existing tenant", LEARN + "how-to-connect-install-existing-tenant")]),
    ("tenant-sync-features", "Tenant allows matching", "blocker", "tenant", "manual", None,
     "Soft match or hard match is possible for the tenant.",
     "With blockSoftMatchEnabled and hard-match takeover blocked, no cloud user can be matched.",
     "Turn off blockSoftMatchEnabled for the cutover with Update-MgDirectoryOnPremiseSynchronization.",
     [("Sync service features", LEARN + "how-to-connect-syncservice-features")]),
]

COVERAGE = {
    "config": "/srv/syncready/syncready.toml",
    "scope": {"include": ["OU=Users,DC=contoso,DC=com"], "exclude": ["OU=Disabled Users,OU=Users,DC=contoso,DC=com"],
              "unmatched": []},
    "collections": {
        "users": {"status": "read", "count": 1000, "source": "graph:/users"},
        "groups": {"status": "read", "count": 42, "source": "graph:/groups"},
        "roleEligibilitySchedules": {"status": "empty", "count": 0, "reason": "declared empty"},
        "adUsers": {"status": "read", "count": 1030, "source": "ldaps://dc1.contoso.com"},
        "mailboxes": {"status": "not-read", "reason": "no file cloud/mailboxes.json",
                      "how": "Get-EXOMailbox -ResultSize Unlimited | ConvertTo-Json > cloud/mailboxes.json"},
    },
    "notes": [],
}

PAIR_CHECKS = [c[0] for c in CHECKS if c[3] == "cloud-user" and c[0] not in ("upn-exists", "no-admin-role")]


def check_meta() -> list[dict]:
    """The checks[] array, with the additive explain fields."""
    out = []
    for cid, title, sev, subj, fix, safety, desc, why, how, refs in CHECKS:
        out.append({"id": cid, "title": title, "severity": sev, "subject": subj, "fix": fix,
                    "safety": safety if fix != "manual" else None, "description": desc, "why": why,
                    "how_to_fix": how, "references": [{"title": t, "url": u} for t, u in refs]})
    return out


def _anchor(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(16)).decode("ascii")


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(bytes=rng.randbytes(16), version=4))


def _person(rng: random.Random, n: int, hostile: bool) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    display = f"{first} {last}"
    if hostile and n < len(HOSTILE_NAMES):
        display = HOSTILE_NAMES[n]
    local = f"{first}.{last}".lower().replace("'", "").replace(" ", "") + (str(n) if n else "")
    local = local.encode("ascii", "ignore").decode() or f"user{n}"
    upn = f"{local}@{DOMAIN}"
    ou = rng.choice(OUS)
    proxies = [f"SMTP:{upn}", f"smtp:{local}@contoso.mail.onmicrosoft.com"]
    if rng.random() < 0.4:
        proxies.append(f"smtp:{first[0].lower()}{last.lower()}{n}@{DOMAIN}".encode("ascii", "ignore").decode())
    if rng.random() < 0.15:
        proxies.append(f"smtp:{local}@fabrikam.com")
    cloud = {"upn": upn, "displayName": display, "givenName": first, "surname": last, "mail": upn,
             "primarySmtp": upn, "proxyAddresses": proxies, "immutableId": None, "accountEnabled": True}
    onprem = {"dn": f"CN={display.replace(',', chr(92) + ',')},OU={ou},OU=Users,DC=contoso,DC=com",
              "upn": upn, "sam": local[:20], "displayName": display, "givenName": first, "sn": last,
              "mail": upn, "primarySmtp": upn,
              "proxyAddresses": [p for p in proxies if "onmicrosoft" not in p],
              "anchor": _anchor(rng), "enabled": True}
    return {"cloud": cloud, "onprem": onprem}


def _fail(status: str, message: str, evidence: dict, fix: dict | None = None) -> dict:
    out = {"status": status, "message": message, "evidence": evidence}
    if fix:
        out["fix"] = fix
    return out


def _cloud_user_results(rng: random.Random, p: dict, other_upn: str) -> dict:
    """Results of every cloud-user check for one person, mutating p to agree with its failures."""
    c, o = p["cloud"], p["onprem"]
    res: dict = {cid: {"status": "pass"} for cid in [x[0] for x in CHECKS if x[3] == "cloud-user"]}
    roll = rng.random()
    if roll < 0.04:
        p["onprem"] = None
        res["upn-exists"] = _fail("fail", f"No on-premises user in scope has userPrincipalName {c['upn']}",
                                  {"cloud_upn": c["upn"], "onprem_candidates": []},
                                  {"changes": [{"target": "onprem", "attribute": "user", "before": None,
                                                "after": f"CN={c['displayName']},OU=Users,DC=contoso,DC=com"}]})
        for cid in PAIR_CHECKS:
            res[cid] = {"status": "skip", "message": "no single on-premises counterpart"}
        return res
    if roll < 0.22:
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            kind = rng.choice(("mail", "proxy", "proxy", "drift", "drift", "enabled", "valid", "immutable",
                               "admin", "scope", "unique", "single"))
            if kind == "mail":
                old = c["upn"].replace(DOMAIN, "contoso.local")
                o["mail"] = old
                o["primarySmtp"] = old
                o["proxyAddresses"] = [f"SMTP:{old}", f"smtp:{c['primarySmtp']}"] + [
                    x for x in o["proxyAddresses"] if not x.startswith("SMTP:")]
                res["mail-primary-smtp"] = _fail(
                    "fail", f"On-premises mail {old} differs from the cloud primary SMTP address {c['primarySmtp']}",
                    {"cloud_primary_smtp": c["primarySmtp"], "onprem_mail": old, "onprem_primary_smtp": old},
                    {"changes": [{"target": "onprem", "attribute": "mail", "before": old, "after": c["primarySmtp"]},
                                 {"target": "onprem", "attribute": "proxyAddresses", "before": f"SMTP:{old}",
                                  "after": f"SMTP:{c['primarySmtp']}"}]})
            elif kind == "proxy":
                extra = f"smtp:{c['upn'].split('@')[0]}@sales.{DOMAIN}"
                c["proxyAddresses"] = c["proxyAddresses"] + [extra]
                res["proxy-superset"] = _fail(
                    "fail", f"1 cloud proxy address is missing on-premises: {extra}",
                    {"missing": [extra], "cloud": c["proxyAddresses"], "onprem": o["proxyAddresses"]},
                    {"changes": [{"target": "onprem", "attribute": "proxyAddresses", "before": None, "after": extra}]})
            elif kind == "drift":
                old = c["displayName"] + " (Contractor)"
                o["displayName"] = old
                res["attribute-drift"] = _fail(
                    "fail", "displayName differs: sync would replace the cloud value",
                    {"displayName": {"cloud": c["displayName"], "onprem": old}},
                    {"changes": [{"target": "onprem", "attribute": "displayName", "before": old,
                                  "after": c["displayName"]}]})
            elif kind == "enabled":
                o["enabled"] = False
                res["account-enabled"] = _fail(
                    "fail", "The on-premises account is disabled; the cloud user would be disabled at the first sync",
                    {"cloud_accountEnabled": True, "onprem_enabled": False, "userAccountControl": 514},
                    {"changes": [{"target": "onprem", "attribute": "userAccountControl", "before": 514, "after": 512}]})
            elif kind == "valid":
                bad = o["sam"] + " x"
                o["sam"] = bad
                res["attribute-valid"] = _fail(
                    "fail", f"sAMAccountName {bad!r} contains a space",
                    {"attribute": "sAMAccountName", "value": bad,
                     "rule": "none of [ \\ \" | , / : < > + = ; ? * ] or space"},
                    {"manual": "Choose a valid sAMAccountName; users sign in with it."})
            elif kind == "immutable":
                stale = base64.b64encode(rng.randbytes(16)).decode()
                c["immutableId"] = stale
                res["cloud-only"] = _fail(
                    "fail", "onPremisesImmutableId is set and differs from the counterpart's anchor",
                    {"cloud_immutableId": stale, "onprem_anchor": o["anchor"]},
                    {"changes": [{"target": "cloud", "attribute": "onPremisesImmutableId",
                                  "before": stale, "after": None}]})
            elif kind == "admin":
                role = rng.choice(("Global Administrator", "Exchange Administrator", "User Administrator"))
                res["no-admin-role"] = _fail(
                    "fail", f"Holds the directory role {role} (active)",
                    {"roles": [{"role": role, "assignment": rng.choice(("active", "eligible"))}]},
                    {"manual": "Remove the role assignment before the first sync, or waive the account."})
            elif kind == "scope":
                o["dn"] = o["dn"].replace("OU=Users", "OU=Disabled Users")
                res["in-sync-scope"] = _fail(
                    "fail", "The counterpart is outside the sync scope",
                    {"dn": o["dn"], "include": ["OU=Users,DC=contoso,DC=com"], "exclude": []},
                    {"manual": "Move the user into OU=Users,DC=contoso,DC=com or widen the scope."})
            elif kind == "unique":
                res["proxy-unique"] = _fail(
                    "fail", f"{c['primarySmtp']} is also held by the group Sales Team",
                    {"address": c["primarySmtp"], "held_by": [{"kind": "group", "name": "Sales Team",
                                                               "id": "0c1d2e3f-1111-4a4a-8b8b-123456789abc"}]},
                    {"manual": "Remove the address from the group Sales Team."})
            else:
                res["single-match"] = _fail(
                    "fail", f"The counterpart would soft match {other_upn} (SMTP match), not this user",
                    {"predicted": other_upn, "rule": "smtp", "expected": c["upn"]},
                    {"manual": "Give the counterpart this user's primary SMTP address."})
    return res


def _readiness(res: dict, sev: dict) -> str:
    bad = {sev[cid] for cid, r in res.items() if r["status"] in ("fail", "error")}
    return "blocked" if "blocker" in bad else "at-risk" if bad else "ready"


def generate(n: int = 1000, *, seed: int = 1, hostile: bool = False, baseline: bool = False,
             orphans: float = 0.03, tenant_fail: bool = False, pairs: bool = False) -> dict:
    """A results dict with about n subjects: n cloud users, some on-prem orphans and the tenant;
    with pairs, also every matched AD user as its own subject, as the engine lists them."""
    rng = random.Random(seed)
    meta = check_meta()
    sev = {m["id"]: m["severity"] for m in meta}
    subjects = []
    for i in range(n):
        p = _person(rng, i, hostile)
        res = _cloud_user_results(rng, p, f"user{(i + 7) % max(n, 1)}@{DOMAIN}")
        s = {"subject": p["cloud"]["upn"], "id": _guid(rng), "kind": "cloud-user", "cloud": p["cloud"],
             "onprem": p["onprem"], "results": res}
        if i % 50 == 49:
            s["already_synchronized"] = True
            s["cloud"]["immutableId"] = p["onprem"]["anchor"] if p["onprem"] else _anchor(rng)
            s["results"] = {cid: {"status": "skip", "message": "already synchronized"} for cid in res}
        subjects.append(s)
        if pairs and p["onprem"] and not s.get("already_synchronized"):
            subjects.append({"subject": p["onprem"]["dn"], "id": _guid(rng), "kind": "onprem-user",
                             "results": {"orphan-onprem": {"status": "pass"}}})
    for j in range(int(n * orphans)):
        p = _person(rng, n + j, False)
        o = p["onprem"]
        subjects.append({"subject": o["dn"], "id": _guid(rng), "kind": "onprem-user", "onprem": o,
                         "results": {"orphan-onprem": _fail(
                             "fail", "No predicted match: a new cloud user would be created",
                             {"upn": o["upn"], "primary_smtp": o["primarySmtp"], "probable_duplicates": []})}})
    tenant = {"subject": "tenant", "id": TENANT_ID, "kind": "tenant", "results": {"tenant-sync-features": (
        _fail("fail", "blockSoftMatchEnabled is on and hard match of cloud objects is blocked",
              {"blockSoftMatchEnabled": True, "blockCloudObjectTakeoverThroughHardMatchEnabled": True})
        if tenant_fail else {"status": "pass"})}}
    subjects.append(tenant)

    waivers = [
        {"check": "no-admin-role", "subjects": [], "reason": "Break-glass accounts stay cloud-only (CAB-1182)",
         "expires": "2027-03-31", "expired": False, "matched": 0},
        {"check": "attribute-drift", "subjects": [], "reason": "HR feed corrects names after cutover",
         "expires": "2026-10-01", "expired": True, "matched": 0},
    ]
    if hostile:
        waivers[0]["reason"] = HOSTILE_NAMES[1]
    for s in subjects:
        r = s["results"].get("no-admin-role")
        if r and r["status"] == "fail" and len(waivers[0]["subjects"]) < 3:
            r["status"] = "waived"
            r["waiver"] = {"reason": waivers[0]["reason"], "expires": waivers[0]["expires"]}
            waivers[0]["subjects"].append(s["subject"])
        r = s["results"].get("attribute-drift")
        if r and r["status"] == "fail" and len(waivers[1]["subjects"]) < 2:
            waivers[1]["subjects"].append(s["subject"])
    for w in waivers:
        w["matched"] = len(w["subjects"]) if not w["expired"] else 0

    by_check = {m["id"]: {"pass": 0, "fail": 0, "skip": 0, "error": 0, "waived": 0} for m in meta}
    counts = {"ready": 0, "at-risk": 0, "blocked": 0, "synced": 0}
    base_new, base_fixed = [], []
    for k, s in enumerate(subjects):
        s["readiness"] = _readiness(s["results"], sev)
        counts["synced" if s.get("already_synchronized") else s["readiness"]] += 1
        for cid, r in s["results"].items():
            by_check[cid][r["status"]] += 1
            if baseline and r["status"] in ("fail", "error"):
                r["baseline"] = "new" if k % 5 == 0 else "unchanged"
                if r["baseline"] == "new":
                    base_new.append({"check": cid, "subject": s["subject"]})
        if baseline and k % 17 == 3 and s["kind"] == "cloud-user":
            base_fixed.append({"check": "proxy-superset", "subject": s["subject"]})
    summary = {"ready": counts["ready"], "at_risk": counts["at-risk"], "blocked": counts["blocked"],
               "already_synchronized": counts["synced"], "by_check": by_check,
               "out_of_scope": {"guest": 3, "onmicrosoft.com UPN": 1}}
    summary.update(count_people(((s["kind"], s["readiness"], bool(s.get("already_synchronized")), s["results"])
                                 for s in subjects), 4))
    if baseline:
        summary["baseline"] = {"file": "results-2026-11-20.json", "new": base_new, "fixed": base_fixed}
    return {"schema": "syncready/results/1", "generated": "2026-11-27T09:00:00+00:00",
            "tool": {"version": "0.1.0"},
            "sources": {"cloud": "graph:https://graph.microsoft.com/v1.0", "onprem": "ldaps://dc1.contoso.com",
                        "tenant": TENANT_ID, "domain": DOMAIN},
            "coverage": COVERAGE, "selected": [m["id"] for m in meta], "checks": meta, "subjects": subjects,
            "summary": summary, "waivers": waivers}


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def measure(n: int = 100_000, out_dir: str | Path = "/tmp/syncready-measure", seed: int = 1) -> dict:
    """Generate n users, render the HTML report, and time it in headless Chromium.

    Time-to-usable is the page's own mark (data decoded, summary and first table page drawn),
    taken from the navigation start, so it excludes Playwright's overhead.
    """
    from playwright.sync_api import sync_playwright

    from syncready.reports.html import render_html

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    results = generate(n, seed=seed, baseline=True)
    t1 = time.perf_counter()
    path = out / f"report-{n}.html"
    render_html(results, path)
    t2 = time.perf_counter()
    json_size = len(json.dumps(results, separators=(",", ":")))
    figures = {"subjects": len(results["subjects"]), "generate_s": round(t1 - t0, 2),
               "render_s": round(t2 - t1, 2), "html_bytes": path.stat().st_size, "results_json_bytes": json_size}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        w0 = time.perf_counter()
        page.goto(path.resolve().as_uri())
        page.wait_for_function("() => window.syncreadyReady && window.syncreadyReady.ms > 0", timeout=60_000)
        figures["usable_wall_s"] = round(time.perf_counter() - w0, 2)
        figures["usable_page_ms"] = round(page.evaluate("window.syncreadyReady.ms"))
        s0 = time.perf_counter()
        page.fill("#q", "smith")
        page.wait_for_function("() => document.querySelector('#count').dataset.q === 'smith'")
        figures["search_s"] = round(time.perf_counter() - s0, 2)
        figures["js_heap_mb"] = round(page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0") / 1e6)
        browser.close()
    return figures


if __name__ == "__main__":
    import sys

    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
