"""The cutover checklist: order follows dependencies (inputs not read, safe fixes, unsafe fixes, manual
steps by check, stamping last), counts come from the fix previews, and every output shows it."""
from __future__ import annotations

import io
import json

import pytest
from builders import cloud, directory, onprem, run

from clirun import run_main
from syncready.checklist import STAMP_CHECK, ChecklistBuilder, StepKind, build_checklist
from syncready.cli import EXAMPLES
from syncready.commands.check import evaluate
from syncready.config import load_config
from syncready.fixing import attach_previews
from syncready.options import RunOptions, SourceOptions
from syncready import results
from syncready.reports.markdown import checklist_markdown, render_markdown
from syncready.reports.terminal import print_summary
from syncready.results import results_document
from syncready.summary import is_unread
from syncready.vocab import FAILING, PREVIEWED, Safety, Target

CONTOSO = EXAMPLES / "contoso"
RANK = {StepKind.READ_FIRST: 0, StepKind.AUTOMATIC: 1, StepKind.UNSAFE: 2, StepKind.MANUAL: 3, StepKind.STAMP: 4}


@pytest.fixture(scope="module")
def demo() -> dict:
    sources = SourceOptions(snapshot=str(CONTOSO), config=load_config(str(CONTOSO / "syncready.toml"),
                                                                       snapshot=str(CONTOSO)))
    _, doc = evaluate(sources, RunOptions())
    return json.loads(json.dumps(dict(doc, subjects=list(doc["subjects"]))))


def built(d, **config) -> dict:
    engine_run = run(d, **config)
    attach_previews(engine_run)
    doc = results_document(engine_run)
    return dict(doc, subjects=list(doc["subjects"]))


def previewed_changes(doc: dict, safety: str) -> tuple[int, int, set[str]]:
    """AD and cloud changes of this safety in the previews of failing results, and their subjects."""
    ad = cloud_n = 0
    who = set()
    for s in doc["subjects"]:
        if s.get("already_synchronized"):
            continue
        for r in s["results"].values():
            if r["status"] not in FAILING or is_unread(r):
                continue
            for c in (r.get("fix") or {}).get("changes") or []:
                if (c["safety"] == Safety.UNSAFE) == (safety == Safety.UNSAFE):
                    ad += c["target"] == Target.ONPREM
                    cloud_n += c["target"] == Target.CLOUD
                    who.add(s["subject"])
    return ad, cloud_n, who


def test_demo_order_follows_dependencies(demo):
    steps = build_checklist(demo).steps
    ranks = [RANK[s.kind] for s in steps]
    assert ranks == sorted(ranks), [s.kind for s in steps]
    assert steps[-1].kind == StepKind.STAMP and steps[-1].command == f"syncready fix --select {STAMP_CHECK}"
    assert steps[-1].lead.startswith("then stamp ")
    manual = [s for s in steps if s.kind == StepKind.MANUAL]
    assert len({s.checks for s in manual}) == len(manual)          # one step per check
    severities = [s.severity for s in manual if s.checks != ("tenant-sync-features",)]
    assert severities == sorted(severities)                         # blockers before warnings
    assert "password-cutover" in {s.checks[0] for s in manual}      # the 2026 catalogue is in it
    assert "group-takeover" in {s.checks[0] for s in manual}


def test_demo_counts_come_from_the_previews(demo):
    steps = {s.kind: s for s in build_checklist(demo).steps}
    for kind, safety in ((StepKind.AUTOMATIC, Safety.SAFE), (StepKind.UNSAFE, Safety.UNSAFE)):
        ad, cloud_n, who = previewed_changes(demo, safety)
        step = steps[kind]
        assert (step.ad_changes, step.cloud_changes) == (ad, cloud_n)
        assert len(who) <= step.subjects
        assert f"{ad:,} AD change" in step.counts
        assert step.command.startswith("syncready fix --select ")
        assert step.command.endswith(" --unsafe") == (kind == StepKind.UNSAFE)
        for check_id in step.checks:
            assert check_id in step.command.split()[3].split(",")


