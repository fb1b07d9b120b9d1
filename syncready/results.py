"""The results document (SPEC §6): a run turned into plain data, written and read back as JSON.

Reports render from this document only, so a saved results file can be re-rendered later
(`syncready report`) without the sources.
"""
from __future__ import annotations

import datetime as dt
import json
from json.encoder import encode_basestring
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from operator import is_
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import atomic_write
from .checkapi import Result
from .checklist import ALWAYS_READ, STAMP_CHECK, ChecklistBuilder
from .engine import Run, Subject
from .errors import SourceError
from .jsonenc import compact_dumps
from .jsonio import load_file
from .resulttables import (LEFT_OUT, SCHEMA_2, EntryRows, TableEntries, TableShape, expand, over_text, row_text,
                           values_text, write_tables)
from .subjectresults import Results
from .summary import coverage_document, people_counted
from .termtext import redact_url
from .vocab import PREVIEWED, Readiness, Status, SubjectKind

SCHEMA = "syncready/results/1"
SCHEMAS = (SCHEMA, SCHEMA_2)            # what read_results reads; write_json writes SCHEMA_2 unless told


def check_entry(check, severity: str) -> dict:
    meta = check.meta
    return {"id": meta.id, "title": meta.title, "severity": severity, "subject": meta.subject,
            "fix": meta.fix, "safety": meta.safety, "description": meta.description, "why": meta.why,
            "how_to_fix": meta.how_to_fix,
            "references": [{"title": r.title, "url": r.url} for r in meta.references]}


def _compact(facts: dict) -> dict:
    """Facts without empty values: at 100k users, nulls would be a third of the file."""
    return {k: v for k, v in facts.items() if v is not None and v != [] and v != ""}


CLOUD_FACTS = ("upn", "displayName", "givenName", "surname", "mail", "primarySmtp", "proxyAddresses", "immutableId",
               "accountEnabled", "department")
ONPREM_FACTS = ("dn", "upn", "sam", "displayName", "givenName", "sn", "mail", "primarySmtp", "proxyAddresses",
                "anchor", "enabled", "department")


def cloud_values(user) -> tuple:
    """A cloud user's facts in CLOUD_FACTS' order (empty ones included)."""
    return (user.upn, user.display_name, user.given_name, user.surname, user.mail, user.primary_smtp,
            list(user.proxy_addresses), user.immutable_id, user.account_enabled, user.extra.get("department"))


def onprem_values(obj, anchor: Callable[[Any], str | None] | None = None) -> tuple:
    """An AD object's facts in ONPREM_FACTS' order. `anchor`: the run's Index.anchor ([sync]
    source_anchor); without it, the default rule."""
    return (obj.dn, obj.upn, obj.sam, obj.display_name, obj.given_name, obj.sn, obj.mail, obj.primary_smtp,
            list(obj.proxy_addresses), anchor(obj) if anchor else obj.anchor, obj.enabled, obj.extra.get("department"))


def cloud_facts(user) -> dict:
    return _compact(dict(zip(CLOUD_FACTS, cloud_values(user), strict=True)))


def onprem_facts(obj, anchor: Callable[[Any], str | None] | None = None) -> dict:
    return _compact(dict(zip(ONPREM_FACTS, onprem_values(obj, anchor), strict=True)))


def group_facts(obj) -> dict:
    """What an AD group or contact adds to onprem_facts: which it is, and a group's groupType."""
    return _compact({"objectClass": obj.object_class, "groupType": obj.group_type})


def subject_entry(subject: Subject, previews: Mapping[tuple[str, str], dict] | None = None,
                  anchor: Callable[[Any], str | None] | None = None,
                  predict: Callable[[Any], tuple] | None = None) -> dict:
    """One subject of the results JSON; a result's `fix` is its preview from `Run.previews`.

    `predict` gives an AD user's `prediction` (anchor and predicted cloud user), which
    `syncready verify` compares with what the first sync did."""
    entry = _entry_head(subject)
    entry["results"] = _entry_results(subject, previews)
    entry.update(_entry_facts(subject, anchor, predict))
    return entry


