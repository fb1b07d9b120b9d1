"""One "who else holds this address" lookup (Index.holders), and the fixer that must agree with the check.

proxy-unique rejects an address a cloud user holds as its UPN; the proxy-superset fixer used to ask
only about SMTP addresses and so planned exactly that address, turning a passing check into a blocker.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from syncready.addresses import split_proxy
from syncready.config import Config, Scope
from syncready.engine import Engine
from syncready.fixing import build_plan
from syncready.index import Index
from syncready.model import CloudObject, CloudUser, Directory, Domain, OnPremObject

from builders import BASE, cloud, contact, directory, group, onprem, run
from test_fix_property import Simulator

STAFF = f"OU=Staff,{BASE}"
SCOPE = Scope(include=(STAFF,))
ANN = "ann@contoso.com"


def status(d: Directory, check: str, upn: str) -> str:
    return next(s for s in run(d, scope=SCOPE).subjects if s.name == upn).results[check].status


def _cloud_upn_holds_the_alias() -> Directory:
    """Bob, cloud-only, has no mailbox address shared@, but it is his UPN; Ann's cloud alias is shared@ too."""
    ann = cloud(ANN, proxies=(f"SMTP:{ANN}", "smtp:Shared@contoso.com"))
    bob = cloud("shared@contoso.com", mail="bob@contoso.com")
    return directory([ann, bob], [onprem(ANN)])


def test_proxy_superset_does_not_add_an_address_that_is_another_cloud_users_upn():
    d = _cloud_upn_holds_the_alias()
    assert status(d, "proxy-unique", ANN) == "pass"
    plan = build_plan(run(d, scope=SCOPE), ["proxy-superset"])
    sim = Simulator(d)
    for change in plan.changes:
        sim.apply(change)
    assert status(sim.directory, "proxy-unique", ANN) == "pass", plan.render()
    assert [c.add for c in plan.changes if c.subject == ANN] == []
    refused = [r.guidance for r in plan.refused if r.subject == ANN]
    assert len(refused) == 1 and "smtp:Shared@contoso.com (held by shared@contoso.com)" in refused[0]


def test_holders_counts_what_entra_counts():
    ann = cloud(ANN, proxies=(f"SMTP:{ANN}", "smtp:ann@contoso.onmicrosoft.com"))
    bob = cloud("Bob@Contoso.com", mail="robert@contoso.com")
    sales = group("sales@contoso.com")
    vendor = contact("vendor@contoso.com")
    inside = onprem("carl@contoso.com", proxies=("SMTP:carl@contoso.com", "smtp:ANN@contoso.com"))
    outside = onprem("dora@contoso.com", ou="OU=Leavers", proxies=("SMTP:dora@contoso.com", "smtp:sales@contoso.com"))
    printers = onprem(None, mail="ann@contoso.onmicrosoft.com", cn="printers", object_class="group")
    index = Index(directory([ann, bob], [inside, outside, printers], [sales], [vendor]), Config(scope=SCOPE))

    assert index.holders("ANN@contoso.COM") == [ann, inside]
    assert index.holders(ANN, besides=(ann,)) == [inside]
    assert index.holders("bob@contoso.com") == [bob]            # a UPN is an address its user holds
    assert index.holders("robert@contoso.com") == [bob]
    assert index.holders("sales@contoso.com") == [sales]        # out-of-scope AD objects never reach Entra
    assert index.holders("sales@contoso.com", onprem="any") == [sales, outside]
    assert index.holders("sales@contoso.com", cloud=False, onprem="none") == []
    assert index.holders("vendor@contoso.com") == [vendor]
    assert index.holders("carl@contoso.com", besides=(inside,)) == []   # its UPN, and only its own
    assert index.holders("ann@contoso.onmicrosoft.com") == []
    assert index.holders("ann@contoso.onmicrosoft.com", ignore_onmicrosoft=False) == [ann, printers]
    assert index.holders("nobody@contoso.com") == []


def test_upn_unique_and_proxy_unique_ask_the_same_lookup():
    """A cloud group holding the UPN, and a cloud user's UPN held as another's alias, fail both checks."""
    d = directory([cloud(ANN), cloud("bob@contoso.com", proxies=("SMTP:bob@contoso.com", f"smtp:{ANN}"))],
                  [onprem(ANN), onprem("bob@contoso.com")], [group("team@contoso.com", proxies=(f"smtp:{ANN}",))])
    assert status(d, "upn-unique", ANN) == "fail"
    assert status(d, "proxy-unique", ANN) == "fail"
    message = next(s for s in run(d, scope=SCOPE).subjects if s.name == ANN).results["upn-unique"].message
    assert "cloud user bob@contoso.com" in message and "cloud group team@contoso.com" in message


