"""The installable package: the repo's checks/ fixers/ reports/ examples/ install as syncready.checks,
.fixers, .reports and .examples, and an installed wheel works from a fresh virtual environment outside
the tree (`syncready demo`, `pytest --pyargs syncready.checks --snapshot DIR`)."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CARD = ("checks", "fixers", "reports", "examples")   # the design card's top-level folders
SOURCES = ("syncready", *CARD, "tests", "bench")
NOT_COPIED = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", "artifacts",
                                    "readiness.html", "results.json", ".hypothesis")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def installed_name(folder: Path) -> str:
    """The package a folder of the tree installs as, under pyproject's package-dir mapping."""
    mapping = {Path(v): k for k, v in pyproject()["tool"]["setuptools"]["package-dir"].items()}
    rel = folder.relative_to(ROOT)
    for source, name in mapping.items():
        if rel == source or source in rel.parents:
            return ".".join([name, *rel.relative_to(source).parts])
    return ".".join(rel.parts)


def test_every_package_in_the_tree_is_installed():
    """A new subpackage (say syncready/sources/graph/) left out of pyproject would be missing after pip install."""
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    tree = {installed_name(init.parent) for top in ("syncready", *CARD) for init in (ROOT / top).rglob("__init__.py")
            if "__pycache__" not in init.parts}
    assert tree == listed, {"missing": sorted(tree - listed), "stale": sorted(listed - tree)}
    assert all(name == "syncready" or name.startswith("syncready.") for name in listed)


def test_nothing_imports_the_card_folders_by_their_top_level_names():
    """Installed there is no top-level `checks` (or fixers, reports, examples): `import checks` would work in
    the tree, where the working directory is on sys.path, and fail after pip install."""
    found = []
    for top in SOURCES:
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
                found += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.split(".")[0] in CARD]
    assert found == []


def test_the_registry_finds_checks_and_fixers_under_the_namespace():
    from syncready.registry import all_checks, fixer_module

    assert {c.module.rpartition(".")[0] for c in all_checks()} == {"syncready.checks"}
    assert fixer_module("upn-exists").__name__ == "syncready.fixers.upn_exists"


def _dependencies_of_this_venv(target: Path) -> Path:
    """A folder of links to this environment's installed distributions, syncready's own left out, so the
    fresh venv's `pip install <wheel>` finds its dependencies installed and needs no network."""
    here = Path(sysconfig.get_paths()["purelib"])
    farm = target / "deps"
    farm.mkdir()
    for entry in here.iterdir():
        name = entry.name.lower()
        if name.startswith(("syncready", "__editable__", "_distutils_hack", "distutils-precedence", "pip",
                            "setuptools")) or name.endswith(".pth") or name == "__pycache__":
            continue
        (farm / entry.name).symlink_to(entry)
    return farm


def _run(cmd, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


@pytest.mark.live
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="the fresh venv's layout (bin/, symlinks) is POSIX here")
def test_the_wheel_works_from_a_fresh_venv_outside_the_tree(tmp_path):
    assert ROOT not in tmp_path.parents
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=NOT_COPIED)   # a clean copy: no stale build/ in the wheel
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path / "dist", src],
                 tmp_path, env)
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("syncready-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert tops == {"syncready", wheel.name.split("-py3")[0] + ".dist-info"}, tops

    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, env).returncode == 0
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path,
                     env).stdout.strip())
    (site / "syncready-test-deps.pth").write_text(f"{_dependencies_of_this_venv(tmp_path)}\n", encoding="utf-8")
    done = _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-index", wheel],
                tmp_path, env)
    assert done.returncode == 0, done.stderr

    assert not [p.name for p in site.iterdir() if p.name in CARD], "generic top-level packages in site-packages"
    package = site / "syncready"
    assert (package / "checks" / "upn_exists.py").is_file() and (package / "fixers" / "upn_exists.py").is_file()
    assert (package / "reports" / "templates" / "report.html.j2").is_file()
    assert (package / "examples" / "contoso" / "cloud" / "users.json").is_file()
    where = _run([python, "-c", "import syncready, importlib.util as u; print(syncready.__file__); "
                  "print(u.find_spec('checks'))"], tmp_path, env)
    assert where.stdout.split() == [str(package / "__init__.py"), "None"], where

    work = tmp_path / "work"
    work.mkdir()
    demo = _run([venv / "bin" / "syncready", "demo"], work, env)
    assert demo.returncode == 0, demo.stderr
    assert "cloud users ready" in demo.stdout and (work / "readiness.html").stat().st_size > 10_000
    assert json.loads((work / "results.json").read_text(encoding="utf-8"))["summary"]["cloud_users"]["total"] > 0

    snap = tmp_path / "snap"
    shutil.copytree(package / "examples" / "contoso", snap)
    listed = _run([python, "-m", "pytest", "--pyargs", "syncready.checks", "--snapshot", snap, "-q",
                   "--collect-only", "-p", "no:cacheprovider"], work, env)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "checks/upn_exists.py::upn-exists[alice.johnson@contoso.com]" in listed.stdout, listed.stdout[-2000:]
    ran = _run([python, "-m", "pytest", "--pyargs", "syncready.checks", "--snapshot", snap, "-q",
                "-p", "no:cacheprovider", "--junitxml", work / "readiness.xml"], work, env)
    assert ran.returncode == 1, ran.stdout[-2000:] + ran.stderr     # the example has failing blockers
    assert " passed" in ran.stdout and " failed" in ran.stdout and (work / "readiness.xml").is_file()
