"""Test-wide setup: fixtures for the real components, the test tiers, and hypothesis profiles.

Tiers (markers registered in pyproject.toml): `browser` — the test drives Chromium; `live` — it uses
Samba or the local Graph server; `slow` — real-size runs (100k subjects, building and installing the
wheel); `unit` — none of these, under a minute in all on two cores (`pytest -m unit -n 2`). A test is put in its tier by
the fixtures it uses (below), or by a marker when it starts a server itself or is slow; a unit-tier
test that starts Samba, the Graph server or Chromium fails, naming the marker it needs.

CI must be deterministic: the default profile ("ci") derandomizes every property test and keeps no
example database, so a run is the same on every fresh checkout. `tools/explore.sh` selects the
"explore" profile, which draws fresh random examples under the seeds it is given.
"""
import gc
import os

import pytest
from hypothesis import settings

import sambadc
from fixtures_graph import *  # noqa: F401,F403
from fixtures_samba import *  # noqa: F401,F403
from graphserver import GraphServer

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

LIVE_FIXTURES = frozenset({"contoso_template", "contoso_guid_map", "contoso_session_dc", "contoso_dc",
                           "fresh_contoso_dc", "graph_server_shared", "graph_server", "fresh_graph_server"})
BROWSER_FIXTURES = frozenset({"browser"})
TIERS = ("unit", "live", "browser", "slow")


def pytest_collection_modifyitems(items):
    for item in items:
        if any(item.get_closest_marker(tier) for tier in TIERS):
            continue
        used = set(getattr(item, "fixturenames", ()))
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        elif used & LIVE_FIXTURES:
            item.add_marker(pytest.mark.live)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(autouse=True)
def _unit_tier_starts_no_server(request, monkeypatch):
    """A test left in the unit tier that starts a real component is mis-tiered: say so, loudly."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(what: str, marker: str):
        def start(*args, **kwargs):
            raise RuntimeError(f"{request.node.nodeid} starts {what} but is in the unit tier; "
                               f"mark it @pytest.mark.{marker} (or use the fixture)")
        return start

    monkeypatch.setattr(GraphServer, "start", refuse("the Graph server", "live"))
    monkeypatch.setattr(sambadc.SambaDC, "start", refuse("Samba", "live"))
    try:
        from playwright import sync_api
    except ImportError:
        return
    monkeypatch.setattr(sync_api, "sync_playwright", refuse("Chromium", "browser"))


@pytest.fixture(autouse=True)
def _unfreeze_after_the_test():
    """The CLI freezes what a command keeps to its process's end out of the cyclic collector's walks
    (load_directory's read, check's run: gc.freeze); a test's process goes on, so after each test what
    was frozen goes back to the collector, and a run's few cycles are freed once it is dropped."""
    yield
    gc.unfreeze()
