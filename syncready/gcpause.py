"""The cyclic garbage collector paused around work that makes millions of acyclic objects."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside: each full pass would walk every new object again (the subjects
    and their results hold no cycles and refcounting frees them; the index's few cycles are collected
    once the collector runs again). A caller's own pause stays."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
