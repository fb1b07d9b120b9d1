"""The live on-prem reader: users, groups and contacts from AD into the Directory (SPEC §2, §8).

Reading. One paged subtree search (1,000 entries a page, AD's MaxPageSize) per base for users,
groups and contacts, asking for exactly the attributes the checks need; objectGUID and
mS-DS-ConsistencyGuid are taken from the raw values. The base is each `--ldap-base` or the
server's defaultNamingContext. The sync scope's OUs are not used as search bases although that
would read less: the engine must also see the users outside the scope, to say "exists, but
outside the sync scope" instead of "no such user", so the whole base is read and the engine
filters.

Forests. A forest of several domains is read either with several `--ldap-base` values against a
DC that holds all those naming contexts, or through the Global Catalog (`ldaps://HOST:3269` or
`ldap://HOST:3268`; without `--ldap-base` the whole forest is searched from the empty base). The
Global Catalog only holds the attributes of the partial attribute set, and a default AD schema
leaves out mS-DS-ConsistencyGuid, proxyAddresses and isCriticalSystemObject (and department and
most other attributes one would compare for drift); mailNickname exists only where Exchange's
schema was added. mail, userPrincipalName, sAMAccountName, givenName, sn, displayName,
userAccountControl, objectGUID and objectClass are in it. A missing mS-DS-ConsistencyGuid would
silently give objectGUID anchors and a missing proxyAddresses would hide address conflicts, so
reading through a Global Catalog refuses, naming the attributes, when any is not in the partial
attribute set. The sparse SPEC §10 attributes are the exception: a Global Catalog lacks pwdLastSet
and accountExpires, and those are then recorded as not read (the checks that need them error).

Schema. Every read first looks the requested attributes up in the schema NC (one search). AD and
Samba answer a search for attributes their schema lacks without complaint (ldap3 would refuse it
client-side only with a loaded schema, which this connection never loads), so a forest without
Exchange is read like any other; the lookup tells whether Exchange's schema is there
(msExchRecipientTypeDetails, msExchMailboxGuid, msExchRemoteRecipientType) and, when it is not, the
coverage says "no Exchange schema in AD" (admap.no_exchange_schema) and the Exchange checks skip.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence

import ldap3
from ldap3.core import exceptions as lx
from ldap3.utils.conv import escape_bytes, escape_filter_chars
from ldap3.utils.dn import parse_dn

from ..errors import ConfigError, SourceError
from ..model import Directory, OnPremObject
from ..options import LdapOptions
from ..progress import Progress, timed
from .admap import (EXCHANGE_MARKERS, ONPREM_COLLECTIONS, SPARSE_PROPERTIES, ad_attributes, onprem_from_attributes,
                    record_onprem)
from .ldapconn import Endpoint, close, connect, parse_url
from .ldaperrors import result_text, search_error, short
from .ldappaging import PageFailed, raw_pages
from .ldif import printable

log = logging.getLogger("syncready.ldap")

PAGE_SIZE = 1000

# Users (not computers, which are objectClass=user too), groups and contacts.
OBJECT_FILTER = "(|(&(objectCategory=person)(objectClass=user))(objectClass=group)(objectClass=contact))"
SPARSE_LOWER = frozenset(p.lower() for props in SPARSE_PROPERTIES.values() for p in props)
USER_FILTER = "(&(objectCategory=person)(objectClass=user)(userPrincipalName={}))"


def root_dse(conn: ldap3.Connection, endpoint: Endpoint) -> dict[str, list[str]]:
    attrs = ["defaultNamingContext", "rootDomainNamingContext", "schemaNamingContext", "dnsHostName"]
    with timed(log, f"LDAP {endpoint.label} rootDSE"):
        ok = conn.search("", "(objectClass=*)", ldap3.BASE, attributes=attrs)
    if not ok or not conn.response:
        raise SourceError(f"LDAP server {endpoint.label}: cannot read the rootDSE ({result_text(conn)})")
    raw = conn.response[0].get("raw_attributes", {})
    return {k.lower(): [v.decode("utf-8", "replace") for v in values] for k, values in raw.items()}



def search_bases(bases: Sequence[str], conn: ldap3.Connection, endpoint: Endpoint,
                 dse: dict | None = None) -> list[str]:
    """The --ldap-base values, else the empty base of a Global Catalog, else defaultNamingContext."""
    given = [b.strip() for b in bases if b and b.strip()]
    for base in given:
        try:
            parse_dn(base)
        except lx.LDAPInvalidDnError:
            raise ConfigError(f"--ldap-base {base!r} is not a DN (e.g. DC=contoso,DC=com)") from None
    if given:
        return list(dict.fromkeys(given))
    if endpoint.global_catalog:
        return [""]
    dse = dse if dse is not None else root_dse(conn, endpoint)
    default = dse.get("defaultnamingcontext")
    if not default:
        raise SourceError(f"LDAP server {endpoint.label} names no defaultNamingContext: give --ldap-base DN")
    return [default[0]]


def read_onprem(options: LdapOptions, into: Directory, extra: Sequence[str] = (), raw_sink: list | None = None,
                about: dict | None = None) -> Directory:
    """Read users, groups and contacts from the live AD into `into.onprem`, and record them in its coverage.

    `raw_sink`, when given, receives (dn, {attribute: [bytes]}) for every entry read, which
    `syncready snapshot` writes as LDIF; `about` receives the server and the search bases (for
    the snapshot's manifest). The whole base is read even when the config names a sync scope
    (see the module docstring).
    """
    extra = tuple(extra)
    conn = connect(options)
    endpoint = parse_url(options.url)
    try:
        dse = root_dse(conn, endpoint)
        bases = search_bases(options.bases, conn, endpoint, dse)
        attributes = ad_attributes(extra)
        schema = schema_attributes(conn, endpoint, dse, attributes)
        held = check_global_catalog(endpoint, schema, attributes) if endpoint.global_catalog else attributes
        progress = Progress(f"Reading AD at {endpoint.label}", quiet=options.quiet)
        objects: list[OnPremObject] = []
        seen: set[str] = set()
        count = pages = 0
        for base in bases:
            for page in paged_entries(conn, endpoint, base, OBJECT_FILTER, attributes):
                pages += 1
                for dn, raw in page:
                    count += 1
                    key = dn.lower()
                    if key in seen:
                        continue
                    seen.add(key)
                    if raw_sink is not None:
                        raw_sink.append((dn, raw))
                    try:
                        obj = onprem_from_attributes(dn, raw, extra)
                    except ValueError as exc:
                        raise SourceError(f"LDAP server {endpoint.label}: entry {printable(dn)}: {exc}") from None
                    if obj is not None:
                        objects.append(obj)
                progress.update(count, pages)
        progress.done()
    finally:
        close(conn)
    into.onprem = objects
    into.sources["onprem"] = endpoint.url
    exchange = None if schema is None else any(m.lower() in schema for m in EXCHANGE_MARKERS)
    record_onprem(into.coverage, objects, endpoint.url, {name: held for name in ONPREM_COLLECTIONS.values()}, exchange)
    if len(held) < len(attributes):
        into.coverage.notes.append(f"the Global Catalog at {endpoint.label} does not hold "
                                   f"{', '.join(a for a in attributes if a not in held)}: read each domain from a "
                                   "DC (ldaps://DC:636 --ldap-base) for the checks that need them")
    if about is not None:
        about.update(server=endpoint.url, bases=list(bases))
    log.debug("LDAP %s: %d objects kept of %d entries in %d pages", endpoint.label, len(objects), count, pages)
    return into


def paged_entries(conn: ldap3.Connection, endpoint: Endpoint, base: str, search_filter: str,
                  attributes: Iterable[str], page_size: int = PAGE_SIZE) -> Iterator[list[tuple[str, dict]]]:
    """Each page of a paged subtree search as a list of (dn, raw attributes); the DC builds the next
    page while this one is decoded and mapped (ldappaging)."""
    shown_base = base or "(the whole forest)"
    pages = raw_pages(conn, base, search_filter, list(attributes), page_size)
    number = 0
    while True:
        number += 1
        started = time.perf_counter()
        try:
            page = next(pages, None)
        except PageFailed as exc:
            raise SourceError(search_error(endpoint, base, exc.result)) from None
        except lx.LDAPException as exc:
            raise SourceError(f"LDAP server {endpoint.label}: reading {shown_base} failed ({short(exc)})") from None
        if page is None:
            return
        if log.isEnabledFor(logging.DEBUG):
            log.debug("LDAP %s search base=%r page %d: %d entries in %.3fs", endpoint.label, base, number,
                      len(page), time.perf_counter() - started)
        yield page


def schema_attributes(conn: ldap3.Connection, endpoint: Endpoint, dse: dict,
                      attributes: Iterable[str]) -> dict[str, bool] | None:
    """Which of the attributes the schema defines (lower-cased lDAPDisplayName), each with whether the
    Global Catalog holds it; None when the schema cannot be read. One search of the schema NC."""
    schema = (dse.get("schemanamingcontext") or [None])[0]
    if not schema:
        return None
    wanted = [a for a in attributes if a.lower() not in ("distinguishedname", "objectclass")]
    clauses = "".join(f"(lDAPDisplayName={escape_filter_chars(a)})" for a in wanted)
    with timed(log, f"LDAP {endpoint.label} schema lookup of {len(wanted)} attributes"):
        try:
            ok = conn.search(schema, f"(&(objectClass=attributeSchema)(|{clauses}))", ldap3.LEVEL,
                             attributes=["lDAPDisplayName", "isMemberOfPartialAttributeSet", "systemFlags"])
        except lx.LDAPException:
            return None
    if not ok and (conn.result or {}).get("result") not in (0, None):
        return None
    found: dict[str, bool] = {}
    for entry in conn.response or ():
        if entry.get("type") != "searchResEntry":
            continue
        raw = {k.lower(): v for k, v in entry.get("raw_attributes", {}).items()}
        name = (raw.get("ldapdisplayname") or [b""])[0].decode().lower()
        flags = int((raw.get("systemflags") or [b"0"])[0])
        found[name] = (raw.get("ismemberofpartialattributeset") or [b""])[0].upper() == b"TRUE" or bool(flags & 0x2)
    return found


def check_global_catalog(endpoint: Endpoint, schema: dict[str, bool] | None, attributes: Sequence[str]) -> list[str]:
    """The attributes a Global Catalog holds. Refuses when one the checks cannot do without is not in
    the partial attribute set; the sparse SPEC §10 ones it lacks (pwdLastSet, accountExpires) are left
    out, and the coverage then says they were not read."""
    if schema is None:
        return list(attributes)
    lacking = [a for a in attributes if a.lower() in schema and not schema[a.lower()]]
    missing = [a for a in lacking if a.lower() not in SPARSE_LOWER]
    if missing:
        raise SourceError(f"the Global Catalog at {endpoint.label} does not hold {', '.join(missing)} (not in the "
                          "partial attribute set): read each domain from a DC with ldaps://DC:636 --ldap-base, or "
                          "add these attributes to the Global Catalog")
    return [a for a in attributes if a not in lacking]


def find_user_by_upn(conn: ldap3.Connection, base: str, upn: str, extra: Iterable[str] = ()) -> list[OnPremObject]:
    """The users whose userPrincipalName equals `upn` (AD compares case-insensitively).

    The UPN is escaped, so `*`, `(`, `)`, `\\` and NUL in it are matched literally: an unescaped
    `*` would turn the equality into a wildcard match and a `)` could inject filter clauses.
    """
    extra = tuple(extra)
    search_filter = USER_FILTER.format(escape_filter_chars(upn))
    ok = conn.search(base, search_filter, ldap3.SUBTREE, attributes=ad_attributes(extra))
    if not ok and (conn.result or {}).get("result") not in (0, None):
        raise SourceError(search_error(Endpoint("ldap", conn.server.host, conn.server.port), base, conn.result))
    found = []
    for entry in conn.response or ():
        if entry.get("type") == "searchResEntry":
            obj = onprem_from_attributes(entry["dn"], entry["raw_attributes"], extra)
            if obj is not None:
                found.append(obj)
    return found


def find_by_guid(conn: ldap3.Connection, base: str, guid: bytes,
                 attribute: str = "objectGUID") -> list[tuple[str, dict]]:
    """Entries whose objectGUID (or mS-DS-ConsistencyGuid) is these 16 raw bytes."""
    ok = conn.search(base, f"({escape_filter_chars(attribute)}={escape_bytes(guid)})", ldap3.SUBTREE,
                     attributes=ad_attributes())
    if not ok and (conn.result or {}).get("result") not in (0, None):
        raise SourceError(search_error(Endpoint("ldap", conn.server.host, conn.server.port), base, conn.result))
    return [(e["dn"], e["raw_attributes"]) for e in conn.response or () if e.get("type") == "searchResEntry"]

