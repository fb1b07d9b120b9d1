"""group-takeover (SPEC §10): AD groups and contacts as subjects, and what the first sync does to cloud groups.

Microsoft's scenarios ("Other objects than users", existing-tenant page): a mail-enabled AD group
whose address is a cloud distribution group's takes it over (membership from AD); a group that is
not mail-enabled never matches, so one named like a cloud security group becomes a second group.
"""
from __future__ import annotations

import json
import uuid

from syncready.config import Config, Scope, Waiver
from syncready.engine import Engine
from syncready.fixing import attach_previews
from syncready.model import CloudObject, OnPremObject
from syncready.results import read_results, results_document, write_json
from syncready.summary import groups_line, people_of
from syncready.vocab import Readiness, Status, SubjectKind

from builders import BASE, NS, cloud, contact, directory, group, onprem

SECURITY_GLOBAL = -2147483646          # groupType of a global security group, as AD gives it
DISTRIBUTION_UNIVERSAL = 8


def ad_group(cn, mail=None, group_type=SECURITY_GLOBAL, ou="OU=Groups", object_class="group", **kw) -> OnPremObject:
    dn = f"CN={cn},{ou},{BASE}"
    proxies = (f"SMTP:{mail}",) if mail else ()
    return OnPremObject(dn=dn, object_class=object_class, object_guid=uuid.uuid5(NS, "a/" + dn).bytes_le,
                        mail=mail, proxy_addresses=proxies, display_name=kw.pop("display_name", cn),
                        group_type=group_type if object_class == "group" else None, **kw)


def security_group(name) -> CloudObject:
    return CloudObject(id=str(uuid.uuid5(NS, "s/" + name)), kind="group", display_name=name, mail=None,
                       mail_enabled=False)


def scenario():
    sales = group("sales@contoso.com")          # a cloud distribution group
    sales.display_name, sales.mail_enabled = "Sales", True
    return directory(
        [cloud("alice@contoso.com")],
        [onprem("alice@contoso.com"),
         ad_group("Sales DL", mail="sales@contoso.com", group_type=DISTRIBUTION_UNIVERSAL),
         ad_group("VPN Users"),
         ad_group("Unrelated")],
        groups=[sales, security_group("VPN Users")])


def group_results(d, **config):
    run = Engine(d, Config(**config), select=["group-takeover"]).run()
    return run, {s.name: s for s in run.subjects}


def test_a_mail_enabled_ad_group_takes_over_the_cloud_distribution_group():
    _, subjects = group_results(scenario())
    result = subjects[f"CN=Sales DL,OU=Groups,{BASE}"].results["group-takeover"]
    assert result.status == Status.FAIL
    assert "will take over cloud group Sales" in result.message and "membership included" in result.message
    assert "sales@contoso.com" in result.message
    assert result.evidence["takes_over"][0]["address"] == "sales@contoso.com"


def test_a_non_mail_enabled_ad_group_named_like_a_cloud_security_group_becomes_a_second_group():
    _, subjects = group_results(scenario())
    result = subjects[f"CN=VPN Users,OU=Groups,{BASE}"].results["group-takeover"]
    assert result.status == Status.FAIL
    assert "no match possible; a second group will be created" in result.message
    assert result.evidence["namesakes"][0]["name"] == "VPN Users"
    assert subjects[f"CN=Unrelated,OU=Groups,{BASE}"].results["group-takeover"].status == Status.PASS


def test_an_ad_group_with_a_cloud_only_mailboxs_address_collides():
    """Found by review: a cloud user holding the group's address was left to proxy-unique, which never
    looks at a cloud-only shared mailbox (no AD counterpart), so nothing reported the collision."""
    shared = cloud("sales@contoso.com", mailbox_purpose="shared")
    d = directory([shared], [ad_group("Sales", mail="sales@contoso.com", group_type=DISTRIBUTION_UNIVERSAL)])
    _, subjects = group_results(d)
    result = subjects[f"CN=Sales,OU=Groups,{BASE}"].results["group-takeover"]
    assert result.status == Status.FAIL and "cloud user sales@contoso.com" in result.message
    assert "a group never matches a user" in result.message and result.evidence["collides_with"]


def test_a_non_mail_enabled_ad_group_named_like_a_mail_enabled_cloud_group_becomes_a_second_group():
    """Found by review: only cloud security groups were compared by name; a mail-enabled one of the
    same name is duplicated as well (groups that are not mail-enabled never match)."""
    team = group("team@contoso.com")
    team.display_name, team.mail_enabled = "Sales Team", True
    _, subjects = group_results(directory([cloud("alice@contoso.com")], [ad_group("Sales Team")], groups=[team]))
    result = subjects[f"CN=Sales Team,OU=Groups,{BASE}"].results["group-takeover"]
    assert result.status == Status.FAIL and "cloud group Sales Team" in result.message


