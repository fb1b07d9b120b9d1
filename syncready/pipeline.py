"""Configuration → sources → engine → run: the one path by which check, fix and demo get a run.

One path means one set of rules: the configuration found the same way (--config, ./syncready.toml,
pyproject.toml, the snapshot folder; see `options.from_args`), the same sources, and the same
refusal of a --user that is not a subject, so `fix --user nobody@...` cannot quietly report "0 changes".
"""
from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence

from .engine import Engine, Run
from .errors import ConfigError, SourceError, SyncreadyError
from .gcpause import collector_paused
from .model import Directory
from .options import EVERY_CHECK, RunOptions, SourceOptions
from .progress import reading_progress
from .sources.load import load_directory


def build_run(sources: SourceOptions, run: RunOptions = EVERY_CHECK, *, select: Sequence[str] | None = None,
              ignore: Sequence[str] | None = None, require_users: bool = True, kept: bool = False) -> Run:
    """Read the sources and evaluate the checks.

    `select`/`ignore` default to the run options' (then the configuration's). Each user the run
    options name must be a subject in scope, or the run ends with a ConfigError. `kept`: the caller
    keeps the run to the end of the process (check, demo), so it is frozen out of the cyclic
    collector's walks (gc.freeze) as it is made; a run that is dropped (fix's re-reads) is not, or its
    few cycles (the index's) would hold it and its directory to the end.
    """
    directory = _read(sources)
    with collector_paused():
        engine = Engine(directory, sources.config,
                        select=(list(run.select) or None) if select is None else select,
                        ignore=(list(run.ignore) or None) if ignore is None else ignore)
        users = list(run.users) or None
        try:
            result = engine.run(users=users)
        except SyncreadyError:
            raise
        except Exception as exc:
            raise SourceError(f"the data read from {_sources(directory.sources)} could not be checked "
                              f"({type(exc).__name__}: {exc})") from exc
        if users and require_users:
            unknown_users(result, users)
        if kept:
            gc.freeze()
    return result


def unknown_users(run: Run, users: Iterable[str]) -> None:
    found = ({s.name.lower() for s in run.subjects}
             | {(getattr(s.obj, "upn", None) or "").lower() for s in run.subjects})
    unknown = [u for u in users if u.lower() not in found]
    if unknown:
        raise ConfigError(f"--user {', '.join(unknown)}: no such subject in scope (guests, *.onmicrosoft.com "
                          "UPNs and users outside the sync scope are not subjects)")


def _read(sources: SourceOptions) -> Directory:
    """The Directory; an unexpected failure while reading still ends as one line naming the input."""
    try:
        with reading_progress("Reading snapshot", quiet=sources.quiet) as progress:
            return load_directory(sources, progress=progress)
    except (SyncreadyError, OSError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise SourceError(f"{_inputs(sources)}: could not be read ({type(exc).__name__}: {exc})") from exc


def _inputs(sources: SourceOptions) -> str:
    live = ([f"--ldap-url {sources.ldap.url}"] if sources.ldap else []) + \
        ([f"--graph-url {sources.graph.graph_url}"] if sources.graph else [])
    return ", ".join(([f"snapshot {sources.snapshot}"] if sources.snapshot else []) + live) or "the sources"


def _sources(sources: dict) -> str:
    return ", ".join(str(v) for v in sources.values()) or "the sources"