def test_built_directory_exact_steps():
    d = directory(
        [cloud("ann@contoso.com"),                                         # ready: stamped now
         cloud("grace@contoso.com"),                                       # AD mail differs: safe fix
         cloud("quinn@contoso.com"),                                       # two AD users hold the UPN
         cloud("nina@contoso.com", immutable_id="c3RhbGUtaWQtMTIzNDU2Nzg=")],   # stale ImmutableID: unsafe
        [onprem("ann@contoso.com"), onprem("grace@contoso.com", mail="g@contoso.com"),
         onprem("quinn@contoso.com"), onprem("quinn@contoso.com", ou="OU=Contractors"),
         onprem("nina@contoso.com")])
    doc = built(d)
    steps = build_checklist(doc).steps
    kinds = [s.kind for s in steps]
    assert kinds[0] == StepKind.AUTOMATIC and kinds[-1] == StepKind.STAMP
    auto = steps[0]
    assert "mail-primary-smtp" in auto.checks and auto.subjects == 1 and auto.ad_changes >= 1
    assert auto.text().startswith("run `syncready fix --select mail-primary-smtp")
    assert f"{auto.ad_changes} AD change" in auto.text() and "1 cloud user" in auto.text()
    unsafe = next(s for s in steps if s.kind == StepKind.UNSAFE)
    assert "cloud-only" in unsafe.checks and unsafe.cloud_changes == 1 and "--unsafe" in unsafe.command
    upn = next(s for s in steps if s.checks == ("upn-unique",))
    assert upn.lead == "resolve 1 UPN conflict by hand"
    assert [i.subject for i in upn.items] == ["quinn@contoso.com"]
    stamp = steps[-1]
    assert stamp.counts.startswith("1 ready now")                   # ann; grace and nina after the fixes
    assert stamp.subjects == 3 and "2 more once the steps above" in stamp.counts


def test_unread_inputs_are_the_first_step():
    d = directory([cloud("ann@contoso.com")], [onprem("ann@contoso.com")], roles_known=False)
    steps = build_checklist(built(d)).steps
    assert steps[0].kind == StepKind.READ_FIRST
    assert "no-admin-role" in steps[0].checks
    assert not any(s.kind == StepKind.MANUAL and "no-admin-role" in s.checks for s in steps)


def test_an_unread_input_no_verdict_rests_on_is_no_step(demo):
    """The demo has no cloud/mailboxes.json, but its AD has no Exchange schema, so the Exchange checks
    skip: nothing is unknown, and a first step "read it, until then those verdicts are unknown" would
    send the administrator after an export that changes no verdict. The header still says it."""
    assert demo["coverage"]["collections"]["mailboxes"]["status"] == "not-read"
    assert not demo["summary"]["unread_checks"]
    assert not any(step.kind == StepKind.READ_FIRST for step in build_checklist(demo).steps)


def test_waived_failures_are_counted_not_listed():
    from syncready.config import Waiver

    d = directory([cloud("quinn@contoso.com")], [onprem("quinn@contoso.com"),
                                                 onprem("quinn@contoso.com", ou="OU=Contractors")])
    checklist = build_checklist(built(d, waivers=[Waiver("upn-unique", ("quinn@contoso.com",), "CHG-1")]))
    assert checklist.waived == 1
    assert not any("upn-unique" in s.checks for s in checklist.steps)


def test_markdown_and_terminal_show_the_checklist(demo):
    first = build_checklist(demo).steps[1]
    text = render_markdown(demo)
    assert "### Cutover checklist" in text and f"2. {first.lead}" in text
    assert f"`{first.command}`" in text
    out = io.StringIO()
    print_summary(demo, out)
    shown = out.getvalue()
    assert shown.index("Cutover checklist:") < shown.index("CHECK ")
    assert f" 2. {first.text()}" in shown


def test_checklist_command(demo, tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(demo), encoding="utf-8")
    done = run_main("checklist", str(path))
    assert done.returncode == 0 and done.stdout.startswith("Cutover checklist:")
    as_json = json.loads(run_main("checklist", str(path), "--format", "json").stdout)
    assert [s["kind"] for s in as_json["steps"]] == [s.kind for s in build_checklist(demo).steps]
    bad = run_main("checklist", str(tmp_path / "missing.json"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_check_builds_the_checklist_once_from_the_failing_subjects_entries(monkeypatch):
    """`check` prints the checklist and writes it into the Markdown: one pass that gives the builder
    an entry only for the subjects with a failing or waived result (a passing one adds at most a
    stamp, by name), never a whole entry with the directory facts, and once for both renderers."""
    sources = SourceOptions(snapshot=str(CONTOSO), config=load_config(str(CONTOSO / "syncready.toml"),
                                                                       snapshot=str(CONTOSO)))
    engine_run, doc = evaluate(sources, RunOptions())
    added: list[str] = []
    add = ChecklistBuilder.add
    monkeypatch.setattr(ChecklistBuilder, "add", lambda self, entry: added.append(entry["subject"])
                        or add(self, entry))
    monkeypatch.setattr(results, "subject_entry", None)         # no whole entry is built
    first = build_checklist(doc)
    telling = [s.name for s in engine_run.subjects
               if not s.synced and any(r.status in PREVIEWED for r in s.results.values())]
    assert added == telling and len(telling) < len(engine_run.subjects) - 10
    added.clear()
    assert build_checklist(doc) is first and checklist_markdown(doc) and added == []
