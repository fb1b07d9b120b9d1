"""The Graph page pipeline (issue 14): page N+1 is asked for from the raw bytes of page N, before page
N is parsed, against the local Graph server through the real msgraph-sdk; the paging guards still
stop the read before anything of a later page is used."""
from __future__ import annotations

import contextlib
import json
import time
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures_graph import CONTOSO, graph_args
from graphserver import GraphServer, load_snapshot
from syncready.config import load_config
from syncready.errors import SourceError
from syncready.model import Directory
from syncready.sources import graphread
from syncready.sources.graphpaging import link_ahead
from syncready.sources.graphread import read_cloud
from syncready.sources.graphsession import GraphSession

CONFIG = load_config(str(CONTOSO / "syncready.toml"))
LINK = "https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken=RFNwdAIAAQAAACM6"


def _users(count: int) -> dict:
    data = load_snapshot(CONTOSO)
    data["users"] += [{"id": str(uuid.UUID(int=n + 1)), "userPrincipalName": f"p{n:05d}@contoso.com",
                       "displayName": f"P {n}", "accountEnabled": True, "userType": "Member",
                       "proxyAddresses": []} for n in range(count)]
    return data


@pytest.fixture(scope="module")
def server_shared():
    with GraphServer(_users(2500)) as server:
        yield server


@pytest.fixture
def server(server_shared, monkeypatch):
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server_shared.token)
    server_shared.requests.clear()
    yield server_shared
    server_shared.faults.clear()
    server_shared.paging.clear()


def live(server) -> Directory:
    return read_cloud(graph_args(server), into=Directory(), extra=CONFIG.extra_graph)


def user_pages_asked(server) -> int:
    return len([r for r in server.requests if r.method == "GET" and r.target.startswith("/v1.0/users?")])


def user_pages_asked_by_now(server, expected: int, within: float = 5.0) -> int:
    """The pages the server has seen once it has seen `expected` (or `within` seconds passed).

    A request the reader wrote and then cancelled reaches the server's log on the server's thread,
    possibly after the read has already failed: its arrival is awaited, not assumed.
    """
    deadline = time.monotonic() + within
    while user_pages_asked(server) < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return user_pages_asked(server)


@pytest.mark.live
def test_page_n_plus_1_is_asked_for_before_page_n_is_parsed(server, monkeypatch):
    """Parsing page 1 waits (up to 3 s) for the server to see the request for page 2: it sees it
    only if that request went out before page 1 was parsed."""
    real = GraphSession.body
    seen: list[int] = []

    def parse(self, response, method, url):
        if "/users?" in url and not seen:
            deadline = time.monotonic() + 3
            while user_pages_asked(server) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            seen.append(user_pages_asked(server))
        return real(self, response, method, url)

    monkeypatch.setattr(GraphSession, "body", parse)
    directory = live(server)
    assert seen == [2], "page 2 was not asked for before page 1 was parsed"
    assert user_pages_asked(server) == 3
    assert len(directory.cloud_users) == len(load_snapshot(CONTOSO)["users"]) + 2500


@pytest.mark.live
def test_a_link_back_to_a_page_read_is_never_asked_for(server):
    server.paging.add("loop", "/users", page=2)
    with pytest.raises(SourceError, match="leads back to page 2"):
        live(server)
    assert user_pages_asked(server) == 2


@pytest.mark.live
def test_overlapping_pages_are_the_error_not_the_next_page_asked_for_early(server):
    """Page 2 repeats an object of page 1; page 3, already asked for, fails: the overlap is the error."""
    server.paging.add("repeat", "/users", page=2)
    server.faults.add("/users", 500, count=None, after=2)
    with pytest.raises(SourceError) as caught:
        live(server)
    assert "overlapping pages" in str(caught.value) and "page 2" in str(caught.value)
    assert user_pages_asked_by_now(server, 3) == 3


