"""Live writers for the targets a plan touches; a snapshot cannot be written to."""
from __future__ import annotations

from collections.abc import Set as AbstractSet

from ..errors import ConfigError
from ..options import SourceOptions


def open_writers(sources: SourceOptions, targets: AbstractSet[str]) -> dict:
    writers: dict[str, object] = {}
    if "onprem" in targets:
        if sources.ldap is None:
            raise ConfigError("these changes write to AD, which was read from a snapshot: give --ldap-url (and "
                              "--ldap-user) to apply them to the live directory")
        from ..sources.ldapconn import connect
        from ..writers.ldap_writer import LdapWriter

        writers["onprem"] = LdapWriter(connect(sources.ldap), password_file=sources.config.fix.get("password_file"))
    if "cloud" in targets:
        if sources.graph is None:
            raise ConfigError("these changes write to Microsoft Graph, which was read from a snapshot: give the "
                              "live options (--tenant-id, --auth, ...) to apply them")
        from ..sources.graphsession import open_session
        from ..writers.graph_writer import GraphWriter

        writers["cloud"] = GraphWriter(open_session(sources.graph))
    return writers
