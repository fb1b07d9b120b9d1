"""Runs on Windows: no POSIX-only call in runtime code, owner-only files said honestly, any name printable.

Verified here on Linux only. Windows is simulated where it can be (atomic.POSIX_MODES off) and the
runtime code is scanned for calls Windows does not have.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from syncready import atomic
from syncready.journal import Journal, read_journal
from syncready.writers.base import WriteFailed
from syncready.writers.ldap_writer import save_password

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ["syncready", "checks", "fixers", "reports"]
POSIX_MODULES = {"fcntl", "pwd", "grp", "resource", "termios", "tty", "pty", "posix", "crypt", "syslog"}
POSIX_CALLS = {("os", name) for name in (
    "fchmod", "fchown", "chown", "lchown", "getuid", "geteuid", "getgid", "getegid", "wait3", "wait4", "fork",
    "killpg", "setsid", "getpgid", "setpgid", "O_NOFOLLOW", "O_DIRECTORY", "sync", "mkfifo", "uname")} | {
    ("signal", name) for name in ("SIGKILL", "SIGHUP", "SIGALRM", "SIGUSR1", "SIGUSR2", "alarm", "pause")}
MODE_CALLS = {("os", "chmod"), ("os", "umask")}


def _runtime_files():
    for top in RUNTIME:
        yield from sorted((ROOT / top).rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_runtime_code_makes_no_posix_only_call():
    """Modes only in atomic.py, behind POSIX_MODES; no POSIX-only module, call or device path anywhere."""
    found = []
    for path in _runtime_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [f"{where}:{node.lineno} import {a.name}" for a in node.names
                          if a.name.split(".")[0] in POSIX_MODULES]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in POSIX_MODULES:
                found.append(f"{where}:{node.lineno} from {node.module}")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                call = (node.value.id, node.attr)
                if call in POSIX_CALLS or (call in MODE_CALLS and where != "syncready/atomic.py"):
                    found.append(f"{where}:{node.lineno} {'.'.join(call)}")
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
                  and "/dev/" in node.value):
                found.append(f"{where}:{node.lineno} {node.value!r}")
    assert found == []


@pytest.mark.skipif(os.name != "posix", reason="permission bits are access control on POSIX only")
def test_journal_and_password_file_are_owner_only_on_posix(tmp_path, capsys):
    journal = Journal(tmp_path / "j.jsonl", "fix", {})
    journal.close({})
    save_password(tmp_path / "pw.txt", "CN=Ann,DC=contoso,DC=test", "ann", "s3cret!")
    assert stat.S_IMODE((tmp_path / "j.jsonl").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "pw.txt").stat().st_mode) == 0o600
    shared = tmp_path / "shared.txt"
    shared.write_text("")
    shared.chmod(0o644)
    with pytest.raises(WriteFailed, match="readable by others"):
        save_password(shared, "CN=Ann,DC=contoso,DC=test", "ann", "s3cret!")
    assert shared.read_text() == "" and capsys.readouterr().err == ""


def test_where_modes_are_not_access_control_a_warning_says_so(tmp_path, capsys, monkeypatch):
    """Windows: os.stat says 0o666 for any writable file, so the mode check cannot refuse; the folder's
    ACL applies, and each owner-only file says that owner-only access is not enforced."""
    monkeypatch.setattr(atomic, "POSIX_MODES", False)
    shared = tmp_path / "pw.txt"
    shared.write_text("")
    shared.chmod(0o666)
    save_password(shared, "CN=Ann,DC=contoso,DC=test", "ann", "s3cret!")
    journal = Journal(tmp_path / "j.jsonl", "fix", {})
    journal.close({})
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 2 and all("owner-only access is not enforced on Windows" in w for w in warnings)
    assert "password file" in warnings[0] and "journal" in warnings[1] and "s3cret" not in "".join(warnings)
    assert shared.read_text(encoding="utf-8") == "CN=Ann,DC=contoso,DC=test\tann\ts3cret!\n"
    assert read_journal(tmp_path / "j.jsonl") == []


def test_journal_lines_end_in_lf_whatever_the_platform(tmp_path):
    Journal(tmp_path / "j.jsonl", "fix", {"name": "Łukasz"}).close({})
    data = (tmp_path / "j.jsonl").read_bytes()
    assert b"\r" not in data and "Łukasz".encode() in data


# Non-ASCII names on a redirected stdout under a legacy code page ----------------------------------
NAME = "Ventes Łódź 営業"


@pytest.fixture
def snapshot_with_a_non_ascii_name(tmp_path) -> Path:
    """The example tenant, its Sales group renamed: upn-unique and proxy-unique name it in the summary."""
    folder = tmp_path / "contoso"
    shutil.copytree(ROOT / "examples" / "contoso", folder)
    groups = folder / "cloud" / "groups.json"
    data = json.loads(groups.read_text(encoding="utf-8"))
    items = data["value"] if isinstance(data, dict) else data
    renamed = [g for g in items if g.get("displayName") == "Sales"]
    assert renamed
    for group in renamed:
        group["displayName"] = NAME
    groups.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder


ENVIRONMENTS = {
    "cp1252": {"PYTHONIOENCODING": "cp1252"},          # Windows' legacy code page, chosen explicitly
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "C locale": {"LC_ALL": "C", "PYTHONUTF8": "0"},    # no UTF-8 anywhere: Python would pick ASCII
}


@pytest.mark.parametrize("env", ENVIRONMENTS.values(), ids=ENVIRONMENTS.keys())
def test_a_non_ascii_name_on_a_redirected_stdout_never_crashes(snapshot_with_a_non_ascii_name, env):
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONUTF8", "LC_ALL", "LANG")}
    proc = subprocess.run([sys.executable, "-m", "syncready.cli", "check", "--snapshot",
                           str(snapshot_with_a_non_ascii_name)], capture_output=True, env={**base, **env},
                          timeout=120)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 1, stderr
    assert "UnicodeEncodeError" not in stderr and "Traceback" not in stderr
    encoding = env.get("PYTHONIOENCODING", "utf-8")
    out = proc.stdout.decode(encoding)
    if "PYTHONIOENCODING" in env:        # the encoding asked for, with what it lacks as escapes
        assert f"cloud group {NAME.encode(encoding, 'backslashreplace').decode(encoding)}" in out
    else:                                # redirected: UTF-8, the name intact
        assert f"cloud group {NAME}" in out
