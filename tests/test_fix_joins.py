"""Plans that would write onto, or open, the wrong person's join: counterexamples found by a review of
the fixers with wider generated directories (cloud users without a mailbox, ImmutableIDs naming other
AD users, addresses shared across users). Each plan is applied in memory (the fix properties'
Simulator) and the directory checked again: nothing that passed may fail, and no write lands on an
AD user sync joins to another cloud user than the change's subject."""
from __future__ import annotations

from syncready.config import Config
from syncready.engine import FAILING, Engine
from syncready.fixing import build_plan
from syncready.immutableid import anchor_from_bytes
from syncready.matching import predict_match
from syncready.model import CloudUser, Directory, Domain, Mailbox, OnPremObject, SyncFeatures
from tests.test_fix_property import FIXABLE, GUIDS, SCOPE, STAFF, Simulator, evidence

DOMAINS = [Domain("contoso.com", True), Domain("contoso.onmicrosoft.com", True, is_initial=True)]


def cloud(n: int, local: str, **fields) -> CloudUser:
    fields.setdefault("mail", f"{local}@contoso.com")
    fields.setdefault("proxy_addresses", (f"SMTP:{fields['mail']}",) if fields["mail"] else ())
    return CloudUser(id=f"c{n}", upn=f"{local}@contoso.com", user_type="Member",
                     account_enabled=fields.pop("account_enabled", True), **fields)


def onprem(n: int, local: str, **fields) -> OnPremObject:
    fields.setdefault("mail", f"{local}@contoso.com")
    fields.setdefault("proxy_addresses", (f"SMTP:{fields['mail']}",))
    return OnPremObject(dn=f"CN={local},{STAFF}", object_class="user", object_guid=GUIDS[n], upn=f"{local}@contoso.com",
                        sam=local, uac=fields.pop("uac", 512), **fields)


def plan_and_apply(directory: Directory, options: dict | None = None):
    """The plan of every fixer, and the statuses that went from pass to failing once it is applied."""
    run = Engine(directory, Config(scope=SCOPE)).run()
    plan = build_plan(run, FIXABLE, unsafe=True, options=options or {})
    sim = Simulator(directory)
    for change in plan.changes:
        sim.apply(change)
    before, after = evidence(run), evidence(Engine(sim.directory, Config(scope=SCOPE)).run())
    worse = {key: after[key].status for key in before
             if before[key].status == "pass" and key in after and after[key].status in FAILING}
    return run, plan, worse


def onto_other_joins(run, plan) -> list[str]:
    """Planned writes onto an existing AD user that sync joins to another cloud user than the subject."""
    by_dn = {o.dn: o for o in run.directory.onprem}
    wrong = []
    for change in plan.changes:
        obj = by_dn.get(change.object) if change.target == "onprem" else None
        if obj is not None:
            joined = predict_match(obj, run.index).user
            if joined is not None and joined.upn != change.subject:
                wrong.append(f"{change.subject}: {change.describe()} (joins {joined.upn})")
    return wrong


def test_no_fixer_writes_onto_an_ad_user_hard_matched_to_another_cloud_user():
    """bob@'s ImmutableID is AD ann's anchor: ann's addresses, enabled state and shared-mailbox
    attributes must not be written onto the account that becomes bob@'s."""
    ann = cloud(0, "ann", mailbox_purpose="shared")
    bob = cloud(1, "bob", account_enabled=False, immutable_id=anchor_from_bytes(GUIDS[0]))
    ad_ann = onprem(0, "ann", mail="ann.old@contoso.com", uac=514, exch_recipient_type_details=2147483648,
                    exch_remote_recipient_type=4)
    box = Mailbox("ann@contoso.com", "ann@contoso.com", "SharedMailbox", "00000000-0000-0000-0000-000000002000",
                  "/o=ExchangeLabs/cn=Recipients/cn=ann", ("SMTP:ann@contoso.com",))
    directory = Directory(cloud_users=[ann, bob], onprem=[ad_ann], roles_known=True, mailboxes=[box], domains=DOMAINS)
    run, plan, worse = plan_and_apply(directory)
    assert onto_other_joins(run, plan) == [] and worse == {}, plan.render()
    held = [r.guidance for r in plan.refused if r.subject == "ann@contoso.com" and "predicted to join" in r.guidance]
    assert held and all("bob@contoso.com (hard match)" in text for text in held), plan.render()