def test_group_subjects_are_on_prem_groups_and_contacts_in_scope_only():
    d = scenario()
    d.onprem += [ad_group("Partner", mail="partner@fabrikam.com", object_class="contact"),
                 ad_group("Elsewhere", ou="OU=Other")]
    run, subjects = group_results(d, scope=Scope(include=(f"OU=Groups,{BASE}",)))
    assert {s.kind for s in run.subjects} == {SubjectKind.ONPREM_GROUP}
    assert f"CN=Partner,OU=Groups,{BASE}" in subjects and f"CN=Elsewhere,OU=Other,{BASE}" not in subjects
    assert all(s.obj.object_class in ("group", "contact") for s in run.subjects)
    sales = subjects[f"CN=Sales DL,OU=Groups,{BASE}"]
    assert sales.id == str(uuid.UUID(bytes_le=sales.obj.object_guid))


def test_a_contact_takes_over_a_cloud_contact_and_collides_with_a_group():
    d = directory([], [ad_group("Partner", mail="partner@fabrikam.com", object_class="contact"),
                       ad_group("Shared", mail="shared@contoso.com", object_class="contact")],
                  groups=[group("shared@contoso.com")], contacts=[contact("partner@fabrikam.com")])
    _, subjects = group_results(d)
    partner = subjects[f"CN=Partner,OU=Groups,{BASE}"].results["group-takeover"]
    assert "will take over cloud contact" in partner.message and "membership" not in partner.message
    shared = subjects[f"CN=Shared,OU=Groups,{BASE}"].results["group-takeover"]
    assert shared.status == Status.FAIL and "never matches a group" in shared.message


def test_a_distribution_group_without_mail_is_not_synchronized():
    d = directory([], [ad_group("VPN Users", group_type=DISTRIBUTION_UNIVERSAL)], groups=[security_group("VPN Users")])
    _, subjects = group_results(d)
    result = subjects[f"CN=VPN Users,OU=Groups,{BASE}"].results["group-takeover"]
    assert result.status == Status.PASS and "not synchronized" in result.message


def test_unread_cloud_groups_are_an_error_not_a_pass():
    d = scenario()
    d.coverage.not_read("groups", "cloud/groups.json absent")
    _, subjects = group_results(d)
    assert {s.results["group-takeover"].status for s in subjects.values()} == {Status.ERROR}


def test_user_filter_and_waivers_by_dn(tmp_path):
    dn = f"CN=Sales DL,OU=Groups,{BASE}"
    d = scenario()
    run = Engine(d, Config(), select=["group-takeover"]).run(users=[dn.lower()])
    assert [s.name for s in run.subjects] == [dn]
    waived = Engine(d, Config(waivers=[Waiver("group-takeover", (dn,), "the AD group is the new owner")]),
                    select=["group-takeover"]).run()
    assert {s.name: s.results["group-takeover"].status for s in waived.subjects}[dn] == Status.WAIVED


def test_group_subjects_in_results_json_and_counted_apart_from_people(tmp_path):
    run = Engine(scenario(), Config(), select=["group-takeover", "upn-exists"]).run()
    attach_previews(run)
    path = tmp_path / "results.json"
    write_json(results_document(run), path)
    doc = read_results(path)
    assert {"id": "group-takeover", "subject": "onprem-group"}.items() <= next(
        c for c in doc["checks"] if c["id"] == "group-takeover").items()
    entry = next(s for s in doc["subjects"] if s["subject"] == f"CN=Sales DL,OU=Groups,{BASE}")
    assert entry["kind"] == "onprem-group" and entry["readiness"] == Readiness.AT_RISK
    assert entry["onprem"]["objectClass"] == "group" and entry["onprem"]["groupType"] == DISTRIBUTION_UNIVERSAL
    assert "Get-MgGroupMember" in json.dumps(entry["results"]["group-takeover"]["fix"])
    summary = doc["summary"]
    assert summary["cloud_users"]["total"] == 1 and summary["onprem_users"]["total"] == 0
    assert summary["onprem_groups"] == {"total": 3, "ready": 1, "at_risk": 2, "blocked": 0, "could_not_check": 0}
    assert groups_line(people_of(doc)["onprem_groups"]) == "2 of 3 AD groups and contacts in scope at risk (1 ready)"


