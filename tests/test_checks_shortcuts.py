"""The shortcuts of the per-subject checks decide exactly what the full rules decide.

proxy-unique, upn-unique, single-match and attribute-drift answer the clean case (nearly every subject)
without building the full evidence: an address held only by the pair itself, a prediction onto this
very cloud user, the same text on both sides. Each module keeps its full rule as `_rule`; here both are
run on generated small directories whose values are drawn from tiny pools, so that shared addresses,
letter case, *.onmicrosoft.com, out-of-scope holders, rivals, unread sync behavior, Unicode forms and
multi-valued attributes all meet, and the Results must be equal (status, message and evidence).
"""
import uuid

import pytest
from hypothesis import given, settings, strategies as st

from syncready.checks import attribute_drift, proxy_unique, single_match, upn_unique
from syncready.config import DEFAULT_DRIFT, Config, Scope
from syncready.engine import Engine
from syncready.immutableid import anchor_from_bytes
from syncready.model import CloudObject, CloudUser, Directory, OnPremObject, SyncFeatures
from syncready.vocab import SubjectKind

BASE = "DC=contoso,DC=test"
STAFF, LEAVERS = f"OU=Staff,{BASE}", f"OU=Leavers,{BASE}"
LOCALS = ["u0", "U1", "u2", "ann"]           # u<n> is also the n-th cloud user's own name: collisions happen
DOMAINS = ["contoso.com", "CONTOSO.COM", "contoso.onmicrosoft.com", "fabrikam.com."]
GUIDS = [uuid.UUID(int=i + 1).bytes_le for i in range(3)]
IMMUTABLE_IDS = ["c3RhbGU="] + [anchor_from_bytes(g) for g in GUIDS]   # a stale one; the AD users' anchors
# names: equal text, NFC against NFD, case, blanks, empty and absent values, lists and tuples, a number
TEXTS = ["Zoë", "Zoe\u0308", "zoë", "Ann Smith", "Ann  Smith", "", None]
EXTRAS = TEXTS + [["Sales"], ["Sales", "HR"], [], ("Sales",), ("Zoe\u0308", "HR"), 5, "5", 0, False]
DRIFTS = [DEFAULT_DRIFT, DEFAULT_DRIFT + (("department", "department"), ("telephoneNumber", "businessPhones")),
          (("givenName", "givenName"), ("Department", "Department"), ("displayName", "surname"))]
SCOPES = [Scope(), Scope(include=(STAFF,)), Scope(exclude=(LEAVERS,))]

address = st.builds(lambda local, domain: f"{local}@{domain}", st.sampled_from(LOCALS), st.sampled_from(DOMAINS))
maybe_address = st.none() | address
proxies = st.lists(st.builds(lambda p, a: f"{p}:{a}", st.sampled_from(["SMTP", "smtp", "SIP", "X500"]), address),
                   max_size=3).map(tuple)
texts = st.sampled_from(TEXTS)
extras = st.dictionaries(st.sampled_from(["department", "Department", "businessPhones", "telephonenumber"]),
                         st.sampled_from(EXTRAS), max_size=2)
tristate = st.sampled_from([None, None, None, False, True])
rarely = st.sampled_from([False] * 5 + [True])
usually = st.sampled_from([True, True, True, False])


def mostly(draw, usual, other):
    """The clean value three times in four, else one drawn from `other` (an edge value)."""
    return usual if draw(usually) else draw(other)


@st.composite
def cloud_users(draw, n):
    upn = mostly(draw, f"u{n}@contoso.com", address)
    mail = mostly(draw, upn, maybe_address)
    own = (f"SMTP:{mail}", f"smtp:u{n}@contoso.onmicrosoft.com") if mail else ()
    return CloudUser(id=f"c{n}", upn=upn, mail=mail, proxy_addresses=mostly(draw, own, proxies),
                     given_name=mostly(draw, "Zoë", texts), surname=mostly(draw, "Ann Smith", texts),
                     display_name=mostly(draw, "Ann Smith", texts), extra=mostly(draw, {"department": "Sales"}, extras),
                     immutable_id=mostly(draw, None, st.sampled_from(IMMUTABLE_IDS)),
                     sync_enabled=mostly(draw, None, tristate), cloud_managed=mostly(draw, None, tristate),
                     last_sync=mostly(draw, None, st.just("2024-03-01T10:00:00Z")),
                     user_type=mostly(draw, "Member", st.just("Guest")))


@st.composite
def twins(draw, n, user):
    """The AD user of cloud user `user`, its values mostly the same."""
    proxies_ = tuple(p for p in user.proxy_addresses if "onmicrosoft" not in p)
    return OnPremObject(dn=f"CN=t{n},{mostly(draw, STAFF, st.just(LEAVERS))}", object_class="user",
                        object_guid=GUIDS[n % len(GUIDS)], upn=mostly(draw, user.upn, maybe_address),
                        mail=mostly(draw, user.mail, maybe_address), proxy_addresses=mostly(draw, proxies_, proxies),
                        given_name=mostly(draw, user.given_name, texts), sn=mostly(draw, user.surname, texts),
                        display_name=mostly(draw, user.display_name, texts),
                        extra=mostly(draw, {k.lower(): v for k, v in user.extra.items()}, extras),
                        critical=draw(rarely))


