"""The Index's tables: the same holders in the same order as a plain scan, at the memory of one small
tuple per key and no second copy of a key that is already lower-case."""
from __future__ import annotations

from hypothesis import given, strategies as st

from syncready.addresses import smtp_addresses
from syncready.config import Config, Scope
from syncready.index import Index
from syncready.model import CloudUser, OnPremObject, SyncSettings
from syncready.vocab import SourceAnchor

from builders import BASE, cloud, directory, group, onprem

PREFIXES = ("SMTP:", "smtp:", "Smtp:", "sMTP:", "X500:", "SIP:", "")
LOCALS = ("ann", "Ann", "bob", "BOB", "carl")


def test_a_lower_case_key_is_the_objects_own_string_and_holders_are_tuples():
    ann = cloud("ann@contoso.com", proxies=("SMTP:ann@contoso.com",))
    carl = onprem("carl@contoso.com")
    index = Index(directory([ann], [carl]))
    upn_key = next(iter(index.cloud_by_upn))
    assert upn_key is ann.upn
    assert next(iter(index.onprem_by_upn)) is carl.upn
    assert {k for k in index._onprem_by_smtp if k is carl.upn} == {carl.upn}
    assert next(k for k in index._cloud_by_smtp if k == ann.mail) is ann.mail
    assert index.cloud_by_upn["ann@contoso.com"] == (ann,)
    assert index.onprem_by_anchor[carl.anchor] == (carl,)


def test_one_tuple_holds_an_object_under_all_its_keys_where_it_is_alone():
    ann = cloud("ann@contoso.com", proxies=("SMTP:ann@contoso.com", "smtp:a.n@contoso.com"))
    bob = cloud("bob@contoso.com", proxies=("SMTP:bob@contoso.com", "smtp:a.n@contoso.com"))
    carl = onprem("carl@contoso.com", proxies=("SMTP:carl@contoso.com", "smtp:c@contoso.com"))
    index = Index(directory([ann, bob], [carl]))
    assert index.cloud_by_upn["ann@contoso.com"] is index._cloud_by_smtp["ann@contoso.com"]
    assert index._cloud_by_smtp["a.n@contoso.com"] == (ann, bob)        # shared by two: a tuple of its own
    assert index.cloud_by_upn["bob@contoso.com"] == (bob,)
    held = [index.onprem_by_upn["carl@contoso.com"], index._onprem_by_smtp["c@contoso.com"],
            index.onprem_by_anchor[carl.anchor]]
    assert held[0] == (carl,) and all(t is held[0] for t in held)


def test_several_holders_of_one_key_keep_the_directory_order_in_a_tuple():
    first, second, third = cloud("Ann@Contoso.com"), cloud("ann@contoso.com"), cloud("ANN@contoso.com")
    index = Index(directory([first, second, third]))
    assert index.cloud_by_upn["ann@contoso.com"] == (first, second, third)
    assert index.cloud_by_primary_smtp["ann@contoso.com"] == (first, second, third)
    assert index.holders("ann@CONTOSO.com") == [first, second, third]


def test_without_a_configured_scope_only_critical_objects_are_out_of_it():
    plain, critical = onprem("ann@contoso.com"), onprem("bob@contoso.com", critical=True)
    index = Index(directory([], [plain, critical]))
    assert index.in_scope(plain) and not index.in_scope(critical)
    assert index.onprem_subjects() == [plain]
    scoped = Index(directory([], [plain, critical]), Config(scope=Scope(exclude=(f"OU=Staff,{BASE}",))))
    assert not scoped.in_scope(plain) and scoped.onprem_subjects() == []


def test_the_objectguid_rule_gives_the_objectguid_anchor_even_with_a_consistency_guid():
    ad = onprem("ann@contoso.com", consistency_guid=b"\x01" * 16)
    default = Index(directory([], [ad]))
    by_guid = Index(directory([], [ad]), Config(sync=SyncSettings(source_anchor=SourceAnchor.OBJECT_GUID)))
    assert default.anchor(ad) == ad.anchor_for(None) != ad.anchor_for("objectGUID")
    assert by_guid.anchor(ad) == ad.anchor_for("objectGUID")
    assert list(by_guid.onprem_by_anchor) == [ad.anchor_for("objectGUID")]


proxy = st.builds(lambda p, name, dom: f"{p}{name}@{dom}", st.sampled_from(PREFIXES), st.sampled_from(LOCALS),
                  st.sampled_from(("contoso.com", "Contoso.COM")))
mail = st.none() | st.sampled_from(("ann@contoso.com", "Ann@contoso.com", "bob@contoso.com"))


@given(st.lists(st.tuples(st.lists(proxy, max_size=3), mail, st.booleans(), st.sampled_from(LOCALS)), max_size=6),
       st.lists(st.tuples(st.lists(proxy, max_size=3), mail, st.sampled_from(LOCALS)), max_size=6))
def test_the_smtp_tables_hold_what_a_scan_of_smtp_addresses_finds(onprem_specs, cloud_specs):
    ad = [OnPremObject(f"CN={i},{BASE}", "user" if user else "contact", upn=f"{name}@contoso.com",
                       mail=m, proxy_addresses=tuple(p), object_guid=bytes([i]) * 16)
          for i, (p, m, user, name) in enumerate(onprem_specs)]
    users = [CloudUser(str(i), f"{name}@contoso.com", mail=m, proxy_addresses=tuple(p))
             for i, (p, m, name) in enumerate(cloud_specs)]
    sales = group("ann@contoso.com")
    index = Index(directory(users, ad, [sales]))
    for table, objects in ((index._onprem_by_smtp, ad), (index._cloud_by_smtp, [*users, sales])):
        expected: dict[str, list] = {}
        for obj in objects:
            for address in obj.smtp_addresses():
                expected.setdefault(address, []).append(obj)
        assert {k: list(v) for k, v in table.items()} == expected
        assert all(type(v) is tuple for v in table.values())
        for obj in objects:
            assert smtp_addresses(obj.proxy_addresses, obj.mail) <= set(table)
