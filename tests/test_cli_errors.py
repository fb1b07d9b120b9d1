"""Inputs that used to end in a traceback and exit 1 (which a CI reads as "a check failed") end as one
line naming the file and the problem, exit 2; outputs are atomic; terminal text is escaped; secrets
in URLs are redacted."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clirun import run_main

from syncready.cli import main
from syncready.results import results_document
from syncready.termtext import escape, redact_url, redact_urls

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
SYNCREADY = str(Path(sys.executable).with_name("syncready"))
JOURNAL_BEGIN = '{"type": "begin", "schema": "syncready/journal/1", "run": "r1", "command": "fix"}\n'
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 10_000


def spawn(*args, env=None):
    """The installed `syncready` in a new process: for the tests about the process boundary."""
    return subprocess.run([SYNCREADY, *args], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, **(env or {})})


cli = run_main      # in this process (tests/clirun.py); the spawn() tests keep one per concern


def one_line(proc, *needles):
    """Exit 2, exactly one line on stderr, no traceback, every needle in it."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def snap(tmp_path):
    folder = tmp_path / "snap"
    shutil.copytree(EXAMPLE, folder)
    return folder


def users_of(folder):
    data = json.loads((folder / "cloud" / "users.json").read_text(encoding="utf-8"))
    return data, (data if isinstance(data, list) else data["value"])


def set_first_user(folder, key, value_json):
    """users.json with the first user's `key` set to a raw JSON text (which json.dumps could not make)."""
    data, users = users_of(folder)
    users[0][key] = "@@VALUE@@"
    text = json.dumps(data).replace('"@@VALUE@@"', value_json, 1)
    (folder / "cloud" / "users.json").write_text(text, encoding="utf-8")


# --- users.json --------------------------------------------------------------------------------
@pytest.mark.parametrize("key,raw,needles", [
    ("proxyAddresses", "[1, 2]", ("users.json", "record 0", "proxyAddresses")),
    ("userType", '["Member"]', ("users.json", "record 0", "userType")),
    ("displayName", '"Alice \\ud800"', ("users.json", "surrogate", "line 1")),
    ("userPrincipalName", '"\\udc00@contoso.com"', ("users.json", "surrogate")),
    ("accountEnabled", HUGE, ("users.json",)),
    ("accountEnabled", "NaN", ("users.json",)),
    ("accountEnabled", '"false"', ("users.json", "accountEnabled")),
])
@pytest.mark.parametrize("command", ["check", "fix"])
def test_malformed_users_json_values(snap, key, raw, needles, command):
    set_first_user(snap, key, raw)
    extra = ["--select", "proxy-superset"] if command == "fix" else []
    one_line(cli(command, "--snapshot", str(snap), *extra), *needles)


def test_users_json_nested_100000_deep(snap):
    (snap / "cloud" / "users.json").write_text(DEEP)
    one_line(spawn("check", "--snapshot", str(snap)), "users.json", "nested too deeply")


# --- results files: report and --baseline -----------------------------------------------------
RESULTS_CASES = [
    (DEEP, "nested too deeply"),
    ('{"schema": "syncready/results/1", "subjects": [], "n": ' + HUGE + "}", "digits"),
    ('{"schema": "syncready/results/1", "subjects": [{"subject": "a\\ud800", "results": {}}]}', "surrogate"),
    ('{"schema": "syncready/results/1", "subjects": [], "x": NaN}', "NaN"),
    ("\xff\xfe garbage", "not"),
]


@pytest.mark.parametrize("text,needle", RESULTS_CASES)
def test_malformed_results_file_for_report(tmp_path, text, needle):
    bad = tmp_path / "results.json"
    bad.write_bytes(text.encode("utf-8", "surrogateescape") if not text.startswith("\xff") else b"\xff\xfe\x00garbage")
    one_line(cli("report", str(bad), "--markdown", str(tmp_path / "s.md")), str(bad), needle)
    assert not (tmp_path / "s.md").exists()


@pytest.mark.parametrize("text,needle", RESULTS_CASES[:3])
def test_malformed_results_file_for_baseline(tmp_path, text, needle):
    bad = tmp_path / "previous.json"
    bad.write_text(text, encoding="utf-8")
    one_line(cli("check", "--snapshot", str(EXAMPLE), "--baseline", str(bad)), str(bad), needle)


def test_a_results_file_the_renderers_cannot_use_names_the_file_and_leaves_the_old_report(tmp_path):
    bad = tmp_path / "results.json"
    bad.write_text('{"schema": "syncready/results/1", "subjects": [], "checks": 7, "summary": "x"}')
    old = tmp_path / "summary.md"
    old.write_text("previous report\n")
    one_line(cli("report", str(bad), "--markdown", str(old)), str(bad), "cannot be rendered")
    assert old.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json", "summary.md"]