def _entry_results(subject: Subject, previews: Mapping[tuple[str, str], dict] | None) -> dict[str, dict]:
    results = {cid: r.to_json() for cid, r in subject.results.items()}
    if previews:
        for cid, result in results.items():
            preview = previews.get((subject.name, cid))
            if preview is not None:
                result["fix"] = preview
    return results


def _entry_head(subject: Subject) -> dict[str, Any]:
    return {"subject": subject.name, "id": subject.id, "kind": subject.kind, "readiness": subject.readiness}


def _entry_facts(subject: Subject, anchor: Callable[[Any], str | None] | None,
                 predict: Callable[[Any], tuple] | None) -> dict[str, Any]:
    """What follows a subject's results in its entry: the facts, the prediction, already_synchronized."""
    entry: dict[str, Any] = {}
    if subject.kind == SubjectKind.CLOUD_USER:
        entry["cloud"] = cloud_facts(subject.obj)
        entry["onprem"] = onprem_facts(subject.counterpart, anchor) if subject.counterpart is not None else None
    elif subject.kind == SubjectKind.ONPREM_USER and subject.readiness != Readiness.READY:
        entry["onprem"] = onprem_facts(subject.obj, anchor)
    if predict is not None and subject.kind == SubjectKind.ONPREM_USER:
        entry["prediction"] = _compact(dict(zip(PREDICTION, predict(subject.obj), strict=True)))
    elif subject.kind == SubjectKind.ONPREM_GROUP:      # few, and the facts say group or contact
        entry["onprem"] = dict(onprem_facts(subject.obj), **group_facts(subject.obj))
    if subject.synced:
        entry["already_synchronized"] = True
    return entry


def results_document(run: Run, generated: dt.datetime | None = None) -> dict:
    generated = generated or dt.datetime.now(dt.UTC)
    summary = run.summary()
    if run.baseline:
        summary["baseline"] = run.baseline
    doc = {
        "schema": SCHEMA,
        "generated": generated.isoformat(timespec="seconds"),
        "tool": {"version": __version__},
        "sources": {key: redact_url(value) if isinstance(value, str) else value for key, value in
                    dict({"domain": _ad_domain(run.directory)}, **run.directory.sources,
                         tenant=run.directory.tenant_id).items()},
        "coverage": coverage_document(run),
        "selected": [c.id for c in run.checks],
        "checks": [check_entry(c, run.severity[c.id]) for c in run.checks],
        "subjects": SubjectEntries(run.subjects, run.previews, run.index.anchor, _predictor(run.index),
                                   waived=any(counts[Status.WAIVED] for counts in summary["by_check"].values())),
        "summary": summary,
        "waivers": [dict(w.to_json(), expired=w.expired(run.today),
                         matched=run.waiver_use.get(id(w), 0))
                    for w in run.config.waivers],
    }
    return doc


PREDICTION = ("anchor", "how", "cloud_id", "cloud_upn", "contested_id", "contested_upn")
_FACTS = {"cloud": CLOUD_FACTS, "onprem": ONPREM_FACTS, "prediction": PREDICTION}
SHAPES: dict[str, TableShape] = {kind: TableShape(kind, _FACTS)
                                 for kind in (SubjectKind.CLOUD_USER, SubjectKind.ONPREM_USER)}


def _predictor(index) -> Callable[[Any], tuple]:
    """An AD user's anchor and Entra's predicted match (cached on the Index, so no second evaluation),
    in PREDICTION's order; a pair that does not apply is None."""
    from .matching import predict_match

    def predict(obj) -> tuple:
        match = predict_match(obj, index)
        anchor = index.anchor(obj)
        if match.user is not None:
            return anchor, match.how, match.user.id, match.user.upn, None, None
        if match.rivals and match.candidate is not None:     # may join it, or be refused: export order
            return anchor, match.how, None, None, match.candidate.id, match.candidate.upn
        return anchor, match.how, None, None, None, None
    return predict