@st.composite
def onprem_objects(draw, n):
    kind = draw(st.sampled_from(["user", "user", "group", "contact"]))
    return OnPremObject(dn=f"CN=o{n},{draw(st.sampled_from([STAFF, LEAVERS]))}", object_class=kind,
                        object_guid=draw(st.sampled_from(GUIDS)), upn=draw(maybe_address), mail=draw(maybe_address),
                        proxy_addresses=draw(proxies), given_name=draw(texts), sn=draw(texts),
                        display_name=draw(texts), extra=draw(extras), critical=draw(rarely))


@st.composite
def cases(draw):
    users = [draw(cloud_users(n)) for n in range(draw(st.integers(1, 4)))]
    ad = [draw(twins(n, u)) for n, u in enumerate(users) if draw(usually)]
    ad += [draw(onprem_objects(n)) for n in range(draw(st.integers(0, 2)))]
    mailers = [CloudObject(id=f"m{n}", kind=draw(st.sampled_from(["group", "contact"])), mail=draw(maybe_address),
                           proxy_addresses=draw(proxies)) for n in range(draw(st.integers(0, 2)))]
    features = SyncFeatures(soft_match_on_upn=draw(st.booleans()), block_soft_match=draw(rarely))
    d = Directory(cloud_users=users, onprem=draw(st.permutations(ad)), features=features, roles_known=True,
                  cloud_groups=[m for m in mailers if m.kind == "group"],
                  cloud_contacts=[m for m in mailers if m.kind == "contact"])
    if draw(st.booleans()):
        d.coverage.not_read("users.onPremisesSyncBehavior", "refused (403)")
    return d, Config(scope=draw(st.sampled_from(SCOPES)), drift=draw(st.sampled_from(DRIFTS)))


def engine_of(case) -> Engine:
    return Engine(*case)       # built in the test, not in the draw: Hypothesis times the draws


def cloud_subjects(engine):
    return [s for s in engine.subjects()[0] if s.kind == SubjectKind.CLOUD_USER]


# a shortcut that errs needs several clean values and one edge value together; no deadline: the first
# example loads the check registry
MANY = settings(max_examples=300, deadline=None)


@MANY
@given(cases())
def test_proxy_unique_shortcut_is_the_full_rule(case):
    engine = engine_of(case)
    for s in cloud_subjects(engine):
        if s.counterpart is not None:
            assert proxy_unique.check(s.obj, s.counterpart, engine.index) == \
                proxy_unique._rule(s.obj, s.counterpart, engine.index)


@MANY
@given(cases())
def test_upn_unique_shortcut_is_the_full_rule(case):
    engine = engine_of(case)
    for s in cloud_subjects(engine):
        assert upn_unique.check(s.obj, engine.index) == upn_unique._rule(s.obj, engine.index)


@MANY
@given(cases())
def test_single_match_shortcut_is_the_full_rule(case):
    engine = engine_of(case)
    for s in cloud_subjects(engine):
        assert single_match.check(s.obj, s.counterpart, engine.index) == \
            single_match._rule(s.obj, s.counterpart, engine.index)


@MANY
@given(cases())
def test_attribute_drift_shortcut_is_the_full_rule(case):
    engine = engine_of(case)
    for s in cloud_subjects(engine):
        if s.paired is not None:
            assert attribute_drift.check(s.obj, s.paired, engine.config, engine.index) == \
                attribute_drift._rule(s.obj, s.paired, engine.config, engine.index)


@MANY
@given(cases())
def test_held_only_by_means_holders_finds_nobody(case):
    """The lemma under both address shortcuts, for every address of the pools and every pair."""
    engine = engine_of(case)
    index = engine.index
    keys = {f"{local}@{domain}".lower() for local in LOCALS for domain in DOMAINS}
    for user in engine.directory.cloud_users:
        for key in keys:
            if index.held_only_by(key, user):
                assert index.holders(key, besides=(user,), onprem="none", ignore_onmicrosoft=False) == []
            for obj in engine.directory.onprem:
                if index.held_only_by(key, user, obj):
                    assert index.holders(key, besides=(user, obj)) == []


EDGES = [(0, None), (False, None), (0, "0"), ("Zoë", "zoë"), ("Zoë", "Zoe\u0308"), (["Sales"], "Sales"), ("", None),
         ([], "x"), ("5", 5), (("Sales", "HR"), ["Sales", "HR"]), ("Sales", None), (None, "Sales")]


@pytest.mark.parametrize("cloud_value,ad_value", EDGES)
def test_attribute_drift_shortcut_on_edge_values(cloud_value, ad_value):
    """Each edge value once, with every other value the same on both sides (where a lax shortcut errs)."""
    user = CloudUser(id="c0", upn="u0@contoso.com", given_name="Zoë", surname="Smith", display_name="Zoë Smith",
                     extra={"department": cloud_value})
    ad = OnPremObject(dn=f"CN=t0,{STAFF}", object_class="user", object_guid=GUIDS[0], upn=user.upn,
                      given_name="Zoë", sn="Smith", display_name="Zoë Smith", extra={"department": ad_value})
    engine = Engine(Directory(cloud_users=[user], onprem=[ad], roles_known=True), Config(drift=DRIFTS[1]))
    assert attribute_drift.check(user, ad, engine.config, engine.index) == \
        attribute_drift._rule(user, ad, engine.config, engine.index)
