"""Typed options: what the command line and [sources] of syncready.toml ask for, built once.

`from_args` is the only place that reads the argparse Namespace; the sources, the pipeline and the
writers take these frozen values, so a library caller (the demo, fix's re-check, a test) builds
them directly instead of faking a Namespace. No secret is ever a field: passwords, client secrets
and tokens are read from the environment (or a prompt) when a connection is opened.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from enum import StrEnum

from .config import Config, load_config
from .errors import ConfigError

DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_GRAPH_TIMEOUT = 100.0
# The options (or [sources] keys) that name a live Graph read.
CLOUD_SOURCE_KEYS = ("graph_url", "tenant_id", "auth")


class GraphAuth(StrEnum):
    """`--auth`: how to get a token for Microsoft Graph."""

    SECRET = "secret"
    CERTIFICATE = "certificate"
    DEVICE_CODE = "device-code"
    BROWSER = "browser"
    MANAGED_IDENTITY = "managed-identity"
    AZURE_CLI = "azure-cli"
    ENVIRONMENT = "environment"
    TOKEN = "token"


class LdapAuth(StrEnum):
    """`--ldap-auth`: how to bind to AD (kerberos: the ticket cache, or the Windows logon through SSPI)."""

    SIMPLE = "simple"
    NTLM = "ntlm"
    KERBEROS = "kerberos"


@dataclass(frozen=True)
class GraphOptions:
    """A live Graph read or write. `auth` None: chosen from the environment when the session opens."""

    graph_url: str = DEFAULT_GRAPH_URL
    tenant_id: str | None = None
    client_id: str | None = None
    auth: GraphAuth | None = None
    ca_file: str | None = None          # [sources] graph_ca_file; SSL_CERT_FILE applies when None
    timeout: float = DEFAULT_GRAPH_TIMEOUT
    verbose: bool = False
    quiet: bool = False


@dataclass(frozen=True)
class LdapOptions:
    """A live AD read or write; the password (simple, ntlm) comes from the environment or a prompt."""

    url: str
    bases: tuple[str, ...] = ()
    user: str | None = None
    auth: LdapAuth = LdapAuth.SIMPLE
    ca_file: str | None = None
    insecure: bool = False
    verbose: bool = False
    quiet: bool = False


@dataclass(frozen=True)
class SourceOptions:
    """Where the directory comes from: a snapshot folder and/or the live sources, and the configuration."""

    snapshot: str | None = None
    graph: GraphOptions | None = None
    ldap: LdapOptions | None = None
    config: Config = field(default_factory=Config, compare=False)
    quiet: bool = False                 # --quiet: no progress line while the sources are read

    @property
    def live_cloud(self) -> bool:
        return self.graph is not None

    @property
    def live_onprem(self) -> bool:
        return self.ldap is not None


JSON_SCHEMA = 2     # the results JSON's default layout (syncready/resulttables.py)


@dataclass(frozen=True)
class Outputs:
    """The report files to write; None leaves one out."""

    json: str | None = None
    junit: str | None = None
    markdown: str | None = None
    html: str | None = None
    csv: str | None = None          # the worklist for Excel (syncready/worklist.py)
    json_schema: int = JSON_SCHEMA  # the results JSON's layout: 2 the tables, 1 an object per subject


@dataclass(frozen=True)
class RunOptions:
    """What to evaluate and how to gate: empty select/ignore defer to the configuration's."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    fail_on: str = "blocker"
    baseline: str | None = None
    outputs: Outputs = Outputs()


EVERY_CHECK = RunOptions()         # the configuration's checks, every subject, no outputs


@dataclass(frozen=True)
class Options:
    sources: SourceOptions
    run: RunOptions

    @property
    def config(self) -> Config:
        return self.sources.config


def from_args(args: argparse.Namespace) -> Options:
    """The typed options of a parsed command line (a sub-command defines only some of them)."""
    given = vars(args)

    def value(name: str):
        return given.get(name)

    config = load_config(value("config"), snapshot=value("snapshot"))
    sources = config.sources
    verbose, quiet = bool(value("verbose")), bool(value("quiet"))
    graph = None
    if any(value(key) or sources.get(key) for key in CLOUD_SOURCE_KEYS):
        auth = value("auth") or sources.get("auth")
        graph = GraphOptions(graph_url=value("graph_url") or sources.get("graph_url") or DEFAULT_GRAPH_URL,
                             tenant_id=value("tenant_id") or sources.get("tenant_id"),
                             client_id=value("client_id") or sources.get("client_id"),
                             auth=GraphAuth(auth) if auth else None, ca_file=sources.get("graph_ca_file"),
                             timeout=_timeout(sources), verbose=verbose, quiet=quiet)
    ldap = None
    if value("ldap_url"):
        ldap = LdapOptions(url=value("ldap_url"), bases=tuple(value("ldap_base") or ()), user=value("ldap_user"),
                           auth=LdapAuth((value("ldap_auth") or "simple").lower()), ca_file=value("ldap_ca_file"),
                           insecure=bool(value("ldap_insecure")), verbose=verbose, quiet=quiet)
    source_options = SourceOptions(snapshot=value("snapshot") or sources.get("snapshot"), graph=graph, ldap=ldap,
                                   config=config, quiet=quiet)
    outputs = Outputs(json=value("json"), junit=value("junit"), markdown=value("markdown"), html=value("html"),
                      csv=value("csv"), json_schema=value("json_schema") or JSON_SCHEMA)
    run = RunOptions(select=tuple(value("select") or ()), ignore=tuple(value("ignore") or ()),
                     users=tuple(value("users") or ()), fail_on=value("fail_on") or "blocker",
                     baseline=value("baseline"), outputs=outputs)
    return Options(source_options, run)


def _timeout(sources: dict) -> float:
    raw = sources.get("graph_timeout", DEFAULT_GRAPH_TIMEOUT)
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"[sources] graph_timeout must be a number of seconds, not {raw!r}") from None
