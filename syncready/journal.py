"""The journal: JSON Lines, each change written as intent before and as outcome after the write.

Every line is flushed and fsync'ed before the next step, so a run killed at any instant leaves a
journal that names every change that may have happened. Values only — never passwords or tokens.
Owner-only (mode 600) on POSIX; on Windows it takes its folder's ACL, with a warning (atomic.py).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from . import __version__
from .atomic import open_owner_only
from .errors import SourceError
from .jsonio import JSONSyntaxError, loads
from .plan import Change

SCHEMA = "syncready/journal/1"

Record: TypeAlias = dict[str, Any]
"""One JSON line of the journal."""
OutcomeRecord: TypeAlias = tuple[int, str, str, dict[str, Any]]
"""(seq, outcome, detail, extra) of one change, as Journal.outcomes takes them."""


class Journal:
    def __init__(self, path: str | os.PathLike[str], command: str, sources: dict[str, Any],
                 targets: dict[str, Any] | None = None) -> None:
        """`targets`: the DC and tenant the run writes to (planfile_targets.written_targets), so that
        undo needs only credentials; no secrets."""
        self.path = Path(path)
        self.run = str(uuid.uuid4())
        self.seq = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = open_owner_only(self.path, "journal")
        self._fp = os.fdopen(fd, "a", encoding="utf-8", newline="\n")
        self._write({"type": "begin", "schema": SCHEMA, "run": self.run, "command": command,
                     "tool": __version__, "sources": sources, "targets": targets or {}, "time": _now()})

    def _write(self, *records: Record) -> None:
        """Writes the records, then one flush and fsync: nothing is acted on before it is on disk."""
        for record in records:
            self._fp.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._fp.flush()
        os.fsync(self._fp.fileno())

    def _intent(self, change: Change) -> Record:
        self.seq += 1
        return {"type": "intent", "run": self.run, "seq": self.seq, "time": _now(), "change": change.to_json()}

    def _outcome(self, seq: int, outcome: str, detail: str = "", **extra: Any) -> Record:
        return {"type": "outcome", "run": self.run, "seq": seq, "time": _now(), "outcome": outcome,
                "detail": detail, **extra}

    def intent(self, change: Change) -> int:
        self._write(self._intent(change))
        return self.seq

    def outcome(self, seq: int, outcome: str, detail: str = "", **extra: Any) -> None:
        self._write(self._outcome(seq, outcome, detail, **extra))

    def intents(self, changes: Iterable[Change]) -> list[int]:
        """The intents of a batch about to be sent, with one fsync for the group."""
        records = [self._intent(change) for change in changes]
        self._write(*records)
        return [r["seq"] for r in records]

    def outcomes(self, results: Iterable[OutcomeRecord]) -> None:
        """Outcomes (seq, outcome, detail, extra) of a batch, with one fsync for the group."""
        self._write(*(self._outcome(seq, outcome, detail, **extra) for seq, outcome, detail, extra in results))

    def close(self, summary: dict[str, Any]) -> None:
        self._write({"type": "end", "run": self.run, "time": _now(), "summary": summary})
        self._fp.close()


@dataclass
class Entry:
    """One journaled change and what is known of it."""

    run: str
    seq: int
    change: Change
    outcome: str | None = None          # None: the run stopped between intent and outcome
    time: str = ""                       # when the intent was written
    extra: dict[str, Any] = field(default_factory=dict)


def journal_targets(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The DC and tenant the journal's first run wrote to ({} for journals older than this record);
    read after read_journal, which has refused anything malformed."""
    with open(path, encoding="utf-8") as fp:
        first = loads(fp.readline(), f"journal {path} line 1")
    targets = first.get("targets") if isinstance(first, dict) else None
    if targets is None:
        return {}
    if not isinstance(targets, dict) or not all(isinstance(v, dict) for v in targets.values()):
        raise SourceError(f"journal {path} line 1: targets is not an object of objects")
    return targets


