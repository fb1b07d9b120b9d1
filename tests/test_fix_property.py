"""Plan-level properties of the fixers on generated small directories, with the changes applied in memory.

The simulator below is the tests' own model of a write: it applies a Change's remove/add to the
model objects the way one LDAP modify (deletes, then adds) or one Graph PATCH does, creates and
deletes AD users as an LDAP add and delete do, and checks the change's precondition at that moment.
Values compare case-insensitively, except the proxyAddresses type prefix (SMTP: is not smtp:) and
binary values and ImmutableIDs, which compare exactly; DNs compare case-insensitively, as in AD.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import uuid

from hypothesis import HealthCheck, given, settings, strategies as st

from syncready.config import Config, Scope
from syncready.engine import FAILING, Engine
from syncready.fixing import build_plan
from syncready.immutableid import anchor_from_bytes
from syncready.model import CloudUser, Directory, Domain, Mailbox, OnPremObject, RoleAssignment, SyncFeatures
from syncready.registry import all_checks, check_ids
from syncready.vocab import FixAvailability, Operation
from syncready.writers.base import state_of, value_key

BASE = "DC=contoso,DC=test"
STAFF, LEAVERS = f"OU=Staff,{BASE}", f"OU=Leavers,{BASE}"
SCOPE = Scope(include=(STAFF,))
ONPREM_FIELDS = {"mail": "mail", "proxyaddresses": "proxy_addresses", "useraccountcontrol": "uac",
                 "displayname": "display_name", "givenname": "given_name", "sn": "sn",
                 "mailnickname": "mail_nickname", "userprincipalname": "upn", "samaccountname": "sam",
                 "ms-ds-consistencyguid": "consistency_guid",
                 # Exchange (SPEC §10): the remote-mailbox attributes the Exchange fixers write
                 "msexchrecipienttypedetails": "exch_recipient_type_details",
                 "msexchremoterecipienttype": "exch_remote_recipient_type", "msexchmailboxguid": "exch_mailbox_guid",
                 "targetaddress": "target_address"}
INT_FIELDS = {"uac", "exch_recipient_type_details", "exch_remote_recipient_type"}
CLOUD_FIELDS = {"onpremisesimmutableid": "immutable_id", "onpremisesobjectidentifier": "object_identifier",
                "onpremisessamaccountname": "onprem_sam"}
# Every check whose fixer can plan a change (META.fix), so a new fixer is in these properties unasked.
FIXABLE = [c.id for c in all_checks() if c.meta.fix != FixAvailability.MANUAL]


class PreconditionFailed(AssertionError):
    pass


def _key(attribute: str, value):
    """AD's comparison (the writers'); the ImmutableID, a Graph property, compares exactly."""
    return value if attribute.lower() == "onpremisesimmutableid" else value_key(attribute, value)


class Simulator:
    """A copy of a directory that changes can be applied to, one at a time, preconditions checked."""

    def __init__(self, directory: Directory):
        self.directory = copy.deepcopy(directory)
        self.onprem = {o.dn: o for o in self.directory.onprem}
        self.cloud = {u.id: u for u in self.directory.cloud_users}

    def _target(self, change):
        if change.target == "cloud":
            return self.cloud[change.object], CLOUD_FIELDS.get(change.attribute.lower())
        return self.onprem[change.object], ONPREM_FIELDS.get(change.attribute.lower())

    def values(self, change) -> list:
        obj, name = self._target(change)
        value = getattr(obj, name) if name else obj.extra.get(change.attribute.lower())
        if value is None:
            return []
        if isinstance(value, tuple):
            return list(value)
        return [str(value) if isinstance(value, int) else value]

    def exists(self, change) -> bool:
        """AD compares DNs case-insensitively."""
        if change.target == "cloud":
            return change.object in self.cloud
        return change.object.lower() in {dn.lower() for dn in self.onprem}

    def create(self, change) -> None:
        """An LDAP add of a user; AD gives it a new objectGUID."""
        if self.exists(change):
            raise PreconditionFailed(f"{change.describe()}: {change.object} exists already")
        a = change.attributes
        obj = OnPremObject(dn=change.object, object_class="user", object_guid=uuid.uuid5(uuid.NAMESPACE_URL,
                           change.object).bytes_le, upn=a.get("userPrincipalName"), sam=a.get("sAMAccountName"),
                           mail=a.get("mail"), proxy_addresses=tuple(a.get("proxyAddresses", ())),
                           given_name=a.get("givenName"), sn=a.get("sn"), display_name=a.get("displayName"),
                           uac=512 if "unicodePwd" in a else 514)
        self.directory.onprem.append(obj)
        self.onprem[obj.dn] = obj

    def delete(self, change) -> None:
        if not self.exists(change):
            raise PreconditionFailed(f"{change.describe()}: {change.object} does not exist")
        dn = next(dn for dn in self.onprem if dn.lower() == change.object.lower())
        self.directory.onprem.remove(self.onprem.pop(dn))

    def apply(self, change) -> None:
        if change.op == Operation.CREATE:
            return self.create(change)
        if change.op == Operation.DELETE:
            return self.delete(change)
        assert change.op in ("modify", "patch"), change
        now = self.values(change)
        for value in change.remove:
            keys = [_key(change.attribute, v) for v in now]
            if _key(change.attribute, value) not in keys:
                raise PreconditionFailed(f"{change.describe()}: {value!r} is not in {now!r}")
            now.pop(keys.index(_key(change.attribute, value)))
        for value in change.add:
            if _key(change.attribute, value) in [_key(change.attribute, v) for v in now]:
                raise PreconditionFailed(f"{change.describe()}: {value!r} is already in {now!r}")
            now.append(value)
        obj, name = self._target(change)
        if name == "proxy_addresses":
            obj.proxy_addresses = tuple(now)
            return
        if len(now) > 1:
            raise PreconditionFailed(f"{change.describe()}: single-valued {change.attribute} would hold {now!r}")
        value = now[0] if now else None
        if name in INT_FIELDS and value is not None:
            value = int(value)
        if name:
            setattr(obj, name, value)
        else:
            obj.extra[change.attribute.lower()] = value
        if isinstance(obj, OnPremObject):
            obj._anchor = None

    def state(self) -> dict:
        """Every object's values, multi-valued ones as sorted lists (AD keeps no order)."""
        out = {}
        for obj in self.directory.onprem:
            out[obj.dn] = {f: getattr(obj, f) for f in ONPREM_FIELDS.values()}
            out[obj.dn]["proxy_addresses"] = sorted(obj.proxy_addresses)
            out[obj.dn]["extra"] = dict(obj.extra)
        for user in self.directory.cloud_users:
            out[user.id] = {"immutable_id": user.immutable_id}
        return out