def _ad_domain(directory) -> str | None:
    """The DNS name of the AD domain, from the DC= parts of the first on-prem object's DN."""
    for obj in directory.onprem[:1]:
        parts = [p.strip()[3:] for p in obj.dn.split(",") if p.strip().lower().startswith("dc=")]
        return ".".join(parts) or None
    return None


class SubjectEntries:
    """The subjects' entries, made as they are iterated: a 100k-user run never holds them all at once."""

    def __init__(self, subjects, previews: Mapping[tuple[str, str], dict] | None = None,
                 anchor: Callable[[Any], str | None] | None = None, predict: Callable[[Any], tuple] | None = None,
                 waived: bool = True):
        self._subjects = subjects
        self._waived = waived       # False: no result of the run is waived (its summary counts none)
        self._previews = previews
        self._anchor = anchor
        self._predict = predict
        self.checklist: tuple[int, Any] | None = None    # (id of the document, its Checklist): built once

    def __len__(self) -> int:
        return len(self._subjects)

    def __iter__(self):
        return (subject_entry(s, self._previews, self._anchor, self._predict) for s in self._subjects)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [subject_entry(s, self._previews, self._anchor, self._predict) for s in self._subjects[item]]
        return subject_entry(self._subjects[item], self._previews, self._anchor, self._predict)

    def of_kind(self, kind: SubjectKind, results: bool = True) -> Iterator[dict]:
        """The entries of one kind of subject (the worklist's cloud users), the others never built;
        without "results" when `results` is False (the breakdowns count readiness by the facts).
        Entries with the same Results share their "results" object: read it, do not change it."""
        shared = self._shared_results()
        for subject in self._subjects:
            if subject.kind == kind:
                entry = _entry_head(subject)
                if results:
                    entry["results"] = shared(subject)
                entry.update(_entry_facts(subject, self._anchor, self._predict))
                yield entry

    def results_only(self) -> Iterator[dict]:
        """Each entry without its directory facts (cloud, onprem, prediction): all a renderer that counts
        or lists results needs (JUnit, advisories, the blocked subjects), at a fraction of the cost.
        Entries with the same Results share their "results" object: read it, do not change it."""
        shared = self._shared_results()
        for subject in self._subjects:
            entry = _entry_head(subject)
            entry["results"] = shared(subject)
            if subject.synced:
                entry["already_synchronized"] = True
            yield entry

    def _shared_results(self) -> Callable[[Subject], dict[str, dict]]:
        """subject → its entry's "results", made once for all the ready subjects with the same Results
        (the same objects: most subjects, passes being shared); a subject with a failing result or a
        fix preview gets its own."""
        previews = self._previews
        previewed = {name for name, _ in previews or ()}
        rows: dict[tuple, dict[str, dict]] = {}     # (check ids, Result ids) → "results"; the subjects hold the Results

        def results(subject: Subject) -> dict[str, dict]:
            if subject.readiness != Readiness.READY or subject.name in previewed:
                return _entry_results(subject, previews)
            key = (tuple(subject.results), tuple(map(id, subject.results.values())))
            found = rows.get(key)
            if found is None:
                found = _entry_results(subject, None)
                if len(rows) < _CACHED:
                    rows[key] = found
            return found
        return results

    def feed_checklist(self, builder: ChecklistBuilder) -> None:
        """Gives the cutover checklist what it learns from each subject, in order, without building the
        entries: a subject with a failing or waived result as an entry holding only what the builder
        reads (those results, the few it always reads, whether there is an AD counterpart and the
        ImmutableID); a cloud user with none that is ready to be stamped (anchor-ready passes, an AD
        counterpart, no ImmutableID: what checklist._stamp_candidate asks) by its name alone; nothing
        for the rest. A ready subject has no failing result (Engine.run makes it at-risk or blocked),
        so only a run with waived results looks through a ready subject's results."""
        previews = self._previews or {}
        waived = self._waived
        for subject in self._subjects:
            if subject.synced:
                continue
            results = subject.results
            if subject.readiness != Readiness.READY or (
                    waived and any(r.status == Status.WAIVED for r in results.values())):
                builder.add(_checklist_entry(subject, previews))
            elif (subject.kind == SubjectKind.CLOUD_USER and subject.counterpart is not None
                  and not subject.obj.immutable_id):
                stamp = results.get(STAMP_CHECK)
                if stamp is not None and stamp.status == Status.PASS:
                    builder.stamp_ready(subject.name)

    def table_rows(self, dumps: Callable[[Any], str]) -> _SubjectRows:
        """The subjects as schema 2's rows and objects (resulttables.write_tables), from the run's
        objects, without building entries: byte for byte what EntryRows makes of the entries."""
        return _SubjectRows(self._subjects, self._previews or {}, _Facts(self._anchor, self._predict, dumps))

    def encoded(self, dumps: Callable[[Any], str]) -> Iterator[str]:
        """Each entry as `dumps(entry)` (the compact, ensure_ascii=False encoder) would write it, byte
        for byte, without building the entries' dicts: a Result that many subjects share (a pass, a
        skip, "not read") is encoded once, and so is a run of results many subjects have alike."""
        texts = _ResultTexts(dumps, self._previews or {})
        alike: dict[tuple, str] = {}                    # (check ids, Result ids) → the "results" object
        facts = _Facts(self._anchor, self._predict, dumps)
        states: dict[tuple[str, str], str] = {}         # (kind, readiness) → their members' text
        for subject in self._subjects:
            results = subject.results
            own = subject.name in texts.previewed
            key = None if own else (tuple(results), tuple(map(id, results.values())))
            body = None if key is None else alike.get(key)
            if body is None:
                parts = []
                shared = True           # every Result seen before: a run worth keeping
                for cid, result in results.items():
                    text = texts.known(result)
                    if text is None:
                        shared = False
                        text = texts.encode(result)
                    if own:
                        text = texts.with_preview(subject.name, cid, text)
                    parts.append(f"{texts.name(cid)}:{text}")
                body = ",".join(parts)
                if key is not None and shared and len(alike) < _CACHED:
                    alike[key] = body
            state = states.get((subject.kind, subject.readiness))
            if state is None:
                state = states[(subject.kind, subject.readiness)] = (
                    f'"kind":{_text(subject.kind, dumps)},"readiness":{_text(subject.readiness, dumps)},"results":{{')
            tail = facts.text(subject)
            name, ident = subject.name, subject.id
            yield ('{"subject":' + (encode_basestring(name) if type(name) is str else dumps(name))
                   + ',"id":' + (encode_basestring(ident) if type(ident) is str else dumps(ident))
                   + "," + state + body + ("}," + tail + "}" if tail else "}}"))


