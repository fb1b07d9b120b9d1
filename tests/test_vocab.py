"""One vocabulary: every enum value is its SPEC string, and survives the results JSON unchanged."""
from __future__ import annotations

import json

import pytest
from builders import cloud, directory, onprem, run
from hypothesis import given
from hypothesis import strategies as st

from syncready import checkapi, engine
from syncready.checkapi import Result
from syncready.config import Config, Waiver
from syncready.engine import Engine
from syncready.fixing import attach_previews
from syncready.results import read_results, results_document, write_json
from syncready.vocab import (
    FAILING,
    FailOn,
    FixAvailability,
    Operation,
    Readiness,
    Safety,
    Severity,
    Status,
    SubjectKind,
    Target,
    gates,
)

ENUMS = (Status, Severity, FailOn, SubjectKind, Readiness, FixAvailability, Safety, Target, Operation)
SPEC = {Status: {"pass", "fail", "skip", "error", "waived"}, Severity: {"blocker", "warning"},
        FailOn: {"blocker", "warning", "never"}, SubjectKind: {"cloud-user", "onprem-user", "tenant", "onprem-group"},
        Readiness: {"ready", "at-risk", "blocked"}, FixAvailability: {"always", "sometimes", "manual"},
        Safety: {"safe", "unsafe"}, Target: {"onprem", "cloud"}, Operation: {"modify", "create", "delete", "patch"}}


@pytest.mark.parametrize("member", [m for enum in ENUMS for m in enum], ids=str)
def test_every_value_is_its_spec_string_in_json(member):
    assert member.value in SPEC[type(member)]
    assert json.loads(json.dumps({member: member})) == {member.value: member.value}
    assert type(member)(json.loads(json.dumps(member))) is member
    assert f"{member}" == member.value == member


def test_the_names_other_modules_import_are_the_vocabulary():
    assert engine.FAILING is FAILING and set(FAILING) == {"fail", "error"}
    assert checkapi.STATUSES == ("pass", "fail", "skip", "error", "waived")
    assert checkapi.SEVERITIES == ("blocker", "warning")
    assert [gates(s, f) for s in Severity for f in FailOn] == [True, True, False, False, True, False]


@given(status=st.sampled_from(list(Status)), baseline=st.sampled_from([None, "new", "unchanged"]))
def test_a_result_round_trips_through_json(status, baseline):
    result = Result(status, "m", {"k": [1]}, baseline=baseline)
    back = json.loads(json.dumps(result.to_json()))
    assert Status(back["status"]) is status and back.get("baseline") == baseline
    assert Result(back["status"], back["message"], back["evidence"], baseline=back.get("baseline")) == result


def test_every_status_kind_readiness_and_change_verb_in_a_results_file_reads_back(tmp_path):
    """A run with each status, kind and readiness, written and read back: the same strings."""
    alice, bob, carol = "alice@contoso.com", "bob@contoso.com", "carol@contoso.com"
    d = directory([cloud(alice), cloud(bob), cloud(carol, immutable_id="c3RhbGU="), cloud("erin@contoso.com")],
                  [onprem(alice), onprem(bob, mail="old@contoso.com", proxies=("SMTP:old@contoso.com",)),
                   onprem(carol), onprem("dave@contoso.com"),
                   onprem(None, mail="team@contoso.com", cn="Team", object_class="group", uac=None)])
    config = Config(waivers=[Waiver("mail-primary-smtp", (bob,), "later")])
    r = Engine(d, config, select=["mail-primary-smtp", "proxy-superset", "cloud-only", "no-admin-role",
                                  "orphan-onprem", "tenant-sync-features", "upn-exists", "group-takeover"]).run()
    attach_previews(r)
    path = tmp_path / "results.json"
    write_json(results_document(r), path)
    doc = read_results(path)
    seen: dict[type, set] = {enum: set() for enum in ENUMS}
    for entry in doc["subjects"]:
        seen[SubjectKind].add(SubjectKind(entry["kind"]))
        seen[Readiness].add(Readiness(entry["readiness"]))
        for result in entry["results"].values():
            seen[Status].add(Status(result["status"]))
            for change in (result.get("fix") or {}).get("changes", []):
                seen[Target].add(Target(change["target"]))
                seen[Operation].add(Operation(change["op"]))
                seen[Safety].add(Safety(change["safety"]))
    for check in doc["checks"]:
        seen[Severity].add(Severity(check["severity"]))
        seen[FixAvailability].add(FixAvailability(check["fix"]))
    assert seen[SubjectKind] == set(SubjectKind) and seen[Readiness] >= {Readiness.READY, Readiness.BLOCKED}
    assert seen[Status] >= {Status.PASS, Status.FAIL, Status.SKIP, Status.WAIVED}
    assert seen[Severity] == set(Severity) and seen[FixAvailability] == set(FixAvailability)
    assert seen[Target] == set(Target) and Operation.MODIFY in seen[Operation] and Operation.PATCH in seen[Operation]
    assert seen[Safety] == set(Safety)
    assert run(d).summary()["by_check"]["mail-primary-smtp"].keys() == {s.value for s in Status}