# Generated directories --------------------------------------------------------------------------
# The strategies are built once: a strategy made inside the draw is validated and labelled again on
# every example (half the file's time). `pick` makes the same sampled_from, so the examples are the same.
LOCALS = ["ann", "bob", "cy"]
NAMES = ["Ann", "Bob", "Cy", "  ", "Ann Lee"]
GUIDS = [uuid.UUID(int=0x1000 + i).bytes_le for i in range(6)]


@functools.lru_cache(maxsize=None, typed=True)
def pick(*values) -> st.SearchStrategy:
    """st.sampled_from(values), one strategy object per list of values."""
    return st.sampled_from(values)


rarely = pick(False, False, False, True)
booleans = st.booleans()
some_locals = st.lists(st.sampled_from(LOCALS), min_size=1, max_size=3, unique=True)
one_in_six = st.integers(0, 5)


@functools.cache
def ad_proxy_lists(local: str) -> st.SearchStrategy:
    upn = f"{local}@contoso.com"
    return st.lists(st.sampled_from(
        [f"SMTP:{upn}", f"smtp:{upn}", f"SMTP:{local}.old@contoso.com", f"smtp:{local}.alias@contoso.com",
         f"smtp:{local}.alias@contoso.com ", f" smtp:{local}.x@contoso.com", "SMTP:other@contoso.com",
         f"SMTP: {local}.old@contoso.com", "X500:/o=Org/cn=Recipients (x)"]), max_size=4, unique=True)