def _checklist_entry(subject: Subject, previews: Mapping[tuple[str, str], dict]) -> dict[str, Any]:
    """A subject's entry as far as the checklist reads it: its failing and waived results (with their
    fix previews) and those it always reads, and for a cloud user `onprem` and the ImmutableID."""
    results = {}
    for cid, result in subject.results.items():
        if result.status in PREVIEWED or cid in ALWAYS_READ:
            found = results[cid] = result.to_json()
            preview = previews.get((subject.name, cid))
            if preview is not None:
                found["fix"] = preview
    entry: dict[str, Any] = {"subject": subject.name, "kind": subject.kind, "results": results}
    if subject.kind == SubjectKind.CLOUD_USER:
        entry["onprem"] = subject.counterpart is not None
        entry["cloud"] = {"immutableId": subject.obj.immutable_id}
    return entry


def without_facts(doc: Mapping[str, Any]) -> Iterable[Any]:
    """The document's subjects for a renderer that reads only their results (and name, kind and
    readiness): a run's lazy entries are then made without the directory facts."""
    subjects = doc.get("subjects") or ()
    return subjects.results_only() if isinstance(subjects, SubjectEntries) else subjects


def of_kind(doc: Mapping[str, Any], kind: SubjectKind, results: bool = True) -> Iterable[Any] | None:
    """A run's lazy entries of one kind of subject (without "results" if `results` is False); None for
    a document read from a file."""
    subjects = doc.get("subjects")
    return subjects.of_kind(kind, results) if isinstance(subjects, SubjectEntries) else None


