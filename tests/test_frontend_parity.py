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
    # AD groups and contacts (subjects of kind onprem-group), and cloud groups they may take over or duplicate
    names = ["Sales", "VPN Users"]
    for n, (kind, mail) in enumerate(draw(st.lists(st.tuples(st.sampled_from(["group", "contact"]),
                                                               st.none() | address), max_size=3))):
        attrs = {"objectClass": ["top", kind], "cn": [f"g{n}"], "objectGUID": [uuid.uuid4().bytes_le],
                 "displayName": [draw(st.sampled_from(names))]}
        if kind == "group":
            attrs["groupType"] = [draw(st.sampled_from(["-2147483646", "8"]))]
        if mail:
            attrs["mail"], attrs["proxyAddresses"] = [mail], [f"SMTP:{mail}"]
        ad.append((f"CN=g{n},{draw(st.sampled_from(['OU=Staff', 'OU=Other']))},{BASE}", attrs))
    groups = [{"id": str(uuid.uuid4()), "displayName": draw(st.sampled_from(names)), "mail": mail,
               "mailEnabled": mail is not None, "proxyAddresses": [f"SMTP:{mail}"] if mail else []}
              for mail in draw(st.lists(st.none() | address, max_size=2))]
    # Optional files present or not: a check whose inputs were not read errors in both front ends alike.
    optional = draw(st.sets(st.sampled_from(OPTIONAL_FILES)))
    return cloud, ad, optional, groups


OPTIONAL_FILES = ["groups", "contacts", "domains", "roleAssignments", "roleEligibilitySchedules", "groupMembers"]


def write(folder, cloud, ad, optional=(), groups=()):
    (folder / "cloud").mkdir(parents=True, exist_ok=True)
    (folder / "onprem").mkdir(parents=True, exist_ok=True)
    (folder / "cloud" / "users.json").write_text(json.dumps(cloud))
    for name in optional:
        (folder / "cloud" / f"{name}.json").write_text(json.dumps(list(groups)) if name == "groups" else "[]")
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


def test_pytest_front_end_agrees_with_engine_on_group_subjects(tmp_path):
    """AD groups and contacts (kind onprem-group) are tests of their own, with the engine's outcome."""
    mail = {"objectClass": ["top", "group"], "groupType": ["8"], "mail": ["sales@contoso.com"],
            "proxyAddresses": ["SMTP:sales@contoso.com"], "displayName": ["Sales"]}
    plain = {"objectClass": ["top", "group"], "groupType": ["-2147483646"], "displayName": ["VPN Users"]}
    contact = {"objectClass": ["top", "contact"], "mail": ["ext@fabrikam.com"]}
    ad = [(f"CN={cn},OU=Staff,{BASE}", dict(attrs, cn=[cn], objectGUID=[uuid.uuid4().bytes_le]))
          for cn, attrs in (("Sales", mail), ("VPN", plain), ("Ext", contact))]
    groups = [{"id": "g1", "displayName": "Sales", "mail": "sales@contoso.com", "mailEnabled": True,
               "proxyAddresses": ["SMTP:sales@contoso.com"]},
              {"id": "g2", "displayName": "VPN Users", "mail": None, "mailEnabled": False, "proxyAddresses": []}]
    write(tmp_path, [], ad, ["groups", "contacts"], groups)
    run = Engine(read_snapshot(tmp_path), Config(scope=Scope(include=(f"OU=Staff,{BASE}",)))).run()
    expected = {f"{check_id}[{s.name}]": expected_outcome(r, run.severity[check_id])
                for s in run.subjects for check_id, r in s.results.items()}
    assert {s.name for s in run.subjects if s.kind == "onprem-group"} == {dn for dn, _ in ad}
    collector = Outcomes()
    pytest.main(["checks/", "--snapshot", str(tmp_path), "--config", str(tmp_path / "scope.toml"),
                 "-p", "no:cacheprovider", "-p", "no:terminal"], plugins=[collector])
    assert collector.seen == expected
    assert {k for k, v in expected.items() if k.startswith("group-takeover[")} == {
        f"group-takeover[{dn}]" for dn, _ in ad}
