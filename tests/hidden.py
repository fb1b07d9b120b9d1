"""A module loaded afresh with an optional dependency unimportable, so its fallback stays tested
where the dependency is installed (a copy: the real module stays as it is)."""
from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest


def without(module: ModuleType, dependency: str) -> ModuleType:
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, dependency, None)
        spec = importlib.util.spec_from_file_location(f"{module.__name__}_without_{dependency}", module.__file__)
        assert spec and spec.loader
        copy = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(copy)
    return copy
