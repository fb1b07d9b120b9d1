"""Engine.run's store of results, its subjects and its pause of the cyclic collector.

A run holds one result per check and subject; each subject's results are one list in the order of
a table of check ids its kind shares, read through the Mapping interface every reader uses."""
from __future__ import annotations

import dataclasses
import gc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncready.checkapi import PASS, Result, failed
from syncready.config import Config, Waiver
from syncready.engine import SYNCED, Engine
from syncready.subjectresults import Layout, Results, tally
from syncready.model import OnPremObject
from syncready.vocab import Readiness, Severity, Status

from builders import cloud, directory, onprem

FAIL = failed("no")


def _run(select=None):
    ann, bob = cloud("ann@contoso.com"), cloud("bob@contoso.com", sync_enabled=True)
    return Engine(directory([ann, bob], [onprem("ann@contoso.com")]), select=select).run()


def test_every_subject_of_a_kind_shares_one_table_of_check_positions():
    run = _run()
    cloud_users = [s for s in run.subjects if s.kind == "cloud-user"]
    cloud_checks = [c.id for c in run.checks if c.meta.subject == "cloud-user"]
    assert len(cloud_users) == 2
    for subject in cloud_users:
        assert isinstance(subject.results, Results)
        assert list(subject.results) == cloud_checks
        assert subject.results._layout is cloud_users[0].results._layout
    synced = next(s for s in cloud_users if s.synced)
    assert set(map(id, synced.results.values())) == {id(SYNCED)}


def test_the_store_reads_as_the_dict_a_run_used_to_keep():
    layout = Layout(["a", "b", "c"])
    results = Results(layout, [PASS, FAIL, PASS])
    plain = {"a": PASS, "b": FAIL, "c": PASS}
    assert results == plain and dict(results) == plain and len(results) == 3
    assert list(results.items()) == list(plain.items())
    assert list(results.values()) == list(plain.values()) and list(results.keys()) == list(plain)
    assert results["b"] is FAIL and results.get("b") is FAIL and results.get("x") is None
    assert results.get("x", PASS) is PASS and "a" in results and "x" not in results
    with pytest.raises(KeyError):
        results["x"]
    assert repr(results) == repr(plain)


_SHARED = [PASS, Result(Status.SKIP, "not applicable"), Result(Status.FAIL, "shared failure")]


@st.composite
def _stores(draw):
    """Results of two layouts, their Results shared or each their own (equal but not the same), some
    with an id beside the layout, and plain dicts: what a run's subjects and a test's may hold."""
    layouts = [Layout(["a", "b", "c"]), Layout(["c", "a"])]
    stores: list = []
    for _ in range(draw(st.integers(0, 30))):
        layout = draw(st.sampled_from(layouts))
        values = [draw(st.sampled_from(_SHARED)) if draw(st.booleans()) else
                  Result(draw(st.sampled_from(list(Status))), "own") for _ in layout.ids]
        store = Results(layout, values) if draw(st.integers(0, 4)) else dict(zip(layout.ids, values, strict=True))
        if isinstance(store, Results) and not draw(st.integers(0, 5)):
            store["d"] = draw(st.sampled_from(_SHARED))
        stores.append(store)
    return stores


@given(_stores())
def test_the_tally_counts_every_result_once(stores):
    counted = {cid: dict.fromkeys(Status, 0) for cid in "abcd"}
    tally(stores, counted)
    expected = {cid: dict.fromkeys(Status, 0) for cid in "abcd"}
    for store in stores:
        for cid, result in store.items():
            expected[cid][result.status] += 1
    assert counted == expected


def test_the_tally_refuses_a_store_missing_results_as_reading_it_does():
    short = Results(Layout(["a", "b"]), [PASS])         # a position never filled: not silently left out
    with pytest.raises(ValueError):
        tally([short], {"a": dict.fromkeys(Status, 0), "b": dict.fromkeys(Status, 0)})


