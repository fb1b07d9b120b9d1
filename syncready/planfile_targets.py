"""Which AD domain, DC and tenant a plan was made against and a journal wrote to — never a secret.

A saved plan is refused on a DC of another domain or a tenant other than its own; a journal records
the DC and tenant it wrote to, so `undo JOURNAL` needs only credentials, and refuses options that
name another DC or tenant unless --force.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from .errors import ConfigError, SourceError
from .options import DEFAULT_GRAPH_URL, GraphAuth, GraphOptions, LdapAuth, LdapOptions, SourceOptions
from .vocab import Target


def domain_of(dn: str) -> str:
    """The domain naming context of a DN: its trailing DC= components ('' when it has none)."""
    parts = [p.strip() for p in _split_dn(dn)]
    tail: list[str] = []
    for part in reversed(parts):
        if not part.lower().startswith("dc="):
            break
        tail.append(part)
    return ",".join(reversed(tail))


def _split_dn(dn: str) -> list[str]:
    """RDNs of a DN, honouring backslash escapes (CN=Smith\\, Ann,OU=...)."""
    out, current, escaped = [], [], False
    for char in dn:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == ",":
            out.append("".join(current))
            current = []
        else:
            current.append(char)
    out.append("".join(current))
    return out


def same_domain(a: str, b: str) -> bool:
    return a.replace(" ", "").lower() == b.replace(" ", "").lower()


def dc_domain(writer: Any) -> str | None:
    """The defaultNamingContext of the DC an LdapWriter is bound to (None when it names none)."""
    conn = writer.conn
    if not conn.search("", "(objectClass=*)", "BASE", attributes=["defaultNamingContext"]) or not conn.response:
        raise SourceError("cannot read the DC's rootDSE to tell which domain it holds")
    raw = conn.response[0].get("raw_attributes", {})
    values: list[bytes] = next((v for k, v in raw.items() if k.lower() == "defaultnamingcontext"), [])
    return values[0].decode("utf-8", "replace") if values else None


def live_tenant(sources: SourceOptions, writer: Any | None) -> str | None:
    """The tenant the Graph options write to: --tenant-id (or [sources] tenant_id), else the id of
    /organization read through the writer's session; None when neither tells."""
    if sources.graph is not None and sources.graph.tenant_id:
        return sources.graph.tenant_id
    if writer is None:
        return None
    try:
        body = writer.session.get_json("/organization", {"$select": "id"})
    except SourceError:   # not readable (permission, network): the tenant is not known, the caller refuses
        return None
    ids = [o.get("id") for o in body.get("value", []) if isinstance(o, dict)]
    return ids[0] if len(ids) == 1 and isinstance(ids[0], str) else None


def same_tenant(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().lower() == b.strip().lower())


def written_targets(sources: SourceOptions, writers: dict, tenant_id: str | None = None,
                    domain: str | None = None) -> dict[str, Any]:
    """What the journal records: per target the DC (URL, domain, CA file) or the Graph URL and tenant."""
    targets: dict[str, Any] = {}
    if Target.ONPREM in writers and sources.ldap is not None:
        targets[Target.ONPREM] = {"dc": sources.ldap.url, "domain": domain or dc_domain(writers[Target.ONPREM]),
                                  "ca_file": sources.ldap.ca_file}
    if Target.CLOUD in writers and sources.graph is not None:
        targets[Target.CLOUD] = {"graph_url": sources.graph.graph_url,
                                 "tenant_id": tenant_id or live_tenant(sources, writers[Target.CLOUD])}
    return targets


def same_dc(a: str, b: str) -> bool:
    from .sources.ldapconn import parse_url

    try:
        return parse_url(a).url.lower() == parse_url(b).url.lower()
    except ConfigError:
        return a.strip().lower() == b.strip().lower()


def undo_sources(args: Any, sources: SourceOptions, targets: dict[str, Any], force: bool) -> SourceOptions:
    """The sources undo writes to: the journal's DC and tenant, unless the options name them; options
    that name another DC or tenant than the journal are refused unless `force`."""
    onprem, cloud = targets.get(Target.ONPREM) or {}, targets.get(Target.CLOUD) or {}
    ldap, graph = sources.ldap, sources.graph
    if onprem.get("dc"):
        if ldap is None:
            ldap = LdapOptions(url=onprem["dc"], user=getattr(args, "ldap_user", None),
                               auth=LdapAuth((getattr(args, "ldap_auth", None) or "simple").lower()),
                               ca_file=getattr(args, "ldap_ca_file", None) or onprem.get("ca_file"),
                               insecure=bool(getattr(args, "ldap_insecure", False)), quiet=True)
        elif not same_dc(ldap.url, onprem["dc"]) and not force:
            raise ConfigError(f"--ldap-url {ldap.url} is not the DC this journal wrote to ({onprem['dc']}); "
                              "leave --ldap-url out, or add --force to undo through that DC")
    if cloud.get("graph_url") or cloud.get("tenant_id"):
        config_sources = sources.config.sources
        if graph is None:
            auth = getattr(args, "auth", None) or config_sources.get("auth")
            graph = GraphOptions(graph_url=cloud.get("graph_url") or DEFAULT_GRAPH_URL,
                                 tenant_id=cloud.get("tenant_id"),
                                 client_id=getattr(args, "client_id", None) or config_sources.get("client_id"),
                                 auth=GraphAuth(auth) if auth else None, ca_file=config_sources.get("graph_ca_file"),
                                 quiet=True)
        else:
            if not (getattr(args, "graph_url", None) or config_sources.get("graph_url")) and cloud.get("graph_url"):
                graph = dataclasses.replace(graph, graph_url=cloud["graph_url"])
            if not graph.tenant_id:
                graph = dataclasses.replace(graph, tenant_id=cloud.get("tenant_id"))
            elif cloud.get("tenant_id") and not same_tenant(graph.tenant_id, cloud["tenant_id"]) and not force:
                raise ConfigError(f"--tenant-id {graph.tenant_id} is not the tenant this journal wrote to "
                                  f"({cloud['tenant_id']}); leave --tenant-id out, or add --force")
    return SourceOptions(snapshot=sources.snapshot, graph=graph, ldap=ldap, config=sources.config)