# --- journals ----------------------------------------------------------------------------------
@pytest.mark.parametrize("body,needle", [
    (DEEP + "\n", "nested too deeply"),
    ('{"type": "intent", "run": "r1", "seq": ' + HUGE + ', "change": {}}\n', "digits"),
    ('{"type": "intent", "run": "r1", "seq": 1, "change": {"subject": "\\ud800"}}\n', "surrogate"),
    (('{"type": "intent", "run": "r1", "seq": 1, "change": {"check": "x", "subject": "a", "target": ["onprem"], '
      '"op": "modify", "object": "cn=a"}}\n'), "change.target"),
    ('{"type": "intent", "run": ["r1"], "seq": 1, "change": {}}\n', "run is"),
    (('{"type": "intent", "run": "r1", "seq": 1, "time": "yesterday", "change": {"check": "x", "subject": "a", '
      '"target": "onprem", "op": "modify", "object": "cn=a"}}\n'), "malformed record"),
    (('{"type": "intent", "run": "r1", "seq": 1, "change": {"check": "x", "subject": "a", "target": "onprem", '
      '"op": "modify", "object": "cn=a", "remove": "abc"}}\n'), "change.remove"),
])
def test_malformed_journal_for_undo(tmp_path, body, needle):
    journal = tmp_path / "fix.jsonl"
    journal.write_text(JOURNAL_BEGIN + body + '{"type": "end", "run": "r1"}\n', encoding="utf-8")
    one_line(cli("undo", str(journal)), str(journal), "line 2", needle)


# --- LDIF --------------------------------------------------------------------------------------
def _ad(folder):
    return folder / "onprem" / "ad.ldif"


def test_duplicate_dn_in_ldif_names_both_records(snap):
    text = _ad(snap).read_text(encoding="utf-8")
    records = text.split("\n\n")
    first = next(r for r in records if "objectClass: user" in r and "CN=Alice" in r)
    again = "\n".join(line for line in first.splitlines() if not line.lower().startswith("objectguid"))
    _ad(snap).write_text(text.rstrip("\n") + "\n\n" + again.replace("dn: CN=Alice", "dn: cn=alice") + "\n")
    line = one_line(cli("check", "--snapshot", str(snap)), "ad.ldif", "same DN as the record at line")
    assert line.count("Alice") + line.count("alice") >= 2


def test_duplicate_object_guid_in_ldif_names_both_records(snap):
    text = _ad(snap).read_text(encoding="utf-8")
    records = text.split("\n\n")
    first = next(r for r in records if "objectClass: user" in r and "CN=Alice" in r)
    again = first.replace("CN=Alice Johnson", "CN=Alice Twin").replace("alice.johnson@", "alice.twin@")
    _ad(snap).write_text(text.rstrip("\n") + "\n\n" + again + "\n")
    one_line(cli("check", "--snapshot", str(snap)), "ad.ldif", "same objectGUID as the record at line",
             "CN=Alice Twin", "CN=Alice Johnson")


# --- usage ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("args,needles", [
    ((), ("say which command", "--help")),
    (("check", "--no-such-option"), ("unrecognized arguments: --no-such-option", "--help")),
    (("chekc",), ("invalid choice", "--help")),
    (("check", "--fail-on", "sometimes"), ("--fail-on", "--help")),
    (("fix", "--select", "upn-exists", "--max-changes", "many"), ("--max-changes", "whole number", "--help")),
    (("fix", "--select", "upn-exists", "--rate", "nan"), ("--rate", "positive", "--help")),
    (("explain",), ("CHECK_ID", "--help")),
])
def test_usage_mistakes_are_one_line_with_a_pointer_to_help(args, needles):
    one_line(cli(*args), *needles)


def test_the_installed_command_reports_a_usage_mistake_in_one_line():
    one_line(spawn("chekc"), "invalid choice", "--help")