@st.composite
def directories(draw):
    cloud_users, onprem, mailboxes = [], [], []
    locals_ = draw(some_locals)
    for n, local in enumerate(locals_):
        upn = f"{local}@contoso.com"
        proxies = [f"SMTP:{upn}"] + ([f"smtp:{local}.alias@contoso.com"] if draw(booleans) else [])
        proxies += [f"smtp:{local}@contoso.onmicrosoft.com"] if draw(rarely) else []
        mailless = draw(rarely) and draw(booleans)          # no mailbox: no address at all (found by review)
        user = CloudUser(id=f"c{n}", upn=upn, mail=None if mailless else upn,
                         proxy_addresses=() if mailless else tuple(proxies),
                         display_name=draw(pick(*NAMES[:3], None)),
                         given_name=draw(pick("Ann", "ann", None)),
                         surname=draw(pick("Lee", None)),
                         account_enabled=draw(pick(True, True, False)), user_type="Member")
        cloud_users.append(user)
        if draw(one_in_six) == 0:
            continue
        guid = GUIDS[n]
        ad_proxies = draw(ad_proxy_lists(local))
        deduped = {}
        for value in ad_proxies:
            deduped.setdefault(value.strip().lower(), value)
        ad = OnPremObject(
            dn=f"CN={local},{draw(pick(STAFF, STAFF, STAFF, LEAVERS))}", object_class="user",
            object_guid=guid, consistency_guid=draw(pick(None, None, None, GUIDS[5])),
            upn=upn, sam=draw(pick(local, local, local, local, "x" * 21)),
            mail=draw(pick(upn, upn, None, f"{upn} ", f"{local}.old@contoso.com", "other@contoso.com")),
            proxy_addresses=tuple(deduped.values()),
            given_name=draw(pick("Ann", "Bob", None)), sn=draw(pick("Lee", None)),
            display_name=draw(pick(*NAMES, None)),
            uac=draw(pick(512, 512, 514, 546, 530, 66050)))
        onprem.append(ad)
        _exchange(draw, n, local, user, ad, mailboxes)
        user.immutable_id = draw(pick(
            None, None, None, ad.anchor, "c3RhbGU=", anchor_from_bytes(uuid.UUID(bytes_le=guid).bytes),
            ad.anchor.swapcase(), anchor_from_bytes(GUIDS[4]), anchor_from_bytes(guid),
            anchor_from_bytes(GUIDS[(n + 1) % 3])))      # another person's AD account (found by review)
        if draw(rarely):    # an earlier sync's leftovers (SPEC §10): of this AD object, or of another one
            user.sync_enabled = False
            user.object_identifier = draw(pick(None, str(uuid.UUID(bytes_le=guid)), str(uuid.UUID(bytes_le=GUIDS[4]))))
            user.onprem_sam = draw(pick(None, ad.sam, "old.sam"))
    if draw(booleans):
        onprem.append(OnPremObject(dn=f"CN=spare,{STAFF}", object_class="user", object_guid=GUIDS[4],
                                   upn="spare@contoso.com", mail=draw(pick(
                                       "spare@contoso.com", "ann.alias@contoso.com", "bob@contoso.com")),
                                   uac=512))
    roles = [RoleAssignment(u.id, "Global Administrator", eligible=draw(booleans))
             for u in cloud_users if draw(rarely)]
    features = SyncFeatures(block_soft_match=draw(rarely), block_cloud_object_takeover_through_hard_match=draw(rarely),
                            soft_match_on_upn=not draw(rarely))
    domains = [Domain("contoso.com", True, "Federated" if draw(rarely) else "Managed"),
               Domain("contoso.onmicrosoft.com", True, is_initial=True)]
    return Directory(cloud_users=cloud_users, onprem=onprem, domains=domains, features=features,
                     role_assignments=roles, roles_known=True, mailboxes=mailboxes)


# Exchange (SPEC §10): the AD user's recipient attributes and the cloud mailbox, in the states of
# Microsoft's scenarios (plain AD user, remote user/shared mailbox, on-prem mailbox, half prepared).
EXCHANGE_STATES = [{}, {}, {"exch_recipient_type_details": 2147483648, "exch_remote_recipient_type": 4},
                   {"exch_recipient_type_details": 34359738368, "exch_remote_recipient_type": 100},
                   {"exch_recipient_type_details": 1, "home_mdb": "CN=DB01,CN=Databases,CN=Exchange"},
                   {"exch_recipient_type_details": 2147483648, "exch_mailbox_guid": "own",
                    "target_address": "SMTP:{local}@contoso.mail.onmicrosoft.com"},
                   {"target_address": "SMTP:{local}@fabrikam.com", "exch_mailbox_guid": GUIDS[3]}]