# The property: the fixer never plans an address another object holds --------------------------------
POOL = ["ann@contoso.com", "bob@contoso.com", "Ann@Contoso.com", "shared@contoso.com", "sales@contoso.com",
        "ann@contoso.onmicrosoft.com"]
address = st.sampled_from(POOL)
proxy = st.builds(lambda primary, value: ("SMTP:" if primary else "smtp:") + value, st.booleans(), address)


@st.composite
def shared_addresses(draw) -> Directory:
    """Cloud users, groups, contacts and AD objects (in and out of scope) drawing from one small pool of
    addresses, so UPNs, aliases and mail collide in every combination."""
    cloud_users, ad = [], []
    for n, local in enumerate(draw(st.lists(st.sampled_from(["ann", "bob", "cy"]), min_size=1, max_size=3,
                                            unique=True))):
        upn = draw(st.sampled_from([f"{local}@contoso.com", *POOL[3:5]]))
        if any(u.upn.lower() == upn.lower() for u in cloud_users):
            upn = f"{local}{n}@contoso.com"
        mail = draw(st.sampled_from([upn, *POOL[:5]]))
        cloud_users.append(CloudUser(id=f"c{n}", upn=upn, mail=mail, user_type="Member", account_enabled=True,
                                     proxy_addresses=(f"SMTP:{mail}", *draw(st.lists(proxy, max_size=3)))))
        if draw(st.booleans()):
            ad.append(OnPremObject(dn=f"CN={local},{STAFF}", object_class="user", upn=upn, uac=512,
                                   mail=draw(st.sampled_from([upn, None])),
                                   proxy_addresses=tuple(draw(st.lists(proxy, max_size=2, unique_by=str.lower)))))
    for n, value in enumerate(draw(st.lists(address, max_size=3))):
        ou = draw(st.sampled_from([STAFF, f"OU=Leavers,{BASE}"]))
        kind = draw(st.sampled_from(["user", "group", "contact"]))
        ad.append(OnPremObject(dn=f"CN=other{n},{ou}", object_class=kind, mail=value, uac=512,
                               upn=f"other{n}@contoso.com" if kind == "user" else None))
    mailers = [CloudObject(id=f"m{n}", kind=draw(st.sampled_from(["group", "contact"])), display_name=f"m{n}",
                           mail=value, proxy_addresses=(f"SMTP:{value}",))
               for n, value in enumerate(draw(st.lists(address, max_size=2)))]
    return Directory(cloud_users=cloud_users, onprem=ad, cloud_groups=[m for m in mailers if m.kind == "group"],
                     cloud_contacts=[m for m in mailers if m.kind == "contact"], roles_known=True,
                     domains=[Domain("contoso.com", True), Domain("contoso.onmicrosoft.com", True, is_initial=True)])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shared_addresses())
def test_proxy_superset_never_plans_an_address_the_lookup_gives_to_another_object(d):
    result = Engine(d, Config(scope=SCOPE)).run()
    plan = build_plan(result, ["proxy-superset"])
    index = result.index
    for change in plan.changes:
        subject = next(s for s in result.subjects if s.name == change.subject)
        user, ad = subject.obj, subject.counterpart
        for value in change.add:
            prefix, addr = split_proxy(value)
            if prefix.lower() == "smtp" and addr.lower() not in ad.smtp_addresses():
                assert index.holders(addr, besides=(user, ad)) == [], (value, plan.render())
    before = {s.name: s.results["proxy-unique"].status for s in result.subjects if "proxy-unique" in s.results}
    sim = Simulator(d)
    for change in plan.changes:
        sim.apply(change)
    after = Engine(sim.directory, Config(scope=SCOPE)).run()
    worse = {s.name for s in after.subjects
             if before.get(s.name) == "pass" and s.results["proxy-unique"].status == "fail"}
    assert worse == set(), plan.render()


def test_the_property_reaches_both_a_planned_address_and_a_refusal():
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(shared_addresses())
    def collect(d):
        plan = build_plan(Engine(d, Config(scope=SCOPE)).run(), ["proxy-superset"])
        seen.update({"planned"} if plan.changes else set())
        seen.update({"refused"} if any("held by" in r.guidance for r in plan.refused) else set())

    collect()
    assert seen == {"planned", "refused"}
