"""A saved plan's stamping changes are written only for users still clear of every blocker on a fresh
read (SPEC §7): a user who got an admin role, a UPN collision, an earlier sync's leftovers or a cloud
source of authority after approval is a conflict naming the check; sources that cannot be read refuse
every stamping change; the other changes go ahead. Built directories, a snapshot folder through the
CLI with stand-in writers, and the Graph test server through msgraph-sdk."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from builders import cloud, directory, onprem, run
from clirun import run_main
from syncready import planfile
from syncready.commands import fix as fix_command
from syncready.errors import SourceError
from syncready.fixing import build_plan
from syncready.journal import read_journal
from syncready.model import RoleAssignment, SyncFeatures
from syncready.planfile_stamp import refusals, stamping, summary
from syncready.vocab import Target
from syncready.writers.base import state_of

from test_planfile import TENANT, FakeLdapWriter

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
ANN, BOB = "ann@contoso.com", "bob@contoso.com"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"


# --- built directories -------------------------------------------------------------------------------

def tenant(ann=None, extra=(), **kw):
    """Ann and Bob, both ready to be stamped unless the test changes something."""
    return directory([ann or cloud(ANN), cloud(BOB)], [onprem(ANN, sam="ann"), onprem(BOB, sam="bob"), *extra], **kw)


def approved():
    changes = build_plan(run(tenant()), ["anchor-ready"]).changes
    assert sorted(c.subject for c in changes) == [ANN, BOB]
    return changes


@pytest.mark.parametrize("drift, named", [
    (dict(role_assignments=[RoleAssignment(cloud(ANN).id, "Global Administrator", True)]),
     ["no-admin-role fail", "Global Administrator"]),
    (dict(extra=[onprem(ANN, cn="ann2")]), ["upn-unique fail", "CN=ann2,OU=Staff"]),
    (dict(ann=cloud(ANN, onprem_sam="ann.old", sync_enabled=False, cloud_managed=False)),
     ["previously-synced fail", "ann.old"]),
    (dict(ann=cloud(ANN, sync_enabled=False, cloud_managed=True)), ["cloud-managed fail", "isCloudManaged"]),
    (dict(ann=cloud(ANN, immutable_id="c29tZW9uZSBlbHNlJ3M=")),
     ["cloud-only fail", "onPremisesImmutableId is c29tZW9uZSBlbHNlJ3M="]),
])
def test_a_user_no_longer_clear_is_refused_naming_the_check(drift, named):
    changes = approved()
    refused = refusals(changes, lambda users: run(tenant(**drift)), {})
    ann = next(c for c in changes if c.subject == ANN)
    assert list(refused) == [ann.id]
    assert refused[ann.id].startswith("not stamped") and "\n" not in refused[ann.id]
    assert all(words in refused[ann.id] for words in named), refused[ann.id]


def test_the_tenant_blocking_hard_match_refuses_every_stamp():
    changes = approved()
    drifted = tenant(features=SyncFeatures(block_cloud_object_takeover_through_hard_match=True))
    refused = refusals(changes, lambda users: run(drifted), {})
    assert set(refused) == {c.id for c in changes}
    assert all("blockCloudObjectTakeoverThroughHardMatchEnabled" in why for why in refused.values())


def test_still_clear_users_pass_and_only_their_users_are_read():
    changes = approved()
    asked = []

    def evaluate(users):
        asked.append(users)
        return run(tenant())

    assert refusals(changes, evaluate, {}) == {} and asked == [(ANN, BOB)]
    assert summary(changes, {}) == "Stamping re-checked on a fresh read: all 2 user(s) still clear of every blocker."


def test_a_user_gone_from_scope_is_refused():
    changes = approved()
    refused = refusals(changes, lambda users: run(directory([cloud(BOB)], [onprem(BOB, sam="bob")])), {})
    assert [c.subject for c in changes if c.id in refused] == [ANN]
    assert "no longer a subject in scope" in next(iter(refused.values()))


def test_unreadable_sources_refuse_every_stamp_in_one_line():
    changes = approved()

    def unreadable(users):
        raise SourceError("snapshot /s: cloud/users.json is not JSON\n(line 1)")

    refused = refusals(changes, unreadable, {})
    assert set(refused) == {c.id for c in changes}
    why = refused[changes[0].id]
    assert why == "not stamped: the sources could not be read again to check its blockers (snapshot /s: " \
                  "cloud/users.json is not JSON (line 1))"
    assert summary(changes, refused).startswith("Stamping re-checked on a fresh read: 2 of 2 user(s) no longer")


def test_a_plan_without_stamping_reads_nothing():
    changes = [c for c in build_plan(run(tenant(extra=[])), ["anchor-ready"]).changes if c.check != "anchor-ready"]

    def never(users):
        raise AssertionError("read the sources for a plan without stamping")

    assert refusals(changes, never, {}) == {} and summary(changes, {}) is None and stamping(changes) == []


# --- a snapshot folder through the CLI --------------------------------------------------------------

class FakeGraphWriter:
    """A GraphWriter as apply sees it: the tenant's id for verify_targets, changes recorded."""

    def __init__(self, tenant_id: str):
        self.session = SimpleNamespace(get_json=lambda *a, **k: {"value": [{"id": tenant_id}]})
        self.applied = []

    def apply(self, change):
        self.applied.append(change)
        return {}

    def state(self, change):
        return state_of(change, change.add)


@pytest.fixture
def snapshot(tmp_path) -> Path:
    folder = tmp_path / "snapshot"
    shutil.copytree(EXAMPLE, folder)
    return folder