@pytest.mark.live
def test_throttled_early_request_is_retried_after_retry_after(server):
    server.faults.add("/users", 429, after=1, seconds=1)
    started = time.monotonic()
    directory = live(server)
    assert time.monotonic() - started >= 1
    asked = [r for r in server.requests if r.target.startswith("/v1.0/users?")]
    assert len(asked) == 4 and asked[2].headers.get("retry-attempt") == "1"
    assert len(directory.cloud_users) == len(load_snapshot(CONTOSO)["users"]) + 2500


# --- finding the link in the raw bytes ------------------------------------------------------------

def page(*members: tuple[str, object]) -> bytes:
    return json.dumps(dict(members)).encode()


def test_link_before_value_as_graph_writes_it():
    body = page(("@odata.context", "https://graph.microsoft.com/v1.0/$metadata#users"),
                ("@odata.nextLink", LINK), ("value", [{"id": "1"}]))
    assert link_ahead(body) == LINK


def test_link_as_the_last_member():
    assert link_ahead(page(("value", [{"id": "1"}]), ("@odata.nextLink", LINK))) == LINK
    assert link_ahead(b'{"value": [],\n "@odata.nextLink" : "' + LINK.encode() + b'" }\n') == LINK


def test_escaped_link_is_decoded():
    body = b'{"@odata.nextLink":"https:\\/\\/graph.microsoft.com\\/v1.0\\/users?a=1\\u0026b=2","value":[]}'
    assert link_ahead(body) == "https://graph.microsoft.com/v1.0/users?a=1&b=2"


@pytest.mark.parametrize("body", [
    page(("value", [{"id": "1", "displayName": '"@odata.nextLink":"https://evil.example/"'}])),
    page(("value", [{"id": "1", "members@odata.nextLink": LINK}])),
    page(("value", [{"id": "1", "@odata.nextLink": LINK}])),
    page(("@odata.context", "x"), ("value", [])),
    page(("value", [{"id": "1"}]), ("@odata.nextLink", LINK), ("@odata.count", 3)),
    b'{"@odata.nextLink":"cut',
    b"",
], ids=["in-a-string", "nested-annotation", "in-an-object", "none", "not-last", "cut", "empty"])
def test_no_link_is_guessed_where_none_is_the_pages(body):
    assert link_ahead(body) is None


# --- the ids and missing properties of each page ---------------------------------------------------

def _reference_take(pages, selected: tuple[str, ...]):
    """The per-object loop _Pages.take replaced: (error or None, ids, missing when no error)."""
    ids: dict = {}
    missing: set = set()
    for number, page in enumerate(pages, 1):
        for obj in page:
            if isinstance(obj, dict):
                key = obj.get("id")
                if isinstance(key, str):
                    if key in ids:
                        return f"object {key} came on page {ids[key]} and again on page {number}", ids, None
                    ids[key] = number
                missing.update(p for p in selected if p not in obj)
    return None, ids, missing


_objects = st.one_of(
    st.fixed_dictionaries({"id": st.one_of(st.sampled_from("abcdef"), st.uuids().map(str), st.none(),
                                           st.integers(0, 3))},
                          optional={"displayName": st.just("x"), "mail": st.just("y")}),
    st.fixed_dictionaries({}, optional={"displayName": st.just("x")}),
    st.sampled_from([None, "x", 3, [1]]))


@given(st.lists(st.lists(_objects, max_size=6), min_size=1, max_size=4))
def test_page_ids_and_missing_properties_as_one_object_at_a_time(pages):
    selected = ("id", "displayName", "mail")
    taken = graphread._Pages("/users", lambda obj: obj, selected, keep_raw=False)
    error, ids, missing = _reference_take(pages, selected)
    with monkeypatch_map_records():
        try:
            for page in pages:
                taken.take(page)
        except SourceError as exc:
            assert error is not None and error in str(exc)
        else:
            assert error is None and taken.missing == missing
    assert taken.ids == ids


@contextlib.contextmanager
def monkeypatch_map_records():
    """Only the page checks: records are not mapped (non-dict objects would be a mapping error)."""
    real = graphread.map_records
    graphread.map_records = lambda page, convert, where: []
    try:
        yield
    finally:
        graphread.map_records = real