def scenario_snapshot(folder):
    """The scenario as a snapshot folder (LDIF, Graph JSON), for the CLI and the pytest front end."""
    from syncready.sources.ldif import write_ldif

    (folder / "cloud").mkdir(parents=True)
    (folder / "onprem").mkdir()
    users = [{"id": "u1", "userPrincipalName": "alice@contoso.com", "mail": "alice@contoso.com",
              "proxyAddresses": ["SMTP:alice@contoso.com"], "userType": "Member", "accountEnabled": True,
              "onPremisesImmutableId": None, "onPremisesSyncEnabled": None}]
    groups = [{"id": "g-sales", "displayName": "Sales", "mail": "sales@contoso.com", "mailEnabled": True,
               "proxyAddresses": ["SMTP:sales@contoso.com"]},
              {"id": "g-vpn", "displayName": "VPN Users", "mail": None, "mailEnabled": False, "proxyAddresses": []}]
    for name, records in (("users", users), ("groups", groups), ("contacts", [])):
        (folder / "cloud" / f"{name}.json").write_text(json.dumps(records))
    entries = [(f"CN=alice,OU=Staff,{BASE}", {"objectClass": ["top", "person", "user"], "objectGUID": [NS.bytes_le],
                                              "userPrincipalName": ["alice@contoso.com"], "sAMAccountName": ["alice"],
                                              "mail": ["alice@contoso.com"]})]
    for n, (cn, attrs) in enumerate((("Sales DL", {"mail": ["sales@contoso.com"], "groupType": ["8"],
                                                    "proxyAddresses": ["SMTP:sales@contoso.com"]}),
                                     ("VPN Users", {"groupType": [str(SECURITY_GLOBAL)]}))):
        entries.append((f"CN={cn},OU=Groups,{BASE}", {"objectClass": ["top", "group"], "cn": [cn],
                                                       "objectGUID": [uuid.uuid5(NS, cn).bytes_le],
                                                       "sAMAccountName": [f"g{n}"], **attrs}))
    with open(folder / "onprem" / "ad.ldif", "w") as fp:
        write_ldif(fp, entries)
    return folder


SALES, VPN = f"CN=Sales DL,OU=Groups,{BASE}", f"CN=VPN Users,OU=Groups,{BASE}"


def test_terminal_markdown_and_junit_show_group_subjects(tmp_path, capsys):
    from xml.etree import ElementTree

    from syncready.cli import main

    snap = scenario_snapshot(tmp_path / "snap")
    out = tmp_path / "out"
    code = main(["check", "--snapshot", str(snap), "--select", "group-takeover,upn-exists", "--fail-on", "warning",
                 "--json", str(out) + ".json", "--junit", str(out) + ".xml", "--markdown", str(out) + ".md"])
    terminal = capsys.readouterr().out
    assert code == 1
    assert "2 of 2 AD groups and contacts in scope at risk (0 ready)" in terminal
    assert "1 of 1 cloud user ready" in terminal            # groups are not people
    md = (tmp_path / "out.md").read_text(encoding="utf-8")
    assert "- 2 of 2 AD groups and contacts in scope at risk (0 ready)" in md
    tree = ElementTree.parse(str(out) + ".xml").getroot()
    suite = next(s for s in tree if s.get("name") == "group-takeover")
    assert {c.get("name") for c in suite.iter("testcase")} == {SALES, VPN}
    assert any(p.get("name") == "subject-kind" and p.get("value") == "onprem-group" for p in suite.iter("property"))
    overview = {p.get("name"): p.get("value") for p in tree[0].iter("property")}
    assert overview["ad-groups-total"] == "2" and overview["ad-groups-at-risk"] == "2"


class NodeIds:
    def __init__(self):
        self.seen = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.seen[report.nodeid] = "xfailed" if hasattr(report, "wasxfail") else report.outcome


def test_pytest_front_end_runs_one_test_per_check_and_group(tmp_path):
    import pytest

    snap = scenario_snapshot(tmp_path / "snap")
    seen = NodeIds()
    code = pytest.main(["checks/group_takeover.py", "--snapshot", str(snap), "--fail-on", "warning",
                        "-p", "no:cacheprovider", "-p", "no:terminal"], plugins=[seen])
    assert int(code) == 1
    assert seen.seen == {f"checks/group_takeover.py::group-takeover[{SALES}]": "failed",
                         f"checks/group_takeover.py::group-takeover[{VPN}]": "failed"}
    seen = NodeIds()
    pytest.main(["checks/group_takeover.py", "--snapshot", str(snap), "--user", VPN,
                 "-p", "no:cacheprovider", "-p", "no:terminal"], plugins=[seen])
    assert seen.seen == {f"checks/group_takeover.py::group-takeover[{VPN}]": "xfailed"}