def test_main_returns_the_usage_exit_code_in_process(capsys):
    assert main([]) == 2
    assert main(["check", "--bogus"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_fix_refuses_an_unknown_user_like_check(tmp_path):
    for command in (["check"], ["fix", "--select", "mail-primary-smtp"]):
        one_line(cli(*command, "--snapshot", str(EXAMPLE), "--user", "nobody@contoso.com"),
                 "--user nobody@contoso.com", "no such subject")


# --- atomic outputs -----------------------------------------------------------------------------
def test_a_failing_run_writes_no_output_and_keeps_the_old_one(tmp_path):
    old = tmp_path / "results.json"
    old.write_text("previous results\n")
    fresh = tmp_path / "summary.md"
    proc = spawn("check", "--snapshot", str(EXAMPLE), "--json", str(old), "--markdown", str(fresh),
               "--html", str(tmp_path / "missing-folder" / "r.html"))
    one_line(proc, "missing-folder")
    assert old.read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_outputs_are_complete_when_the_run_succeeds(tmp_path):
    paths = {name: tmp_path / name for name in ("r.json", "r.xml", "r.md", "r.html")}
    code = main(["check", "--snapshot", str(EXAMPLE), "--json", str(paths["r.json"]), "--junit", str(paths["r.xml"]),
                 "--markdown", str(paths["r.md"]), "--html", str(paths["r.html"])])
    assert code == 1
    assert json.loads(paths["r.json"].read_text())["schema"] == "syncready/results/2"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(paths)
    assert oct(paths["r.md"].stat().st_mode & 0o777) != "0o600"


# --- terminal escaping --------------------------------------------------------------------------
OSC = "\x1b]0;owned\x07"


def test_control_characters_from_the_directory_are_escaped_in_summary_and_plan(snap):
    data, users = users_of(snap)
    alice = next(u for u in users if u["userPrincipalName"].startswith("alice.johnson"))
    alice["proxyAddresses"].append(f"smtp:evil{OSC}\r@contoso.com")
    alice["displayName"] = "Alice \u202eJohnson\x1b[2K"
    (snap / "cloud" / "users.json").write_text(json.dumps(data), encoding="utf-8")
    check = spawn("check", "--snapshot", str(snap), "--user", alice["userPrincipalName"])
    plan = cli("fix", "--snapshot", str(snap), "--select", "proxy-superset,attribute-drift",
               "--user", alice["userPrincipalName"])
    for proc in (check, plan):
        assert proc.returncode == 1, proc.stderr
        for raw in ("\x1b", "\x07", "\r", "\u202e"):
            assert raw not in proc.stdout
        assert "smtp:evil\\x1b]0;owned\\x07\\x0d@contoso.com" in proc.stdout
        assert "\\u202eJohnson\\x1b[2K" in proc.stdout
    assert "+ smtp:evil\\x1b]0;owned\\x07\\x0d@contoso.com" in plan.stdout


def test_error_messages_are_escaped_and_one_line(tmp_path):
    bad = tmp_path / "bad\x1b]0;x\x07\nname.toml"
    proc = cli("check", "--snapshot", str(EXAMPLE), "--config", str(bad))
    one_line(proc, "\\x1b]0;x\\x07\\x0aname.toml")
    assert "\x1b" not in proc.stderr


def test_escape_shows_c0_c1_and_bidi_controls():
    assert escape("a\x00b\x1b\x7f\x85\u202e\u2066\u2028z") == "a\\x00b\\x1b\\x7f\\x85\\u202e\\u2066\\u2028z"
    assert escape("Zoë Dupont 日本 😀") == "Zoë Dupont 日本 😀"


# --- secrets in URLs ----------------------------------------------------------------------------
@pytest.mark.parametrize("url,secret", [
    ("https://graph.example/v1.0?access_token=S3CRET&x=1", "S3CRET"),
    ("https://x.blob.core.windows.net/c/f?sv=2020&sig=S3CRET%3D", "S3CRET"),
    ("https://login.example/cb?code=S3CRET&state=ok", "S3CRET"),
    ("https://graph.example/v1.0?client_secret=S3CRET", "S3CRET"),
    ("https://user:S3CRET@graph.example/v1.0", "S3CRET"),
    ("https://graph.example/cb#access_token=S3CRET&token_type=bearer", "S3CRET"),
])
def test_redact_url(url, secret):
    shown = redact_url(url)
    assert secret not in shown and "REDACTED" in shown
    assert secret not in redact_urls(f"failed: {url}, retrying")
    assert redact_url("https://graph.microsoft.com/v1.0/users?$select=id,mail&$top=999") == \
        "https://graph.microsoft.com/v1.0/users?$select=id,mail&$top=999"


def test_a_token_in_graph_url_is_not_shown_by_verbose_or_errors(tmp_path):
    url = "http://127.0.0.1:9/v1.0?access_token=S3CRET1&sig=S3CRET2"
    proc = spawn("check", "--snapshot", str(EXAMPLE), "--graph-url", url, "--auth", "token", "-v",
               "--json", str(tmp_path / "r.json"), env={"SYNCREADY_GRAPH_TOKEN": "tok"})
    assert proc.returncode == 2
    assert "Graph GET" in proc.stderr and "REDACTED" in proc.stderr
    assert "S3CRET" not in proc.stdout + proc.stderr


def test_results_sources_are_redacted():
    from builders import cloud, directory, onprem

    from syncready.engine import Engine

    d = directory([cloud("a@contoso.com")], [onprem("a@contoso.com")], roles_known=True)
    d.sources["cloud"] = "graph:https://graph.example/v1.0?access_token=S3CRET"
    doc = results_document(Engine(d).run())
    assert "S3CRET" not in json.dumps(doc["sources"]) and "REDACTED" in doc["sources"]["cloud"]


def test_an_output_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "target.md"
    target.write_text("old\n")
    link = tmp_path / "link.md"
    link.symlink_to(target.name)
    main(["check", "--snapshot", str(EXAMPLE), "--markdown", str(link)])
    assert link.is_symlink() and target.read_text().startswith("## ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "target.md"]


def test_an_output_to_a_pipe_is_written_in_place(tmp_path):
    """A FIFO (or /dev/stdout) cannot be replaced by a rename: that would swap the node for a file."""
    import stat
    import threading

    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    main(["check", "--snapshot", str(EXAMPLE), "--select", "upn-exists", "--json", str(fifo)])
    reader.join(30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(received[0])["schema"] == "syncready/results/2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_an_output_that_is_a_folder_is_one_line_and_leaves_nothing(tmp_path):
    (tmp_path / "out").mkdir()
    one_line(cli("check", "--snapshot", str(EXAMPLE), "--json", str(tmp_path / "out")), "is a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and not any((tmp_path / "out").iterdir())