def read_journal(path: str | os.PathLike[str]) -> list[Entry]:
    """The changes a journal records; anything that is not a well-formed journal is a SourceError
    naming the line, because undo acts on what it reads."""
    entries: dict[tuple[str, int], Entry] = {}
    begun = False
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise SourceError(f"journal {path} does not exist") from None
    except OSError as exc:
        raise SourceError(f"journal {path} cannot be read ({exc.strerror or exc})") from None
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise SourceError(f"journal {path} is not UTF-8 text (byte {data[exc.start]:#04x} "
                          f"at offset {exc.start})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = loads(line, f"journal {path} line {number}")
        except JSONSyntaxError:
            if number == len(lines):
                break  # a line cut short by a crash: its change has no intent on record, so it was not written
            raise SourceError(f"journal {path} line {number}: not valid JSON") from None
        try:
            kind = record.get("type") if isinstance(record, dict) else None
            if kind == "begin":
                if record.get("schema") != SCHEMA:
                    raise SourceError(f"journal {path}: not a syncready journal "
                                      f"(schema {_shown(record.get('schema'))})")
                begun = True
            elif not begun:
                raise SourceError(f"{path} is not a syncready journal (line {number} comes before any begin record)")
            elif kind == "intent":
                key = (_text(record, "run"), _seq(record))
                entries[key] = Entry(key[0], key[1], change_from_json(record.get("change")), time=_time(record))
            elif kind == "outcome":
                entry = entries.get((_text(record, "run"), _seq(record)))
                if entry is None:
                    raise SourceError(f"journal {path} line {number}: outcome without intent")
                entry.outcome = _text(record, "outcome")
                entry.extra = {k: v for k, v in record.items() if k not in ("type", "run", "seq", "time", "outcome")}
                if not isinstance(entry.extra.get("created_guid") or "", str):
                    raise TypeError("created_guid is not a text")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SourceError(f"journal {path} line {number}: malformed record ({type(exc).__name__}: {exc})") from None
    if not begun:
        raise SourceError(f"{path} is not a syncready journal (no begin record)")
    return list(entries.values())


_CHANGE_TEXTS = ("check", "subject", "object", "attribute", "safety", "note")
_TARGETS = ("onprem", "cloud")
_OPS = ("modify", "create", "delete", "patch")


def change_from_json(data: object) -> Change:
    """A Change from its journal (or plan file) form, every field of the type the writers expect."""
    if not isinstance(data, dict):
        raise TypeError("change is not an object")
    for name in _CHANGE_TEXTS:
        if name in data and not isinstance(data[name], str):
            raise TypeError(f"change.{name} is not a text")
    if data.get("target") not in _TARGETS:
        raise ValueError(f"change.target is {_shown(data.get('target'))}, expected one of {', '.join(_TARGETS)}")
    if data.get("op") not in _OPS:
        raise ValueError(f"change.op is {_shown(data.get('op'))}, expected one of {', '.join(_OPS)}")
    for name in ("remove", "add"):
        values = data.get(name, [])
        if not isinstance(values, list) or not all(v is None or isinstance(v, (str, int, bool)) for v in values):
            raise TypeError(f"change.{name} is not a list of values")
    if not isinstance(data.get("attributes", {}), dict):
        raise TypeError("change.attributes is not an object")
    return Change.from_json(data)


def _text(record: Record, name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str):
        raise TypeError(f"{name} is {_shown(value)}, expected a text")
    return value


def _seq(record: Record) -> int:
    value = record.get("seq")
    if type(value) is not int:
        raise TypeError(f"seq is {_shown(value)}, expected a whole number")
    return value


def _time(record: Record) -> str:
    value = record.get("time", "")
    if not isinstance(value, str):
        raise TypeError("time is not a text")
    if value:
        dt.datetime.fromisoformat(value)
    return value


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True, default=str)
    return text if len(text) <= 60 else text[:60] + "…"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