def test_assignment_and_deletion_behave_as_a_dicts():
    layout = Layout(["a", "b"])
    results, plain = Results(layout, [PASS, PASS]), {"a": PASS, "b": PASS}
    for store in (results, plain):
        store["b"] = FAIL           # in the table: replaced in place
        store["z"] = FAIL           # outside it: after the others, as a new dict key
        store["y"] = PASS
    assert list(results.items()) == list(plain.items()) and len(results) == 4
    for store in (results, plain):
        del store["z"]
    assert list(results.items()) == list(plain.items())
    for store in (results, plain):
        del store["a"]
    assert list(results.items()) == list(plain.items()) and "a" not in results
    results["a"] = PASS
    plain["a"] = PASS
    assert list(results.items()) == list(plain.items())
    with pytest.raises(KeyError):
        del results["nothing"]
    empty = Results()
    empty["q"] = PASS
    assert dict(empty) == {"q": PASS} and empty.get("q") is PASS


def test_a_run_gives_the_same_results_and_readiness_as_checking_each_subject_alone():
    engine = Engine(directory([cloud("ann@contoso.com"), cloud("carl@contoso.com")],
                              [onprem("ann@contoso.com"), onprem("dora@contoso.com")]))
    run = engine.run()
    fresh = Engine(engine.directory)
    subjects, _ = fresh.subjects()
    for subject, alone in zip(run.subjects, subjects, strict=True):
        expected = {c.id: fresh.evaluate(c, alone) for c in fresh.checks if c.meta.subject == subject.kind}
        assert {k: (r.status, r.message) for k, r in subject.results.items()} == {
            k: (r.status, r.message) for k, r in expected.items()}
        failing = [r for r in expected.values() if r.status in (Status.FAIL, Status.ERROR)]
        assert (subject.readiness == Readiness.READY) == (not failing)


def test_the_collector_is_paused_while_checks_run_and_restored_after():
    engine = Engine(directory([cloud("ann@contoso.com")], [onprem("ann@contoso.com")]), select=["upn-exists"])
    seen = []

    def check(*_):
        seen.append(gc.isenabled())
        return PASS

    engine.checks = [dataclasses.replace(engine.checks[0], func=check)]
    assert gc.isenabled()
    engine.run()
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        engine.run()
        assert not gc.isenabled()      # a caller's own pause is left as it was
    finally:
        gc.enable()


def test_a_cloud_users_counterparts_are_the_indexs_own_tuple():
    engine = Engine(directory([cloud("ann@contoso.com")], [onprem("ann@contoso.com")]))
    subject = next(s for s in engine.subjects()[0] if s.kind == "cloud-user")
    assert subject.counterparts is engine.index.onprem_by_upn["ann@contoso.com"]
    assert subject.counterpart is subject.counterparts[0] and subject.paired is subject.counterpart


def test_a_result_that_is_none_or_an_exception_becomes_an_error_in_its_position():
    engine = Engine(directory([cloud("ann@contoso.com")], [onprem("ann@contoso.com")]),
                    select=["upn-exists", "upn-unique"])

    def broken(*_):
        raise ValueError("boom")

    first, second = engine.checks
    engine.checks = [dataclasses.replace(first, func=lambda *_: None),
                     dataclasses.replace(second, func=broken)]
    results = next(s for s in engine.run().subjects if s.kind == "cloud-user").results
    assert [r.status for r in results.values()] == [Status.ERROR, Status.ERROR]
    assert isinstance(results[second.id], Result) and "ValueError: boom" in results[second.id].message


def test_subjects_are_built_with_the_collector_paused():
    engine = Engine(directory([cloud("ann@contoso.com")], [onprem("ann@contoso.com")]))
    seen = []
    lookup = engine.index.counterpart_tuple

    def counted(user):
        seen.append(gc.isenabled())
        return lookup(user)

    engine.index.counterpart_tuple = counted    # type: ignore[method-assign]
    engine.subjects()
    assert seen == [False] and gc.isenabled()


_BEHAVIOURS = ("pass", "fail", "none", "raise", "stop")


