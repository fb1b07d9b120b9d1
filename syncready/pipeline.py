"""Configuration → sources → engine → run: the one path by which check, fix and demo get a run.

One path means one set of rules: the configuration found the same way (--config, ./syncready.toml,
pyproject.toml, the snapshot folder), the same sources, and the same refusal of a --user that is
not a subject, so `fix --user nobody@...` cannot quietly report "0 changes".
"""
from __future__ import annotations

from .config import Config, load_config
from .engine import Engine, Run
from .errors import ConfigError, SourceError, SyncreadyError
from .sources.load import load_directory


def config_for(args) -> Config:
    """The configuration in force for these options (a --snapshot folder may hold it)."""
    return load_config(getattr(args, "config", None), snapshot=getattr(args, "snapshot", None))


def build_run(args, config: Config | None = None, *, select=None, ignore=None, users=None,
              require_users: bool = True) -> Run:
    """Read the sources the options name and evaluate the checks.

    `select`/`ignore` default to the options' (then the configuration's); `users` to --user. Each
    requested user must be a subject in scope, or the run ends with a ConfigError.
    """
    config = config or config_for(args)
    directory = _read(args, config)
    engine = Engine(directory, config,
                    select=getattr(args, "select", None) if select is None else select,
                    ignore=getattr(args, "ignore", None) if ignore is None else ignore)
    users = getattr(args, "users", None) if users is None else users
    try:
        run = engine.run(users=users)
    except SyncreadyError:
        raise
    except Exception as exc:
        raise SourceError(f"the data read from {_sources(directory.sources)} could not be checked "
                          f"({type(exc).__name__}: {exc})") from exc
    if users and require_users:
        unknown_users(run, users)
    return run


def unknown_users(run: Run, users) -> None:
    found = ({s.name.lower() for s in run.subjects}
             | {(getattr(s.obj, "upn", None) or "").lower() for s in run.subjects})
    unknown = [u for u in users if u.lower() not in found]
    if unknown:
        raise ConfigError(f"--user {', '.join(unknown)}: no such subject in scope (guests, *.onmicrosoft.com "
                          "UPNs and users outside the sync scope are not subjects)")


def _read(args, config: Config):
    """The Directory; an unexpected failure while reading still ends as one line naming the input."""
    try:
        return load_directory(args, config)
    except (SyncreadyError, OSError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise SourceError(f"{_inputs(args, config)}: could not be read ({type(exc).__name__}: {exc})") from exc


def _inputs(args, config: Config) -> str:
    snapshot = getattr(args, "snapshot", None) or config.sources.get("snapshot")
    live = [f"--{name.replace('_', '-')} {getattr(args, name)}" for name in ("ldap_url", "graph_url")
            if getattr(args, name, None)]
    return ", ".join(([f"snapshot {snapshot}"] if snapshot else []) + live) or "the sources"


def _sources(sources: dict) -> str:
    return ", ".join(str(v) for v in sources.values()) or "the sources"