class _ResultTexts:
    """Results encoded as schema 1 writes them, each Result once (by identity; equal ones without
    evidence by value), with a subject's fix previews; check ids encoded once. Shared by both
    writers of a run's results."""

    def __init__(self, dumps: Callable[[Any], str], previews: Mapping[tuple[str, str], dict]):
        self.dumps, self.previews = dumps, previews
        self.previewed = {name for name, _ in previews}
        self.by_id: dict[int, tuple[Result, str]] = {}      # the Result is kept so its id is not reused
        self.by_value: dict[Result, str] = {}               # equal Results without evidence, built per subject
        self.names: dict[str, str] = {}

    def known(self, result: Result) -> str | None:
        found = self.by_id.get(id(result))
        return None if found is None else found[1]

    def text(self, result: Result) -> str:
        found = self.by_id.get(id(result))
        return found[1] if found is not None else self.encode(result)

    def encode(self, result: Result) -> str:
        """A Result not seen before (by identity): by value when it has no evidence, else encoded."""
        if result.evidence is not None or result.waiver is not None:      # unhashable, and mostly unique
            text = self.dumps(result.to_json())
        else:
            alike = self.by_value.get(result)
            text = self.dumps(result.to_json()) if alike is None else alike
            if alike is None and len(self.by_value) < _CACHED:
                self.by_value[result] = text
        if len(self.by_id) < _CACHED:
            self.by_id[id(result)] = (result, text)
        return text

    def with_preview(self, name: str, cid: str, text: str) -> str:
        """The result's text with its fix preview (`fix`) when the run has one for it."""
        preview = self.previews.get((name, cid))
        return text if preview is None else f'{text[:-1]},"fix":{self.dumps(preview)}}}'

    def name(self, cid: str) -> str:
        found = self.names.get(cid)
        if found is None:
            found = self.names[cid] = self.dumps(cid)
        return found


class _SubjectRows:
    """A run's subjects for resulttables.write_tables (a RowSource): a cloud or AD user as a row, the
    rest (and a user whose name is not its own UPN or DN, which a row could not give back) as an
    object; byte for byte what EntryRows writes of their entries."""

    shapes = SHAPES

    def __init__(self, subjects: list[Subject], previews: Mapping[tuple[str, str], dict], facts: _Facts):
        self.subjects, self.previews, self.facts = subjects, previews, facts
        self.results = _ResultTexts(facts.dumps, previews)
        self.alike: dict[tuple, str] = {}   # the Results' ids → the row's "results", for one `usual`
        self.usual: list[str] | None = None
        self.last: tuple[Any, str] = _NO_ROW       # the last row's Results and its "results"

    def signatures(self) -> list[tuple | None]:
        found: list[tuple | None] = []
        shared: dict[tuple, tuple] = {}     # one signature object per kind and check ids: 1M users, 2M rows
        for subject in self.subjects:
            kind = subject.kind
            if kind == SubjectKind.CLOUD_USER:
                fits = subject.obj.upn == subject.name
            elif kind == SubjectKind.ONPREM_USER:
                fits = subject.readiness == Readiness.READY or subject.obj.dn == subject.name
            else:
                fits = False
            if not (fits and isinstance(subject.name, str) and isinstance(subject.id, str)):
                found.append(None)      # (a run's readiness is always a Readiness, a str)
                continue
            results = subject.results
            signature = (kind, results.ids() if type(results) is Results else tuple(results))
            found.append(shared.setdefault(signature, signature))
        return found

    def object_text(self, position: int) -> str:
        subject = self.subjects[position]
        return self.facts.dumps(subject_entry(subject, self.previews, self.facts.anchor, self.facts.predict))

    def is_ready(self, position: int) -> bool:
        return self.subjects[position].readiness == Readiness.READY

    def texts(self, position: int) -> list[str]:
        subject = self.subjects[position]
        encoded = self.results
        texts = [encoded.text(result) for result in subject.results.values()]
        if subject.name in encoded.previewed:
            texts = [encoded.with_preview(subject.name, cid, text) for cid, text in zip(subject.results, texts,
                                                                                         strict=True)]
        return texts

    def row(self, position: int, usual: list[str]) -> str:
        subject = self.subjects[position]
        if usual is not self.usual:
            self.alike, self.usual, self.last = {}, usual, _NO_ROW
        if subject.name in self.results.previewed:
            results = over_text(subject.results, self.texts(position), usual, self.results.name)
        else:
            values = subject.results.values()
            last, results = self.last
            # most rows hold the very Results of the row before (the shared passes): told without a key
            if not (len(values) == len(last) and all(map(is_, values, last))):
                key = tuple(map(id, values))
                found = self.alike.get(key)
                if found is None:
                    found = over_text(subject.results, self.texts(position), usual, self.results.name)
                    if len(self.alike) < _CACHED:
                        self.alike[key] = found
                results = found
                self.last = (values, results)
        facts = self.facts
        value = facts.dumps
        if subject.kind == SubjectKind.CLOUD_USER:
            counterpart = subject.counterpart
            parts = [values_text(cloud_values(subject.obj)[1:], value),
                     "null" if counterpart is None else values_text(onprem_values(counterpart, facts.anchor), value)]
        else:
            obj = subject.obj
            parts = [LEFT_OUT if subject.readiness == Readiness.READY
                     else values_text(onprem_values(obj, facts.anchor)[1:], value),
                     LEFT_OUT if facts.predict is None else values_text(facts.predict(obj), value)]
        return row_text((subject.name, subject.id, subject.readiness), results, parts, subject.synced)


