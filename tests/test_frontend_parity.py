"""The pytest front end and the engine give the same outcome for every check and subject."""
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from syncready.config import Config, Scope
from syncready.engine import FAILING, Engine
from syncready.sources.ldif import write_ldif
from syncready.sources.snapshot import read_snapshot

LOCALS = ["ann", "bob", "cy", "dee", "eve", "fay"]
DOMAINS = ["contoso.com", "Contoso.com", "contoso.onmicrosoft.com", "fabrikam.com"]
BASE = "DC=contoso,DC=test"

address = st.builds(lambda local, domain: f"{local}@{domain}", st.sampled_from(LOCALS), st.sampled_from(DOMAINS))
proxy = st.builds(lambda p, a: f"{p}:{a}", st.sampled_from(["SMTP", "smtp", "SIP", "x500"]), address)


@st.composite
def tenant(draw):
    cloud, ad, seen = [], [], set()
    for upn in draw(st.lists(address, max_size=6)):
        if upn.lower() in seen:
            continue
        seen.add(upn.lower())
        cloud.append({"id": str(uuid.uuid4()), "userPrincipalName": upn, "mail": draw(st.none() | address),
                      "proxyAddresses": draw(st.lists(proxy, max_size=3)),
                      "userType": draw(st.sampled_from(["Member", "Member", "Guest"])),
                      "onPremisesSyncEnabled": draw(st.sampled_from([None, None, True])),
                      "onPremisesImmutableId": None, "accountEnabled": draw(st.booleans())})
    for n, upn in enumerate(draw(st.lists(st.none() | address, max_size=6))):
        attrs = {"objectClass": ["top", "person", "organizationalPerson", "user"], "cn": [f"u{n}"],
                 "objectGUID": [uuid.uuid4().bytes_le], "sAMAccountName": [f"u{n}"],
                 "proxyAddresses": draw(st.lists(proxy, max_size=3))}
        if upn:
            attrs["userPrincipalName"] = [upn]
        mail = draw(st.none() | address)
        if mail:
            attrs["mail"] = [mail]
        ou = draw(st.sampled_from(["OU=Staff", "OU=Other"]))
        ad.append((f"CN=u{n},{ou},{BASE}", {k: v for k, v in attrs.items() if v}))
    # Optional files present or not: a check whose inputs were not read errors in both front ends alike.
    optional = draw(st.sets(st.sampled_from(OPTIONAL_FILES)))
    return cloud, ad, optional


OPTIONAL_FILES = ["groups", "contacts", "domains", "roleAssignments", "roleEligibilitySchedules", "groupMembers"]


def write(folder, cloud, ad, optional=()):
    (folder / "cloud").mkdir(parents=True, exist_ok=True)
    (folder / "onprem").mkdir(parents=True, exist_ok=True)
    (folder / "cloud" / "users.json").write_text(json.dumps(cloud))
    for name in optional:
        (folder / "cloud" / f"{name}.json").write_text("[]")
    with open(folder / "onprem" / "ad.ldif", "w") as fp:
        write_ldif(fp, ad)
    (folder / "scope.toml").write_text(f'[scope]\ninclude = ["OU=Staff,{BASE}"]\n')


class Outcomes:
    def __init__(self):
        self.seen = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            outcome = "xfailed" if hasattr(report, "wasxfail") else report.outcome
            self.seen[report.nodeid.split("::", 1)[1]] = outcome


def expected_outcome(result, severity, fail_on="blocker"):
    if result.status == "pass":
        return "passed"
    if result.status == "skip":
        return "skipped"
    if result.status == "waived":
        return "xfailed"
    assert result.status in FAILING
    return "failed" if severity == "blocker" or fail_on == "warning" else "xfailed"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=tenant())
def test_pytest_front_end_agrees_with_engine(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("snap")
    write(folder, *data)
    config = Config(scope=Scope(include=(f"OU=Staff,{BASE}",)))
    engine = Engine(read_snapshot(folder), config)
    run = engine.run()
    expected = {f"{check_id}[{s.name}]": expected_outcome(r, run.severity[check_id])
                for s in run.subjects for check_id, r in s.results.items()}
    collector = Outcomes()
    code = pytest.main(["checks/", "--snapshot", str(folder), "--config", str(folder / "scope.toml"),
                        "-p", "no:cacheprovider", "-p", "no:terminal"], plugins=[collector])
    assert collector.seen == expected
    assert int(code) == (1 if any(v == "failed" for v in expected.values()) else (5 if not expected else 0))
    assert int(code) == (run.exit_code("blocker") if expected else 5)
