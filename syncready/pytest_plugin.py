"""pytest front end: every check module under checks/ becomes a collector of one test per subject.

Node ids read `checks/upn_exists.py::upn-exists[alice@contoso.com]` — the check, then the subject:
a cloud user's UPN, or the DN of an AD user, group or contact
(`checks/group_takeover.py::group-takeover[CN=Sales,OU=Groups,DC=contoso,DC=com]`) — so `-k upn-exists`
selects a check; `--user UPN` (or a DN) selects subjects (pytest's -k grammar has no `@` or `=`). Outcomes come from
`Engine.evaluate`, the same call the `syncready check` command makes: a failing check the gate
counts (`--fail-on`) fails its test; a failing warning below the gate, or a waived failure, is
reported as xfailed with the reason; skips are skips.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import checks as checks_package

from .config import load_config
from .engine import Engine
from .errors import SyncreadyError
from .registry import all_checks
from .summary import coverage_warnings
from .termtext import escape
from .vocab import FAILING, FailOn, Severity, Status, gates, values

CHECKS_DIR = Path(checks_package.__file__).resolve().parent
ENGINE_KEY = pytest.StashKey["Engine"]()


def pytest_addoption(parser):
    group = parser.getgroup("syncready", "syncready readiness checks")
    group.addoption("--snapshot", metavar="DIR", help="snapshot folder to check (cloud/, onprem/)")
    group.addoption("--syncready-config", "--config", dest="syncready_config", metavar="FILE",
                    help="syncready.toml (default ./syncready.toml when present)")
    group.addoption("--user", dest="syncready_users", action="append", metavar="UPN",
                    help="only tests of this subject (a UPN, or the DN of an AD user, group or contact); repeatable")
    group.addoption("--fail-on", dest="syncready_fail_on", choices=values(FailOn),
                    default=FailOn.BLOCKER.value, help="which failing checks fail their test (default blocker)")


def _engine(config) -> Engine:
    engine = config.stash.get(ENGINE_KEY, None)
    if engine is None:
        from .sources.snapshot import read_snapshot

        snapshot = config.getoption("snapshot")
        if not snapshot:
            raise pytest.UsageError("syncready: give --snapshot DIR to run the checks under checks/")
        try:
            cfg = load_config(config.getoption("syncready_config"), snapshot=snapshot)
            directory = read_snapshot(snapshot, extra_graph=cfg.extra_graph, extra_ldap=cfg.extra_ldap)
            engine = Engine(directory, cfg, select=[c.id for c in all_checks()])
        except SyncreadyError as exc:
            raise pytest.UsageError(f"syncready: {exc}") from None
        config.stash[ENGINE_KEY] = engine
        config.stash[SUBJECTS_KEY] = engine.subjects(config.getoption("syncready_users"))[0]
    return engine


SUBJECTS_KEY = pytest.StashKey["list"]()


def pytest_collect_file(file_path, parent):
    path = Path(file_path).resolve()
    if path.parent == CHECKS_DIR and path.suffix == ".py" and not path.name.startswith("_"):
        return CheckFile.from_parent(parent, path=file_path)
    return None


class CheckFile(pytest.File):
    def collect(self):
        engine = _engine(self.config)
        subjects = self.config.stash[SUBJECTS_KEY]
        check = next((c for c in engine.checks if c.module == f"{checks_package.__name__}.{self.path.stem}"), None)
        if check is None:
            return
        for subject in subjects:
            if subject.kind == check.meta.subject:
                yield CheckItem.from_parent(self, name=f"{check.id}[{subject.name}]", check=check, subject=subject)


class CheckFailed(Exception):
    """A failing check: shown as its message and evidence, without a traceback."""


class CheckItem(pytest.Item):
    def __init__(self, *, check, subject, **kwargs):
        super().__init__(**kwargs)
        self.check = check
        self.subject = subject
        severity = _engine(self.config).severity[check.id]
        self.add_marker(pytest.mark.syncready(check=check.id, severity=severity))
        self.add_marker(severity)

    def runtest(self):
        engine = _engine(self.config)
        result = engine.evaluate(self.check, self.subject)
        self.user_properties.append(("status", result.status))
        if result.status == Status.SKIP:
            pytest.skip(result.message or "not applicable")
        if result.status == Status.WAIVED:
            pytest.xfail(f"waived: {result.waiver['reason']} — {result.message}")
        if result.status in FAILING:
            if gates(engine.severity[self.check.id], self.config.getoption("syncready_fail_on")):
                raise CheckFailed(result)
            pytest.xfail(f"{engine.severity[self.check.id]} (not gating): {result.message}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CheckFailed):
            result = excinfo.value.args[0]
            text = f"{self.check.id} {result.status}: {result.message}"
            if result.evidence:
                text += "\nevidence: " + json.dumps(result.evidence, ensure_ascii=False, sort_keys=True)
            return text
        if excinfo.errisinstance(pytest.xfail.Exception):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.check.id}[{self.subject.name}]"


def pytest_configure(config):
    config.addinivalue_line("markers", "syncready(check, severity): a syncready readiness check")
    for severity in Severity:
        config.addinivalue_line("markers", f"{severity}: a check of severity {severity} (select with -m {severity})")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """What the verdicts rest on, once: the collections not read and the readers' notes (SPEC §8)."""
    engine = config.stash.get(ENGINE_KEY, None)
    if engine is None:
        return
    lines = coverage_warnings(engine.directory.coverage.to_json())
    if lines:
        terminalreporter.section("syncready: what was not read, and notes")
        for line in lines:
            terminalreporter.write_line(escape(line), yellow=True)