def _behaving(chosen: dict[str, str]):
    """A check whose outcome for a subject (a cloud user by UPN, an AD object by DN) is `chosen[it]`:
    a pass, a failure, None, an exception, or a StopIteration (which would end a bare `map` early)."""
    def check(obj, *_):
        name = obj.dn if isinstance(obj, OnPremObject) else obj.upn
        what = chosen.get(name, "pass")
        if what == "raise":
            raise RuntimeError(f"broken for {name}")
        if what == "stop":
            raise StopIteration
        return None if what == "none" else FAIL if what == "fail" else PASS
    return check


def _readiness(results: dict[str, Result], severity: dict[str, str]) -> Readiness:
    failing = [cid for cid, r in results.items() if r.status in (Status.FAIL, Status.ERROR)]
    if any(severity[cid] == Severity.BLOCKER for cid in failing):
        return Readiness.BLOCKED
    return Readiness.AT_RISK if failing else Readiness.READY


@given(people=st.lists(st.tuples(st.sampled_from(("none", "one", "two")), st.booleans(),
                                 st.sampled_from(_BEHAVIOURS), st.sampled_from(_BEHAVIOURS)),
                       min_size=1, max_size=12),
       waive=st.booleans())
def test_a_check_over_a_column_of_subjects_gives_what_each_subject_gives_alone(people, waive):
    """Engine.run maps each check over its subjects' argument columns (falling back to one call at a
    time when a call raises, gives None or stops the map); per subject that must be exactly
    `evaluate`, the path the pytest front end takes: the results, their positions, the readiness,
    the waivers counted. The checks chosen take the subject alone (upn-exists, orphan-onprem), its
    counterpart (attribute-valid) and its paired AD user (proxy-superset), blockers and a warning."""
    users, objects, chosen = [], [], {}
    for i, (counterparts, synced, cloud_way, onprem_way) in enumerate(people):
        upn = f"u{i}@contoso.com"
        users.append(cloud(upn, sync_enabled=synced))
        chosen[upn] = cloud_way
        for n in range({"none": 0, "one": 1, "two": 2}[counterparts]):
            obj = onprem(upn, cn=f"u{i}-{n}")
            objects.append(obj)
            chosen[obj.dn] = onprem_way
    waivers = (Waiver("attribute-valid", ("u1@*",), "accepted"),) if waive else ()

    def engine() -> Engine:
        made = Engine(directory(users, objects), Config(waivers=waivers),
                      select=["attribute-valid", "upn-exists", "proxy-superset", "orphan-onprem"])
        made.checks = [dataclasses.replace(c, func=_behaving(chosen)) for c in made.checks]
        return made

    ran, alone = engine(), engine()
    run = ran.run()
    subjects, _ = alone.subjects()
    for subject, single in zip(run.subjects, subjects, strict=True):
        expected = {c.id: alone.evaluate(c, single) for c in alone.checks if c.meta.subject == subject.kind}
        got = {k: (r.status, r.message, r.waiver) for k, r in subject.results.items()}
        assert got == {k: (r.status, r.message, r.waiver) for k, r in expected.items()}, subject.name
        assert subject.readiness == (Readiness.READY if subject.synced else _readiness(expected, alone.severity))
    assert list(run.waiver_use.values()) == list(alone.waiver_use.values())


def test_a_check_of_no_fixtures_is_called_once_for_each_subject():
    """`map` needs an argument column, so a check that asks for no fixture is called one subject at
    a time; each subject still gets its result and its readiness."""
    engine = Engine(directory([cloud("ann@contoso.com"), cloud("bob@contoso.com")], [onprem("ann@contoso.com")]),
                    select=["upn-exists"])
    calls = []

    def check():
        calls.append(1)
        return FAIL

    engine.checks = [dataclasses.replace(engine.checks[0], func=check, params=())]
    run = engine.run()
    assert len(calls) == 2
    assert [(s.results["upn-exists"], s.readiness) for s in run.subjects] == [(FAIL, Readiness.BLOCKED)] * 2
