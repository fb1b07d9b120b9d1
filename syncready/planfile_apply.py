"""What `fix --apply PLAN` makes sure of before it writes a saved plan: its age, the domain and tenant
it is applied to, and, on a terminal, that the administrator means it."""
from __future__ import annotations

import datetime as dt
import sys
from typing import IO, Any

from .errors import ConfigError
from .planfile import DEFAULT_MAX_AGE, SavedPlan, parse_age
from .planfile_targets import dc_domain, domain_of, live_tenant, same_domain, same_tenant
from .termtext import escape
from .vocab import Target


def max_age(given: str | None, fix_config: dict) -> tuple[dt.timedelta, str]:
    """--max-age, else [fix] plan_max_age, else 24h; (duration, as the administrator wrote it)."""
    if given is not None:
        return parse_age(given, "--max-age"), given
    configured = fix_config.get("plan_max_age")
    if configured is not None:
        return parse_age(configured, "[fix] plan_max_age"), configured
    return parse_age(DEFAULT_MAX_AGE), DEFAULT_MAX_AGE


def verify_targets(saved: SavedPlan, path: str, sources: Any, writers: dict) -> dict[str, Any]:
    """Refuses a plan applied to a DC of another domain, or to another tenant; returns what was
    verified ({"domain": ..., "tenant_id": ...}) for the journal."""
    verified: dict[str, Any] = {}
    if Target.ONPREM in writers:
        held = dc_domain(writers[Target.ONPREM])
        wanted = sorted({domain_of(c.object) for c in saved.changes if c.target == Target.ONPREM} | set(saved.domains))
        other = [d for d in wanted if not (held and same_domain(d, held))]
        if other:
            raise ConfigError(f"plan {path} was made for the AD domain {', '.join(other)}, but the DC at "
                              f"{sources.ldap.url} holds {held or 'no domain'}; apply it to a DC of its own domain")
        verified["domain"] = held
    known = live_tenant(sources, writers.get(Target.CLOUD))
    if Target.CLOUD in writers or known:
        if not known:
            raise ConfigError(f"cannot tell which tenant the Graph options write to: give --tenant-id "
                              f"{saved.tenant_id or 'ID'} to apply plan {path}")
        if not same_tenant(known, saved.tenant_id):
            raise ConfigError(f"plan {path} was made for tenant {saved.tenant_id or '(unknown)'}, but the Graph "
                              f"options write to tenant {known}; apply it to its own tenant")
        verified["tenant_id"] = known
    return verified


def interactive(stream: IO[str] | None = None) -> bool:
    """Whether a person can answer a question (stdin is a terminal); tests replace the stream."""
    stream = stream if stream is not None else sys.stdin
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def confirm(question: str, assume_yes: bool, required: bool, stdin: IO[str] | None = None) -> bool:
    """True to go on. --yes goes on; a terminal is asked; without a terminal the answer is yes unless
    `required` (a saved plan), which refuses with how to say yes."""
    if assume_yes:
        return True
    stdin = stdin if stdin is not None else sys.stdin
    if not interactive(stdin):
        if required:
            raise ConfigError(f"{question.rstrip('?')}: not on a terminal, so nobody can confirm; add --yes "
                              "to apply without asking")
        return True
    print(f"{question} [y/N] ", end="", flush=True)
    answer = stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def header(saved: SavedPlan, path: str) -> list[str]:
    """What the administrator sees before confirming: which plan, made when, against what."""
    against = saved.planned_against
    return [f"Plan {escape(path)}: {len(saved.changes)} change(s), digest {saved.digest}",
            f"  made {saved.created} by syncready {escape(saved.tool)} against tenant "
            f"{escape(saved.tenant_id or '(unknown)')}, AD {escape(', '.join(saved.domains) or '(none)')} "
            f"({escape(against.get('onprem') or 'no AD source')})"]