class _Facts:
    """What `_entry_facts` gives, written straight as the compact encoder writes its dict (the keys
    in its order, the empty values left out as `_compact` leaves them), for cloud and AD users; the
    rarer subjects (tenant, groups and contacts) go through `_entry_facts` and the encoder."""

    def __init__(self, anchor: Callable[[Any], str | None] | None, predict: Callable[[Any], tuple] | None,
                 dumps: Callable[[Any], str]):
        self.anchor, self.predict, self.dumps = anchor, predict, dumps

    def text(self, subject: Subject) -> str:
        """The entry's members after "results", without braces ("" when there are none)."""
        kind = subject.kind
        if kind == SubjectKind.CLOUD_USER:
            onprem = "null" if subject.counterpart is None else self.onprem(subject.counterpart)
            parts = [f'"cloud":{self.cloud(subject.obj)}', f'"onprem":{onprem}']
        elif kind == SubjectKind.ONPREM_USER:
            parts = [] if subject.readiness == Readiness.READY else [f'"onprem":{self.onprem(subject.obj)}']
            if self.predict is not None:
                parts.append('"prediction":' + self.members(_PREDICTION_KEYS, self.predict(subject.obj)))
        else:
            found = _entry_facts(subject, self.anchor, self.predict)
            return self.dumps(found)[1:-1] if found else ""
        if subject.synced:
            parts.append('"already_synchronized":true')
        return ",".join(parts)

    def cloud(self, user) -> str:
        return self.members(_CLOUD_KEYS, cloud_values(user))

    def onprem(self, obj) -> str:
        return self.members(_ONPREM_KEYS, onprem_values(obj, self.anchor))

    def members(self, keys: tuple[str, ...], values: tuple) -> str:
        """An object of these keys (encoded, with their colon) and values, empty ones left out as
        `_compact` leaves them out; the common types are tested first, most values being strings."""
        parts = []
        for key, v in zip(keys, values, strict=True):
            kind = type(v)
            if kind is str:
                if v:
                    parts.append(key + encode_basestring(v))
            elif v is None:
                continue
            elif kind is bool:
                parts.append(key + ("true" if v else "false"))
            elif kind is list:
                if v:
                    parts.append(key + self.value(v))
            elif v != [] and v != "":
                parts.append(key + self.value(v))
        return "{" + ",".join(parts) + "}"

    def value(self, value: Any) -> str:
        kind = type(value)
        if kind is str:
            return encode_basestring(value)
        if kind is list:
            try:
                return "[" + ",".join(map(encode_basestring, value)) + "]"
            except TypeError:           # not only strings
                return self.dumps(value)
        if kind is dict and all(type(k) is str for k in value):
            return "{" + ",".join([encode_basestring(k) + ":" + self.value(v) for k, v in value.items()]) + "}"
        if value is True:
            return "true"
        if value is False:
            return "false"
        return self.dumps(value)


