"""The command line: exit codes, one-line errors, results JSON shape (SPEC §5, §6)."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clirun import run_main

from syncready.cli import main
from syncready.results import read_results

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
CONFIG = EXAMPLE / "syncready.toml"
SYNCREADY = str(Path(sys.executable).with_name("syncready"))


def spawn(*args):
    """The installed `syncready` in a new process: for the tests about the process boundary."""
    return subprocess.run([SYNCREADY, *args], capture_output=True, text=True, timeout=120)


cli = run_main      # in this process (tests/clirun.py); the spawn() tests keep one per concern


def check_example(tmp_path, *extra):
    out = tmp_path / "results.json"
    code = main(["check", "--snapshot", str(EXAMPLE), "--config", str(CONFIG), "--json", str(out), *extra])
    return code, read_results(out)


def secret_keys(value, path="") -> list[str]:
    """Paths of keys named like a secret (password, secret, token) anywhere in a JSON document."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in ("password", "secret", "token", "client_secret", "access_token"):
                found.append(f"{path}/{key}")
            found += secret_keys(item, f"{path}/{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += secret_keys(item, f"{path}/{n}")
    return found


def test_example_is_blocked_and_results_follow_the_contract(tmp_path, capsys):
    code, doc = check_example(tmp_path)
    assert code == 1
    assert json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["schema"] == "syncready/results/2"
    assert doc["schema"] == "syncready/results/1" and doc["tool"]["version"]
    assert {c["id"] for c in doc["checks"]} == set(doc["selected"])
    for check in doc["checks"]:
        assert set(check) >= {"id", "title", "severity", "subject", "fix"}
    applies = {c["id"]: c["subject"] for c in doc["checks"]}
    for subject in doc["subjects"]:
        assert subject["readiness"] in ("ready", "at-risk", "blocked")
        assert set(subject["results"]) == {cid for cid, kind in applies.items() if kind == subject["kind"]}
        for result in subject["results"].values():
            assert result["status"] in ("pass", "fail", "skip", "error", "waived")
            if result["status"] != "pass":
                assert result["message"]
            if result["status"] == "fail":
                assert result["evidence"]
    summary = doc["summary"]
    kinds = [s["readiness"] for s in doc["subjects"] if not s.get("already_synchronized")]
    assert summary["blocked"] == kinds.count("blocked") > 0 and summary["ready"] == kinds.count("ready") > 0
    # the 2026 catalogue talks about passwords (password-cutover, passwordSyncEnabled): no key holds one
    assert "SMTP:" not in json.dumps(doc["sources"]) and not secret_keys(doc)
    printed = capsys.readouterr().out
    assert f"{summary['blocked']} blocked" in printed and "upn-exists" in printed


def test_subject_is_the_upn_as_graph_returned_it(tmp_path):
    _, doc = check_example(tmp_path)
    names = {s["subject"] for s in doc["subjects"]}
    assert "Frank.Miller@Contoso.com" in names


def test_fail_on_never_and_a_ready_user_exit_zero(tmp_path):
    assert check_example(tmp_path, "--fail-on", "never")[0] == 0
    code, doc = check_example(tmp_path, "--user", "ALICE.JOHNSON@contoso.com")
    assert code == 0
    assert [s["subject"] for s in doc["subjects"]] == ["alice.johnson@contoso.com",
                                                       "CN=Alice Johnson,OU=Staff,DC=contoso,DC=test"]


def test_select_and_ignore(tmp_path):
    _, doc = check_example(tmp_path, "--select", "upn-exists,upn-unique", "--ignore", "upn-unique")
    assert doc["selected"] == ["upn-exists"]
    assert all(set(s["results"]) <= {"upn-exists"} for s in doc["subjects"])


@pytest.mark.parametrize("args,needle", [
    (["check", "--snapshot", str(EXAMPLE), "--select", "no-such-check"], "unknown check id 'no-such-check'"),
    (["check", "--snapshot", "/nonexistent/snap"], "/nonexistent/snap"),
    (["check"], "no source"),
    (["explain", "bogus"], "unknown check id"),
    (["check", "--snapshot", str(EXAMPLE), "--config", "/nonexistent.toml"], "config file /nonexistent.toml"),
])
def test_usage_and_source_errors_are_one_line_exit_2(args, needle):
    proc = cli(*args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in proc.stderr


def test_malformed_users_json_names_the_file(tmp_path):
    snap = tmp_path / "snap"
    shutil.copytree(EXAMPLE, snap)
    (snap / "cloud" / "users.json").write_text('[{"id": "1", "userPrincipalName": "a@b.c"},\n{oops}]')
    proc = spawn("check", "--snapshot", str(snap))
    assert proc.returncode == 2 and "users.json" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_bad_config_is_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[waivers]]\ncheck = "upn-exists"\nsubjects = ["a@contoso.com"]\n')
    proc = cli("check", "--snapshot", str(EXAMPLE), "--config", str(bad))
    assert proc.returncode == 2 and "reason" in proc.stderr


def test_list_and_explain(capsys):
    assert main(["list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split()[:4] == ["ID", "SUBJECT", "SEVERITY", "FIX"]
    ids = [line.split()[0] for line in listing[1:]]
    assert {"upn-exists", "mail-primary-smtp", "proxy-superset", "upn-unique"} <= set(ids)
    assert main(["explain", "proxy-superset"]) == 0
    text = capsys.readouterr().out
    assert "Why it matters" in text and "How to fix" in text and "learn.microsoft.com" in text


def test_severity_override_and_warning_gate(tmp_path):
    cfg = tmp_path / "warn.toml"
    cfg.write_text('[severity]\n"upn-exists" = "warning"\n')
    base = ["check", "--snapshot", str(EXAMPLE), "--config", str(cfg), "--select", "upn-exists",
            "--user", "carol.white@contoso.com", "--json", str(tmp_path / "r.json")]
    assert main(base) == 0
    doc = read_results(tmp_path / "r.json")
    assert doc["subjects"][0]["readiness"] == "at-risk" and doc["checks"][0]["severity"] == "warning"
    assert main(base + ["--fail-on", "warning"]) == 1


@pytest.mark.parametrize("make,args,needle", [
    (None, ["check", "--snapshot", str(EXAMPLE), "--json", "/nonexistent/dir/r.json"], "/nonexistent/dir"),
    (lambda p: p.write_text("[1]\n"), ["undo", "{file}"], "not a syncready journal"),
    (lambda p: p.write_text('{"a": 1}\n'), ["undo", "{file}"], "not a syncready journal"),
    (lambda p: p.write_text('{"type": "begin", "schema": "syncready/journal/1"}\n{"type": "intent"}\n'),
     ["undo", "{file}"], "malformed record"),
    (lambda p: p.write_text('{"schema": "syncready/results/1", "subjects": "abc"}'),
     ["report", "{file}", "--markdown", "/tmp/x.md"], "is not a list"),
    (lambda p: p.write_text('{"schema": "syncready/results/1", "subjects": [{"results": []}]}'),
     ["check", "--snapshot", str(EXAMPLE), "--baseline", "{file}"], "subject 0"),
    (None, ["check", "--snapshot", str(EXAMPLE), "--user", "nobody@nowhere.example"], "no such subject"),
    (None, ["fix", "--snapshot", str(EXAMPLE), "--select", "upn-exists", "--max-changes", "-1"], "must be 0 or more"),
])
def test_bad_inputs_end_as_one_line_exit_2(tmp_path, make, args, needle):
    file = tmp_path / "input.json"
    if make:
        make(file)
    proc = cli(*[a.replace("{file}", str(file)) for a in args])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and needle in proc.stderr.strip().splitlines()[-1]


def test_fix_plans_a_selected_check_even_when_the_config_ignores_it(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG.read_text() + '\n[checks]\nignore = ["attribute-drift"]\n')
    assert main(["fix", "--snapshot", str(EXAMPLE), "--config", str(cfg), "--select", "attribute-drift"]) == 1
    assert "attribute-drift: AD" in capsys.readouterr().out


def test_a_waiver_for_an_unknown_check_is_a_configuration_error(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[waivers]]\ncheck = "upn-exist"\nsubjects = ["*"]\nreason = "typo"\n')
    proc = spawn("check", "--snapshot", str(EXAMPLE), "--config", str(cfg))
    assert proc.returncode == 2 and "unknown check id 'upn-exist'" in proc.stderr


def test_graph_named_only_in_the_config_is_read_live(graph_server, tmp_path):
    """[sources] of syncready.toml can name the live Graph source, as the options can."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG.read_text() + f'\n[sources]\ngraph_url = "{graph_server.url}"\nauth = "token"\n')
    code, doc = check_example(tmp_path, "--config", str(cfg), "--fail-on", "never")
    assert code == 0 and doc["sources"]["cloud"] == f"graph:{graph_server.url}"
    assert doc["sources"]["onprem"].startswith("snapshot:")
