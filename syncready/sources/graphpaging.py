"""Following Graph's @odata.nextLink safely and early: loops and stuck reads end the read (SPEC §8).

A page that repeats an earlier one, a link back to a page already read, or endless empty pages
are a SourceError naming the endpoint, raised before memory grows. Only the links and one
fingerprint per page are kept.

Pipelining: the next page is asked for before this one is parsed. Graph writes @odata.nextLink
before `value` ("Paging Microsoft Graph data": context, nextLink, value); OData also allows it as
the last member, so both places are looked at in the raw bytes. The request goes out as soon as
the link is found, so Graph works on page N+1 while page N is parsed and mapped. The parsed page
has the last word: if its link is not the one found, the early request is cancelled and the
parsed link is followed, and a link back to a page already read is never asked for.
"""
from __future__ import annotations

import contextvars
import json
import re
from collections.abc import Generator
from typing import TYPE_CHECKING

from ..errors import SourceError

if TYPE_CHECKING:
    import asyncio

    from .graphsession import GraphSession

MAX_EMPTY_PAGES = 50                # empty pages in a row (each with a nextLink) before the read is called stuck
_LINK = rb'"@odata\.nextLink"\s*:\s*("(?:[^"\\]|\\.)*")'
_HEAD_LINK = re.compile(_LINK)
_TAIL_LINK = re.compile(_LINK + rb"\s*\}\s*$")
TAIL = 16384                        # bytes at the end of a page looked at for a last-member nextLink


def iter_pages(session: GraphSession, path: str, params: dict | None = None,
               headers: dict | None = None) -> Generator[list, None, None]:
    """The `value` of each page, following @odata.nextLink as an opaque absolute URL.

    While a page is with the caller, the request for the next one is already out; closing the
    generator (or an error) cancels it, so a failure of page N+1 never surfaces before page N's.
    """
    url = session.url(path, params)
    where = f"Graph GET {session.endpoint(url)}"
    seen_links: dict[str, int] = {url: 1}
    seen_pages: dict[tuple, int] = {}
    number = empty = 0
    pending: asyncio.Task | None = session.start("GET", url, headers)
    try:
        while pending is not None:
            number += 1
            response = session.finish(pending)
            pending = None
            ahead = link_ahead(response.content)
            if ahead is not None and ahead not in seen_links:
                pending = session.start("GET", ahead, headers)
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
            link = page.get("@odata.nextLink")
            problem = None
            if link is not None and not isinstance(link, str):
                problem = f"{where}: page {number} has a nextLink that is not a URL"
            elif link and link in seen_links:
                problem = (f"{where}: the nextLink of page {number} leads back to page {seen_links[link]} "
                           "(a paging loop); the read was stopped, nothing was checked")
            if pending is not None and link != ahead:
                session.cancel(pending)
                pending = None
            if link and problem is None:
                seen_links[link] = number + 1
                url = link
                if pending is None:
                    pending = session.start("GET", link, headers)
            yield value
            if problem:
                raise SourceError(problem)
    finally:
        if pending is not None:
            session.cancel(pending)


def link_ahead(content: bytes) -> str | None:
    """The page's @odata.nextLink found in its raw bytes without parsing the page, or None.

    Looked for before the first `"value"` key (where Graph puts it; a string there cannot hold an
    unescaped quote, so nothing else matches) and as the last member of the object. Only a guess:
    the caller compares it with the parsed page.
    """
    head = content.find(b'"value"')
    found = _HEAD_LINK.search(content, 0, head) if head > 0 else None
    if found is None:
        found = _TAIL_LINK.search(content, max(0, len(content) - TAIL))
    if found is None:
        return None
    try:
        link = json.loads(found.group(1))
    except ValueError:
        return None
    return link if isinstance(link, str) and link else None


def _fingerprint(value: list) -> tuple:
    """A page by its size and first and last object ids (or objects, when they have no id)."""
    def key(obj) -> str:
        return str(obj.get("id")) if isinstance(obj, dict) and "id" in obj else json.dumps(obj, sort_keys=True)
    return len(value), key(value[0]), key(value[-1])


# --- knowing when a request is on the wire ---------------------------------------------------------
# httpcore calls a request's "trace" extension at each step; the step that starts waiting for the
# answer means the request has been written. GraphSession.start runs its task in a sending_context;
# the client's request hook hands that future to the request's trace.

_SENT: contextvars.ContextVar[asyncio.Future | None] = contextvars.ContextVar("graph_request_sent", default=None)


def sending_context(sent: asyncio.Future) -> contextvars.Context:
    """A context for a request task whose `sent` future is set once the request is written."""
    context = contextvars.copy_context()
    context.run(_SENT.set, sent)
    return context


async def mark_sent_hook(request) -> None:
    """httpx request hook: when the request runs under GraphSession.start, trace it until sent."""
    sent = _SENT.get()
    if sent is not None:
        request.extensions["trace"] = _tracer(sent)


def _tracer(sent: asyncio.Future):
    async def trace(event: str, info: dict) -> None:
        if event.endswith("receive_response_headers.started") and not sent.done():
            sent.set_result(None)
    return trace