def _text(value: Any, dumps: Callable[[Any], str]) -> str:
    """A string as the compact encoder writes it (without the encoder's per-call setup), else dumps."""
    return encode_basestring(value) if isinstance(value, str) else dumps(value)


_CLOUD_KEYS = tuple(f'"{k}":' for k in CLOUD_FACTS)       # the keys as the encoder writes them
_ONPREM_KEYS = tuple(f'"{k}":' for k in ONPREM_FACTS)
_PREDICTION_KEYS = tuple(f'"{k}":' for k in PREDICTION)
_CACHED = 1 << 16       # encoded Results kept per document: the shared ones come first, the rest are unique
_NO_ROW: tuple[Any, str] = ((object(),), "")    # matches no row's Results
_CHUNK = 512            # entries per write: one write call per entry was a tenth of the writing


def write_json(doc: dict, path, schema: str = SCHEMA_2) -> None:
    """Written subject by subject, so a 100k-user document never exists as one giant string; schema 2
    (resulttables) unless schema 1 is asked for."""
    with atomic_write(path) as fp:
        fp.write("{")
        for key, value in doc.items():
            if key == "subjects":
                continue
            if key == "schema":
                value = schema
            fp.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
        dumps = compact_dumps()
        subjects = doc["subjects"]
        if schema == SCHEMA_2:
            source = (subjects.table_rows(dumps) if isinstance(subjects, SubjectEntries)
                      else EntryRows(list(subjects), dumps, SHAPES))
            write_tables(fp, source, dumps, _CHUNK)
            return
        fp.write('"subjects": [\n')
        entries = subjects.encoded(dumps) if isinstance(subjects, SubjectEntries) else map(dumps, subjects)
        first = True
        for chunk in iter(lambda: list(islice(entries, _CHUNK)), []):
            fp.write(("" if first else ",\n") + ",\n".join(chunk))
            first = False
        fp.write("\n]}\n")


def read_results(path, lazy: bool = False) -> dict:
    """A results file of either schema as schema 1's document (schema 2's tables expanded: entries
    share their usual results, see resulttables.expand; copy before editing them). `lazy`: a schema 2
    file's subjects as a TableEntries, made as they are read (a malformed row is found then); read
    once, each row let go as it is read, when the summary holds the people counts (the page then
    reads the subjects once; it counts the people of an older file from them first)."""
    if not Path(path).is_file():
        raise SourceError(f"results file {path} does not exist")
    doc = load_file(path, f"results file {path}")
    if not isinstance(doc, dict) or doc.get("schema") not in SCHEMAS:
        raise SourceError(f"{path}: not a syncready results file (schema is not {' or '.join(SCHEMAS)})")
    subjects = doc.get("subjects")
    if not isinstance(subjects, list):
        raise SourceError(f"{path}: \"subjects\" is not a list")
    for number, entry in enumerate(subjects):     # schema 2: its objects (the rows are checked as they are read)
        if not (isinstance(entry, dict) and isinstance(entry.get("subject"), str)
                and isinstance(entry.get("results"), dict)
                and all(isinstance(r, dict) for r in entry["results"].values())):
            raise SourceError(f"{path}: subject {number} is not an object with \"subject\" and \"results\"")
    if doc["schema"] == SCHEMA_2:       # read as the schema 1 document it holds, so every reader reads both
        doc["subjects"] = (TableEntries(doc, str(path), once=people_counted(doc.get("summary"))) if lazy
                           else expand(doc, str(path)))
        del doc["tables"]
        doc["schema"] = SCHEMA
    return doc