exchange_states = st.sampled_from(EXCHANGE_STATES)
RECIPIENT_TYPES = {"user": "UserMailbox", "shared": "SharedMailbox", "room": "RoomMailbox"}


def _exchange(draw, n: int, local: str, user: CloudUser, ad: OnPremObject, mailboxes: list) -> None:
    guid = str(uuid.UUID(int=0x2000 + n))
    for name, value in draw(exchange_states).items():
        if name == "target_address":
            value = value.format(local=local)
        setattr(ad, name, uuid.UUID(guid).bytes_le if value == "own" else value)
    user.mailbox_purpose = draw(pick(None, "user", "user", "shared", "room"))
    if user.mailbox_purpose and draw(pick(True, True, True, False)):
        mailboxes.append(Mailbox(user.upn, user.upn, RECIPIENT_TYPES[user.mailbox_purpose], guid,
                                 f"/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn={local}",
                                 (f"SMTP:{user.upn}", f"smtp:{local}@contoso.mail.onmicrosoft.com")))


def planned(directory: Directory, options: dict):
    """The run of the directory and the plan of every fixer on it."""
    run = Engine(directory, Config(scope=SCOPE)).run()
    plan = build_plan(run, FIXABLE, unsafe=True, options=options)
    created = [c.object.lower() for c in plan.changes if c.op == Operation.CREATE]
    dns = [o.dn.lower() for o in directory.onprem] + created
    assert len(dns) == len(set(dns)), dns          # AD refuses a second object of one DN
    return run, plan


fix_options = st.fixed_dictionaries({"write_consistency_guid": st.booleans(),
                                     "stale_immutable_id": st.sampled_from(["clear", "write-to-ad"])},
                                    optional={"create": st.just({"enabled": True, "ou": STAFF})})
SETTINGS = settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sync_view(sim: Simulator, change) -> object:
    """What sync computes from the changed object: its values, with an empty proxyAddresses read as the
    `SMTP:<mail>` sync derives (KB 3190357), so a write of only that value counts as a no-op."""
    if not sim.exists(change):
        return None
    obj, field = sim._target(change)
    if not isinstance(obj, OnPremObject):
        return getattr(obj, field or "immutable_id")
    view = {f: getattr(obj, f) for f in ONPREM_FIELDS.values()}
    proxies = obj.proxy_addresses or ((f"SMTP:{obj.mail}",) if obj.mail else ())
    view["proxy_addresses"] = sorted(proxies)
    view["extra"] = dict(obj.extra)
    return view


def evidence(run) -> dict:
    return {(s.name, cid): r for s in run.subjects for cid, r in s.results.items()}


def test_fix_properties_hold_and_reach_every_fixer():
    """On each generated directory one plan of every fixer is checked for the three properties below,
    and those same examples reach a planned change of each fixer, so the properties are not vacuous.
    (Three property tests and this coverage test drew their own directories and plans before: 800
    examples of one are cheaper than 300 of each and 800 of the plan alone, and every property now sees 800.)"""
    seen: set[str] = set()

    @SETTINGS    # 800 examples: stamping needs every blocker to pass, rare
    @given(directories(), fix_options)
    def properties(directory, options):
        run, plan = planned(directory, options)
        seen.update(change.check for change in plan.changes)
        fix_then_check_passes_and_breaks_nothing(directory, run, plan)
        undo_restores_exactly(directory, plan)
        preconditions_chain(directory, plan)

    properties()
    assert set(FIXABLE) <= seen, sorted(set(FIXABLE) - seen)
    assert set(FIXABLE) <= set(check_ids())