def saved_plan(snapshot: Path, select: str) -> Path:
    path = snapshot.parent / "plan.json"
    done = run_main("fix", "--snapshot", snapshot, "--config", snapshot / "syncready.toml", "--select", select,
                    "-q", "--out", path)
    assert "Plan saved" in done.stdout, done
    return path


@pytest.fixture
def writers(monkeypatch):
    saved = {}

    def open_writers(sources, targets):
        saved.clear()
        saved.update({Target.ONPREM: FakeLdapWriter(), Target.CLOUD: FakeGraphWriter(TENANT)})
        return {t: w for t, w in saved.items() if t in targets}

    monkeypatch.setattr(fix_command, "open_writers", open_writers)
    return saved


def apply(snapshot: Path, plan: Path, journal: Path):
    return run_main("fix", "--apply", plan, "--snapshot", snapshot, "--config", snapshot / "syncready.toml",
                    "--yes", "-q", "--journal", journal)


def give_role(snapshot: Path, user_id: str) -> None:
    path = snapshot / "cloud" / "roleAssignments.json"
    roles = json.loads(path.read_text())
    roles.append({"id": "5a1e7c2b-0000-4000-8000-000000000001", "principalId": user_id,
                  "roleDefinitionId": GLOBAL_ADMIN, "directoryScopeId": "/",
                  "roleDefinition": {"id": GLOBAL_ADMIN, "displayName": "Global Administrator"}})
    path.write_text(json.dumps(roles))


def test_a_role_added_after_approval_refuses_that_stamp_only(snapshot, writers, tmp_path):
    plan = saved_plan(snapshot, "anchor-ready,mail-primary-smtp")
    saved = planfile.load(plan)
    stamps = stamping(saved.changes)
    others = [c for c in saved.changes if c.check != "anchor-ready"]
    assert len(stamps) > 1 and others, "the example plans stamps and other fixes"
    target = stamps[0]
    give_role(snapshot, target.object)
    journal = tmp_path / "j.jsonl"
    done = apply(snapshot, plan, journal)
    written = writers[Target.CLOUD].applied + writers[Target.ONPREM].applied
    assert {c.id for c in written} == {c.id for c in saved.changes} - {target.id}, done.stdout
    assert "Stamping re-checked on a fresh read: 1 of" in done.stdout
    line = next(x for x in done.stdout.splitlines() if x.startswith(f"  conflict  {target.subject}: "))
    assert "not stamped: no longer clear on a fresh read" in line and "no-admin-role fail" in line
    assert "Global Administrator" in line
    assert "conflicts 1, failed 0" in done.stdout and done.returncode == 1
    outcomes = {e.change.id: e.outcome for e in read_journal(journal)}
    assert outcomes[target.id] == "conflict" and {outcomes[c.id] for c in others} == {"applied"}


def test_unreadable_sources_refuse_every_stamp_and_apply_the_rest(snapshot, writers, tmp_path):
    plan = saved_plan(snapshot, "anchor-ready,mail-primary-smtp")
    saved = planfile.load(plan)
    (snapshot / "cloud" / "users.json").write_text("{ not json")
    journal = tmp_path / "j.jsonl"
    done = apply(snapshot, plan, journal)
    written = {c.id for c in writers[Target.ONPREM].applied}
    assert written == {c.id for c in saved.changes if c.check != "anchor-ready"} and not writers[Target.CLOUD].applied
    conflicts = [x for x in done.stdout.splitlines() if x.startswith("  conflict  ")]
    assert len(conflicts) == len(stamping(saved.changes))
    assert all("not stamped: the sources could not be read again to check its blockers (" in x for x in conflicts)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr


# --- live: the Graph test server through msgraph-sdk --------------------------------------------------

def test_live_a_role_assigned_after_approval_is_not_stamped(fresh_graph_server, tmp_path):
    """Cloud live, AD from the example snapshot: the plan is saved, a Global Administrator role is
    assigned in the tenant, then the saved plan is applied — that user keeps an empty ImmutableID."""
    server = fresh_graph_server
    live = ["--graph-url", server.url, "--auth", "token", "--snapshot", EXAMPLE, "--config",
            EXAMPLE / "syncready.toml", "-q"]
    plan = tmp_path / "plan.json"
    done = run_main("fix", *live, "--select", "anchor-ready", "--out", plan)
    assert "Plan saved" in done.stdout, done
    stamps = planfile.load(plan).changes
    target = stamps[0]
    server.state.role_assignments["5a1e7c2b-0000-4000-8000-000000000002"] = {
        "id": "5a1e7c2b-0000-4000-8000-000000000002", "principalId": target.object,
        "roleDefinitionId": next(iter(server.state.role_definitions)), "directoryScopeId": "/"}
    server.invalidate()
    journal = tmp_path / "j.jsonl"
    # the test server's /organization id is not the tenant its sync object names: say which one
    done = run_main("fix", "--apply", plan, *live, "--tenant-id", planfile.load(plan).tenant_id, "--yes",
                    "--journal", journal)
    after = {u["id"]: u.get("onPremisesImmutableId") for u in server.state.users.values()}
    assert after[target.object] is None, done.stdout
    assert all(after[c.object] == c.add[0] for c in stamps[1:]), done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith(f"  conflict  {target.subject}: "))
    assert "no-admin-role fail" in line, line
    assert f"applied {len(stamps) - 1}, conflicts 1, failed 0" in done.stdout and done.returncode == 1
    assert {e.outcome for e in read_journal(journal) if e.change.id == target.id} == {"conflict"}
