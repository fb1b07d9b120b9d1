"""Live writers for the targets a plan touches; a snapshot cannot be written to."""
from __future__ import annotations

from ..errors import ConfigError
from ..sources.load import wants_live_cloud, wants_live_onprem


def open_writers(args, config, targets: set[str]) -> dict:
    writers: dict[str, object] = {}
    if "onprem" in targets:
        if not wants_live_onprem(args):
            raise ConfigError("these changes write to AD, which was read from a snapshot: give --ldap-url (and "
                              "--ldap-user) to apply them to the live directory")
        from ..sources.ldap import connect
        from ..writers.ldap_writer import LdapWriter

        writers["onprem"] = LdapWriter(connect(args, config), password_file=config.fix.get("password_file"))
    if "cloud" in targets:
        if not wants_live_cloud(args, config):
            raise ConfigError("these changes write to Microsoft Graph, which was read from a snapshot: give the "
                              "live options (--tenant-id, --auth, ...) to apply them")
        from ..sources.graph import open_session
        from ..writers.graph_writer import GraphWriter

        writers["cloud"] = GraphWriter(open_session(args, config))
    return writers