def fix_then_check_passes_and_breaks_nothing(directory: Directory, run, plan) -> None:
    """A change with no refusal beside it makes its check pass; a pair with a refusal (part of the
    failure left alone) gets no worse; no write is a no-op for sync; nothing that passed fails."""
    before = evidence(run)
    sim = Simulator(directory)
    for change in plan.changes:
        was = copy.deepcopy(sync_view(sim, change))
        sim.apply(change)
        assert sync_view(sim, change) != was, f"no-op write: {change.describe()}\n{plan.render()}"
    after = evidence(Engine(sim.directory, Config(scope=SCOPE)).run())
    # a fix that lets a second AD user reach a cloud user reveals a contest (matching: at most one joins
    # it); that is reported, not broken, so those results are left out of the comparisons below
    after = {key: r for key, r in after.items() if not (r.evidence and ("rivals" in r.evidence
                                                                        or "contenders" in r.evidence))}
    refused = {(item.subject, item.check) for item in plan.refused}
    changed = {(c.subject, c.check) for c in plan.changes}
    assert {key: after[key].status for key in changed - refused
            if key in after and after[key].status != "pass"} == {}, plan.render()
    for key in (changed & refused) & after.keys():
        old, new = before[key], after[key]
        assert new.status == "pass" or new.status == old.status, (key, plan.render())
        if new.status != "pass" and old.evidence and "missing" in old.evidence:
            assert set(new.evidence["missing"]) <= set(old.evidence["missing"]), (key, plan.render())
    worse = {key: (before[key].status, after[key].status) for key in before
             if before[key].status == "pass" and after.get(key) and after[key].status in FAILING}
    assert worse == {}, plan.render()


def test_proxy_superset_plans_no_write_of_only_the_derived_primary():
    """The counterexample hypothesis found: AD has mail but no proxyAddresses, the cloud alias is held
    by another AD user, so the only value left to write is SMTP:<mail>, which sync derives anyway."""
    ann = CloudUser(id="c0", upn="ann@contoso.com", mail="ann@contoso.com", user_type="Member",
                    proxy_addresses=("SMTP:ann@contoso.com", "smtp:ann.alias@contoso.com"), account_enabled=True)
    ad = OnPremObject(dn=f"CN=ann,{STAFF}", object_class="user", object_guid=GUIDS[0], upn="ann@contoso.com",
                      sam="ann", mail="ann@contoso.com", uac=512)
    spare = OnPremObject(dn=f"CN=spare,{STAFF}", object_class="user", object_guid=GUIDS[4],
                         upn="spare@contoso.com", mail="ann.alias@contoso.com", uac=512)
    directory = Directory(cloud_users=[ann], onprem=[ad, spare], roles_known=True,
                          domains=[Domain("contoso.com", True)])
    plan = build_plan(Engine(directory, Config(scope=SCOPE)).run(), ["proxy-superset"])
    assert plan.changes == []
    assert [(r.check, "held by CN=spare" in r.guidance) for r in plan.refused] == [("proxy-superset", True)]


def test_proxy_superset_writes_the_derived_primary_with_a_real_addition():
    """With an alias that can be added, the SMTP:<mail> primary goes first so sync's primary is kept."""
    ann = CloudUser(id="c0", upn="ann@contoso.com", mail="ann@contoso.com", user_type="Member",
                    proxy_addresses=("SMTP:ann@contoso.com", "smtp:ann.alias@contoso.com"), account_enabled=True)
    ad = OnPremObject(dn=f"CN=ann,{STAFF}", object_class="user", object_guid=GUIDS[0], upn="ann@contoso.com",
                      sam="ann", mail="ann@contoso.com", uac=512)
    directory = Directory(cloud_users=[ann], onprem=[ad], roles_known=True, domains=[Domain("contoso.com", True)])
    plan = build_plan(Engine(directory, Config(scope=SCOPE)).run(), ["proxy-superset"])
    assert [c.add for c in plan.changes] == [["SMTP:ann@contoso.com", "smtp:ann.alias@contoso.com"]]


def undo_restores_exactly(directory: Directory, plan) -> None:
    """Every change applied, then every inverse in reverse order, gives back the directory exactly."""
    sim = Simulator(directory)
    original = sim.state()
    for change in plan.changes:
        sim.apply(change)
    for change in reversed(plan.changes):
        sim.apply(change.inverse())
    assert sim.state() == original


def preconditions_chain(directory: Directory, plan) -> None:
    """Each change removes values exactly as they are stored at that moment and adds absent ones, and a
    read of the object tells whether it happened (what resuming and undoing a journal rely on)."""
    sim = Simulator(directory)
    for change in plan.changes:
        if change.op == Operation.CREATE:
            assert not sim.exists(change), change.describe()
            sim.apply(change)
            assert sim.exists(change), change.describe()
            continue
        now = sim.values(change)
        assert all(any(v == n for n in now) for v in change.remove), (change.describe(), now)
        sim.apply(change)
        if change.target == "onprem":
            assert (state_of(change, now), state_of(change, sim.values(change))) == ("before", "after"), \
                (change.describe(), now)