def test_mail_primary_smtp_does_not_rewrite_the_address_another_users_join_keeps():
    """AD cy hard-matches ann@ and holds ann@'s only address as mail: cy@'s fix must not take it away."""
    ann = cloud(0, "ann", immutable_id=anchor_from_bytes(GUIDS[2]))
    directory = Directory(cloud_users=[ann, cloud(2, "cy")], onprem=[onprem(2, "cy", mail="ann@contoso.com",
                                                                            proxy_addresses=())],
                          roles_known=True, domains=DOMAINS)
    run, plan, worse = plan_and_apply(directory)
    assert not [c for c in plan.changes if c.check == "mail-primary-smtp"] and worse == {}, plan.render()


def test_mail_primary_smtp_still_steers_an_smtp_join_back():
    """The exception: AD ann's mail is bob@'s address (an SMTP join of bob@); making ann@ its primary is
    the fix that moves the join back, so it is planned."""
    directory = Directory(cloud_users=[cloud(0, "ann"), cloud(1, "bob")],
                          onprem=[onprem(0, "ann", mail="bob@contoso.com")], roles_known=True, domains=DOMAINS)
    run, plan, _ = plan_and_apply(directory)
    assert [c.attribute for c in plan.changes if c.check == "mail-primary-smtp"] == ["mail", "proxyAddresses"]


def test_mail_primary_smtp_refuses_an_address_another_object_holds():
    """ann@'s primary ann.x@ is CN=spare's alias: writing it onto AD ann makes two holders."""
    ann = cloud(0, "ann", mail="ann.x@contoso.com", proxy_addresses=("SMTP:ann.x@contoso.com", "smtp:ann@contoso.com"))
    spare = onprem(4, "spare", proxy_addresses=("SMTP:spare@contoso.com", "smtp:ann.x@contoso.com"))
    directory = Directory(cloud_users=[ann], onprem=[onprem(0, "ann"), spare], roles_known=True, domains=DOMAINS)
    run, plan, worse = plan_and_apply(directory)
    assert worse == {} and not [c for c in plan.changes if c.check == "mail-primary-smtp"], plan.render()
    assert any(r.check == "mail-primary-smtp" and f"CN=spare,{STAFF}" in r.guidance for r in plan.refused)


def test_attribute_valid_does_not_promote_a_primary_that_moves_the_soft_match():
    """AD ann has no SMTP: value and UPN-matches ann@ (no mailbox); promoting smtp:bob@ would make it
    soft-match bob@ instead."""
    ann = cloud(0, "ann", mail=None)
    ad_ann = onprem(0, "ann", mail="bob@contoso.com", proxy_addresses=("smtp:bob@contoso.com", "smtp:ann@contoso.com"))
    directory = Directory(cloud_users=[ann, cloud(1, "bob")], onprem=[ad_ann], roles_known=True, domains=DOMAINS)
    run, plan, worse = plan_and_apply(directory)
    assert worse == {} and not [c for c in plan.changes if c.check == "attribute-valid"], plan.render()
    assert any("soft-matches it to cloud user bob@contoso.com" in r.guidance for r in plan.refused)


def test_upn_exists_creates_no_duplicate_of_a_user_another_ad_user_hard_matches():
    ann = cloud(0, "ann", display_name="Ann Lee", given_name="Ann", surname="Lee",
                immutable_id=anchor_from_bytes(GUIDS[1]))
    asmith = onprem(1, "asmith", mail="a.smith@contoso.com")
    directory = Directory(cloud_users=[ann], onprem=[asmith], roles_known=True, domains=DOMAINS)
    run, plan, worse = plan_and_apply(directory, {"create": {"enabled": True, "ou": STAFF}})
    assert worse == {} and plan.changes == [], plan.render()
    assert any(r.check == "upn-exists" and "predicted to join this cloud user already" in r.guidance
               for r in plan.refused)


def test_write_to_ad_does_not_rewrite_an_anchor_another_cloud_user_holds():
    """cy@ holds AD bob's present anchor: writing bob@'s stale ImmutableID into AD bob would move
    that hard match from cy@ to bob@."""
    bob = cloud(1, "bob", immutable_id=anchor_from_bytes(GUIDS[3]))
    cy = cloud(2, "cy", immutable_id=anchor_from_bytes(GUIDS[1]))
    ad_bob = onprem(1, "bob", proxy_addresses=("SMTP:bob@contoso.com", "smtp:cy@contoso.com"))
    ad_cy = onprem(2, "cy", mail="cy.old@contoso.com")
    directory = Directory(cloud_users=[bob, cy], onprem=[ad_bob, ad_cy], roles_known=True, domains=DOMAINS)
    run, plan, worse = plan_and_apply(directory, {"stale_immutable_id": "write-to-ad"})
    assert onto_other_joins(run, plan) == [] and worse == {}, plan.render()
    assert not [c for c in plan.changes if c.object == ad_bob.dn and c.attribute == "mS-DS-ConsistencyGuid"]


