"""A paged LDAP search that asks for page N+1 before it decodes page N (SPEC §2).

ldap3's synchronous `Connection.search` receives a whole page, decodes every message of it (BER,
then a formatted copy of every value besides the raw one) and only then returns the cookie, so the
DC sits idle while the client decodes, and the client waits while the DC builds the next page.
Here a page is received as raw messages (ldap3's own receiving: TLS, message framing), only its
closing searchResDone is decoded for the result and the cookie, the request for the next page is
sent at once, and then the page's entries are decoded (ldap3's BER decoder, raw values only) while
the DC works on the next one in its own process. Requests are built and sent by ldap3 as
`Connection.search` builds them; nothing is read that a plain paged search would not read.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import ldap3
from ldap3.core import exceptions as lx
from ldap3.operation.search import raw_attributes_to_dict_fast, search_operation
from ldap3.protocol.rfc2696 import paged_search_control
from ldap3.utils.asn1 import decode_message_fast
from ldap3.utils.conv import to_unicode

PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"
# The protocolOp tag after the messageID of an LDAPMessage ([APPLICATION n], constructed).
ENTRY_TAG = 0x64                    # searchResEntry [APPLICATION 4]
DONE_TAG = 0x65                     # searchResDone [APPLICATION 5]
REFERENCE_TAG = 0x73                # searchResRef [APPLICATION 19]
INTERMEDIATE_TAG = 0x79             # intermediateResponse [APPLICATION 25]
SKIPPED_TAGS = (REFERENCE_TAG, INTERMEDIATE_TAG)   # not entries: a plain search drops them too


class PageFailed(Exception):
    """The DC ended a page with an error result; `result` is ldap3's result dict for it."""

    def __init__(self, result: dict):
        super().__init__(result.get("description") or "")
        self.result = result


def raw_pages(conn: ldap3.Connection, base: str, search_filter: str, attributes: Sequence[str],
              page_size: int) -> Iterator[list[tuple[str, dict]]]:
    """Each page of a paged subtree search as (dn, raw attributes), the next page already asked for.

    Raises PageFailed for an error result, ldap3's exceptions for a broken connection.
    """
    with conn.connection_lock:
        message_id = _send(conn, base, search_filter, attributes, page_size, None)
        while True:
            entries, result = _receive_page(conn, message_id)
            if result.get("result") not in (0, None):
                raise PageFailed(result)
            cookie = (result.get("controls") or {}).get(PAGED_RESULTS_OID, {}).get("value", {}).get("cookie")
            if cookie:
                message_id = _send(conn, base, search_filter, attributes, page_size, cookie)
            yield [_entry(raw) for raw in entries]
            if not cookie:
                return


def _send(conn: ldap3.Connection, base: str, search_filter: str, attributes: Sequence[str], page_size: int,
          cookie: bytes | None) -> int:
    """One paged searchRequest, built as Connection.search builds it; its message id."""
    request = search_operation(base, search_filter, ldap3.SUBTREE, ldap3.DEREF_ALWAYS, list(attributes), 0, 0,
                               False, conn.auto_escape, conn.auto_encode, conn.server.schema,
                               validator=conn.server.custom_validator, check_names=conn.check_names)
    return conn.strategy.send("searchRequest", request, [paged_search_control(False, page_size, cookie)])


def _receive_page(conn: ldap3.Connection, message_id: int) -> tuple[list[bytes], dict]:
    """The raw searchResEntry messages of one page and its decoded searchResDone."""
    entries: list[bytes] = []
    strategy = conn.strategy
    while True:
        messages = strategy.receiving()
        if not messages:
            raise lx.LDAPSessionTerminatedByServerError("session terminated by server")
        for message in messages:
            tag, number = _op(message)
            if number != message_id:
                decoded = strategy.decode_response_fast(decode_message_fast(message))
                if number == 0 and decoded.get("responseName") == "1.3.6.1.4.1.1466.20036":
                    raise lx.LDAPSessionTerminatedByServerError("session terminated by server")
                raise lx.LDAPSocketReceiveError("invalid messageId received")
            if tag == ENTRY_TAG:
                entries.append(message)
            elif tag == DONE_TAG:
                if message is not messages[-1]:
                    raise lx.LDAPSocketReceiveError("LDAP messages after the end of a search page")
                result = strategy.decode_response_fast(decode_message_fast(message))
                strategy._outstanding.pop(message_id, None)
                conn.result = result
                return entries, result
            elif tag not in SKIPPED_TAGS:
                raise lx.LDAPSocketReceiveError(f"unexpected LDAP message (tag {tag:#x}) in a search answer")


def _op(message: bytes) -> tuple[int, int]:
    """(protocolOp tag, messageID) of a raw LDAPMessage: SEQUENCE { INTEGER messageID, protocolOp ... }."""
    offset = 2 + (message[1] & 0x7F if message[1] & 0x80 else 0)    # past the SEQUENCE's tag and length
    size = message[offset + 1]                                       # the INTEGER's length (< 128)
    number = int.from_bytes(message[offset + 2:offset + 2 + size], "big", signed=True)
    return message[offset + 2 + size], number


def _entry(message: bytes) -> tuple[str, dict]:
    """(dn, raw attributes) of a searchResEntry, as ldap3's fast decoder gives `dn` and `raw_attributes`."""
    payload = decode_message_fast(message)["payload"]
    return to_unicode(payload[0][3], from_server=True), raw_attributes_to_dict_fast(payload[1][3])