def test_upn_exists_gives_each_new_user_its_own_dn():
    """Found by the fix properties once FIXABLE came from the registry and the simulator learnt LDAP adds."""
    users = [CloudUser(id=f"c{n}", upn=f"{local}@contoso.com", mail=f"{local}@contoso.com", display_name="Ann",
                       proxy_addresses=(f"SMTP:{local}@contoso.com",), account_enabled=True, user_type="Member")
             for n, local in enumerate(["ann", "bob"])]
    directory = Directory(cloud_users=users, onprem=[], roles_known=True, domains=[Domain("contoso.com", True)])
    plan = build_plan(Engine(directory, Config(scope=SCOPE)).run(), ["upn-exists"],
                      options={"create": {"enabled": True, "ou": STAFF}})
    dns = [c.object.lower() for c in plan.changes if c.op == Operation.CREATE]
    assert len(dns) == 2 and len(set(dns)) == 2, dns


def test_upn_exists_names_a_new_user_apart_from_an_existing_cn():
    """An AD object already named CN=Ann in the OU: the new user becomes CN=Ann (sAMAccountName)."""
    user = CloudUser(id="c0", upn="ann@contoso.com", mail="ann@contoso.com", display_name="Ann",
                     proxy_addresses=("SMTP:ann@contoso.com",), account_enabled=True, user_type="Member")
    other = OnPremObject(dn=f"CN=Ann,{STAFF}", object_class="user", object_guid=GUIDS[1], upn="ann.x@contoso.com",
                         sam="annx", mail="ann.x@contoso.com", uac=512)
    directory = Directory(cloud_users=[user], onprem=[other], roles_known=True, domains=[Domain("contoso.com", True)])
    plan = build_plan(Engine(directory, Config(scope=SCOPE)).run(), ["upn-exists"],
                      options={"create": {"enabled": True, "ou": STAFF}})
    assert [c.object for c in plan.changes] == [f"CN=Ann (ann),{STAFF}"]


def test_previously_synced_leaves_the_object_identifier_that_blocks_another_users_hard_match():
    """Found by the fix properties (seed 909): ann@'s ImmutableID is Cy's anchor and its stale object
    identifier is what blocks Cy's hard match; clearing it would join Cy, not Ann (same UPN), to ann@."""
    ann = CloudUser(id="c0", upn="ann@contoso.com", mail="ann@contoso.com", user_type="Member",
                    proxy_addresses=("SMTP:ann@contoso.com",), account_enabled=True,
                    immutable_id=anchor_from_bytes(GUIDS[5]), sync_enabled=False,
                    object_identifier=str(uuid.UUID(bytes_le=GUIDS[4])))
    ad_ann = OnPremObject(dn=f"CN=ann,{STAFF}", object_class="user", object_guid=GUIDS[0], upn="ann@contoso.com",
                          sam="ann", mail="ann@contoso.com", uac=512)
    ad_cy = OnPremObject(dn=f"CN=cy,{STAFF}", object_class="user", object_guid=GUIDS[2], consistency_guid=GUIDS[5],
                         upn="cy@contoso.com", sam="cy", mail="cy@contoso.com", uac=512)
    directory = Directory(cloud_users=[ann], onprem=[ad_ann, ad_cy], roles_known=True,
                          domains=[Domain("contoso.com", True)])
    plan = build_plan(Engine(directory, Config(scope=SCOPE)).run(), ["previously-synced"], unsafe=True)
    assert plan.changes == []
    reasons = " | ".join(r.guidance for r in plan.refused)
    assert "onPremisesObjectIdentifier is left" in reasons and f"let CN=cy,{STAFF} hard-match" in reasons, reasons
    directory.onprem[1] = dataclasses.replace(ad_cy, consistency_guid=None)   # no one's anchor: it is cleared
    plan = build_plan(Engine(directory, Config(scope=SCOPE)).run(), ["previously-synced"], unsafe=True)
    assert "onPremisesObjectIdentifier" in [c.attribute for c in plan.changes], plan.render()
