"""pytest fixtures: the local Graph v1.0 test server (tests/graphserver) loaded with examples/contoso.

`graph_server` is shared by the whole session (read-only tests; injected faults are cleared after
each test); `fresh_graph_server` is a new server per test, for tests that PATCH. `graph_args`
builds the typed Graph options for the token the test puts in the environment.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from graphserver import GraphServer  # noqa: E402

from syncready.options import GraphAuth, GraphOptions  # noqa: E402

__all__ = ["CONTOSO", "graph_args", "graph_server_shared", "graph_server", "fresh_graph_server"]

CONTOSO = Path(__file__).resolve().parent.parent / "examples" / "contoso"


def graph_args(server, auth: str = "token", **options) -> GraphOptions:
    """The Graph options for `server` (--graph-url, --auth, ...), quiet unless told otherwise."""
    values = {"graph_url": server.url, "auth": GraphAuth(auth), "quiet": True}
    values.update(options)
    return GraphOptions(**values)


@pytest.fixture(scope="session")
def graph_server_shared():
    with GraphServer.from_snapshot(CONTOSO) as server:
        yield server


@pytest.fixture
def graph_server(graph_server_shared, monkeypatch):
    """The shared Contoso server, with its token in SYNCREADY_GRAPH_TOKEN; faults cleared afterwards."""
    server = graph_server_shared
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.token)
    yield server
    server.faults.clear()


@pytest.fixture
def fresh_graph_server(monkeypatch):
    """A Contoso server of its own (for tests that change data), token in SYNCREADY_GRAPH_TOKEN."""
    with GraphServer.from_snapshot(CONTOSO) as server:
        monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.token)
        yield server