def test_previously_synced_keeps_the_immutable_id_write_to_ad_makes_the_anchor():
    """cloud-only writes the stale ImmutableID into AD ann (write-to-ad): it is then ann's anchor, so
    previously-synced must not clear it in the same plan."""
    ann = cloud(0, "ann", immutable_id=anchor_from_bytes(GUIDS[3]), sync_enabled=False)
    directory = Directory(cloud_users=[ann], onprem=[onprem(0, "ann")], roles_known=True, domains=DOMAINS)
    run, plan, worse = plan_and_apply(directory, {"stale_immutable_id": "write-to-ad"})
    assert [(c.check, c.attribute) for c in plan.changes] == [("cloud-only", "mS-DS-ConsistencyGuid")], plan.render()
    assert worse == {}


def test_two_subjects_trims_do_not_give_two_objects_one_address():
    """Found by a second review: AD ann holds 'smtp:shared@ ' and AD cy 'smtp: shared@'; each trim alone
    is safe, both together give two objects one address (proxy-unique then fails for both)."""
    ann = onprem(0, "ann", proxy_addresses=("SMTP:ann@contoso.com", "smtp:shared@contoso.com "))
    cy = onprem(2, "cy", proxy_addresses=("SMTP:cy@contoso.com", "smtp: shared@contoso.com"))
    directory = Directory(cloud_users=[cloud(0, "ann"), cloud(2, "cy")], onprem=[ann, cy], roles_known=True,
                          domains=DOMAINS)
    run, plan, worse = plan_and_apply(directory)
    assert worse == {}, plan.render()
    trims = [c.subject for c in plan.changes if c.check == "attribute-valid"]
    assert len(trims) == 1 and any("a change planned before this one" in r.guidance for r in plan.refused)


def test_mail_primary_smtp_keeps_the_old_primary_when_proxy_addresses_is_empty():
    """Found by a second review: with proxyAddresses empty, `mail` is the primary; rewriting mail alone
    lost the old address everywhere. It stays as a secondary smtp: value."""
    directory = Directory(cloud_users=[cloud(0, "ann")], onprem=[onprem(0, "ann", mail="ann.lee@contoso.com",
                                                                        proxy_addresses=())],
                          roles_known=True, domains=DOMAINS)
    run, plan, worse = plan_and_apply(directory)
    written = {c.attribute: c.add for c in plan.changes if c.check == "mail-primary-smtp"}
    assert written == {"mail": ["ann@contoso.com"],
                       "proxyAddresses": ["SMTP:ann@contoso.com", "smtp:ann.lee@contoso.com"]} and worse == {}


def test_no_fix_written_onto_the_same_upn_account_when_another_ad_user_joins_the_subject():
    """Found by a second review: CN=spare SMTP-joins the shared mailbox ann@ and CN=ann (its UPN) joins
    nobody; enabling CN=ann and making it a remote shared mailbox would fix an account sync ignores."""
    ann = cloud(0, "ann", mailbox_purpose="shared")
    ad_ann = onprem(0, "ann", mail="ann.old@contoso.com", uac=514, exch_recipient_type_details=2147483648,
                    exch_remote_recipient_type=4)
    spare = onprem(4, "spare", mail="ann@contoso.com", exch_recipient_type_details=2147483648,
                   exch_remote_recipient_type=4)
    box = Mailbox("ann@contoso.com", "ann@contoso.com", "SharedMailbox", "00000000-0000-0000-0000-000000002000",
                  "/o=X/cn=ann", ("SMTP:ann@contoso.com", "smtp:ann@contoso.mail.onmicrosoft.com"))
    directory = Directory(cloud_users=[ann], onprem=[ad_ann, spare], roles_known=True, mailboxes=[box],
                          domains=DOMAINS, features=SyncFeatures(soft_match_on_upn=False))
    run, plan, worse = plan_and_apply(directory)
    assert not [c for c in plan.changes if c.object == ad_ann.dn], plan.render()
    assert any(f"and {ad_ann.dn} to no cloud user" in r.guidance for r in plan.refused)
