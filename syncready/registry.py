"""The one registry of check ids: every module in `checks/`, and its fixer in `fixers/` by name.

Adding a check means adding `checks/<name>.py` (and `fixers/<name>.py`); nothing here changes. Both
folders are found by module name under the installed namespace, `syncready.checks` and
`syncready.fixers` (pyproject maps the repo's top-level folders there).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from functools import cache
from collections.abc import Callable

from . import checks as checks_package
from . import fixers as fixers_package
from .checkapi import CheckMeta
from .errors import ConfigError

FIXTURES = ("cloud_user", "onprem_user", "onprem_group", "tenant", "counterpart", "paired", "index", "config")


@dataclass(frozen=True)
class Check:
    meta: CheckMeta
    func: Callable
    params: tuple[str, ...]
    module: str

    @property
    def id(self) -> str:
        return self.meta.id


def module_name(check_id: str) -> str:
    return check_id.replace("-", "_")


@cache
def all_checks() -> tuple[Check, ...]:
    found = []
    for info in pkgutil.iter_modules(checks_package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{checks_package.__name__}.{info.name}")
        meta = getattr(module, "META", None)
        func = getattr(module, "check", None)
        if not isinstance(meta, CheckMeta) or not callable(func):
            continue
        if module_name(meta.id) != info.name:
            raise RuntimeError(f"checks/{info.name}.py declares id {meta.id!r}; the module must be named after it")
        params = tuple(inspect.signature(func).parameters)
        unknown = [p for p in params if p not in FIXTURES]
        if unknown:
            raise RuntimeError(f"check {meta.id} asks for unknown fixtures {unknown}; known: {FIXTURES}")
        found.append(Check(meta, func, params, module.__name__))
    found.sort(key=lambda c: (c.meta.order, c.meta.id))
    return tuple(found)


def check_ids() -> list[str]:
    return [c.id for c in all_checks()]


def get_check(check_id: str) -> Check:
    for check in all_checks():
        if check.id == check_id:
            return check
    raise ConfigError(f"unknown check id {check_id!r}; `syncready list` shows the ids")


def select_checks(select=None, ignore=None) -> list[Check]:
    """Checks chosen by --select/--ignore (comma lists or lists); unknown ids are a usage error."""
    select = _ids(select)
    ignore = _ids(ignore)
    for check_id in select + ignore:
        get_check(check_id)
    chosen = [c for c in all_checks() if (not select or c.id in select) and c.id not in ignore]
    if not chosen:
        raise ConfigError("no check selected")
    return chosen


def _ids(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for item in value:
        out.extend(part.strip() for part in item.split(",") if part.strip())
    return out


def fixer_module(check_id: str):
    """The fixer paired with a check, found by module name; None when the check has none."""
    name = f"{fixers_package.__name__}.{module_name(check_id)}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
