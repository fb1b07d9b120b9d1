"""Following Graph's @odata.nextLink safely: a paging loop or a stuck read ends the read (SPEC §8).

A page that repeats an earlier one, a link back to a page already read, or endless empty pages
are a SourceError naming the endpoint, raised before memory grows. Only the links and one
fingerprint per page are kept.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import SourceError

if TYPE_CHECKING:
    from .graphsession import GraphSession

MAX_EMPTY_PAGES = 50                # empty pages in a row (each with a nextLink) before the read is called stuck


def iter_pages(session: GraphSession, path: str, params: dict | None = None,
               headers: dict | None = None) -> Iterator[list]:
    """The `value` of each page, following @odata.nextLink as an opaque absolute URL."""
    first = session.url(path, params)
    where = f"Graph GET {session.endpoint(first)}"
    url: str | None = first
    seen_links: dict[str, int] = {}
    seen_pages: dict[tuple, int] = {}
    number = empty = 0
    while url:
        number += 1
        seen_links[url] = number
        response = session.run(session.request("GET", url, headers=headers))
        page = session.body(response, "GET", url)
        value = page.get("value")
        if not isinstance(value, list):
            raise SourceError(f"{where}: the answer is not a Graph collection page")
        if value:
            empty = 0
            fingerprint = _fingerprint(value)
            if fingerprint in seen_pages:
                raise SourceError(f"{where}: page {number} repeats page {seen_pages[fingerprint]} "
                                  "(a paging loop); the read was stopped, nothing was checked")
            seen_pages[fingerprint] = number
        else:
            empty += 1
            if empty > MAX_EMPTY_PAGES:
                raise SourceError(f"{where}: {empty} empty pages in a row, each linking to another; "
                                  "the read was stopped, nothing was checked")
        yield value
        link = page.get("@odata.nextLink")
        if link is not None and not isinstance(link, str):
            raise SourceError(f"{where}: page {number} has a nextLink that is not a URL")
        if link and link in seen_links:
            raise SourceError(f"{where}: the nextLink of page {number} leads back to page {seen_links[link]} "
                              "(a paging loop); the read was stopped, nothing was checked")
        url = link


def _fingerprint(value: list) -> tuple:
    """A page by its size and first and last object ids (or objects, when they have no id)."""
    def key(obj) -> str:
        return str(obj.get("id")) if isinstance(obj, dict) and "id" in obj else json.dumps(obj, sort_keys=True)
    return len(value), key(value[0]), key(value[-1])
