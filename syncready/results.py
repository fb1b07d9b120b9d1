"""The results document (SPEC §6): a run turned into plain data, written and read back as JSON.

Reports render from this document only, so a saved results file can be re-rendered later
(`syncready report`) without the sources.
"""
from __future__ import annotations

import datetime as dt
import json
from json.encoder import encode_basestring
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import atomic_write
from .checkapi import Result
from .engine import Run, Subject
from .errors import SourceError
from .jsonio import load_file
from .summary import coverage_document
from .termtext import redact_url
from .vocab import Readiness, SubjectKind

SCHEMA = "syncready/results/1"


def check_entry(check, severity: str) -> dict:
    meta = check.meta
    return {"id": meta.id, "title": meta.title, "severity": severity, "subject": meta.subject,
            "fix": meta.fix, "safety": meta.safety, "description": meta.description, "why": meta.why,
            "how_to_fix": meta.how_to_fix,
            "references": [{"title": r.title, "url": r.url} for r in meta.references]}


def _compact(facts: dict) -> dict:
    """Facts without empty values: at 100k users, nulls would be a third of the file."""
    return {k: v for k, v in facts.items() if v is not None and v != [] and v != ""}


def cloud_facts(user) -> dict:
    return _compact({"upn": user.upn, "displayName": user.display_name, "givenName": user.given_name,
            "surname": user.surname, "mail": user.mail, "primarySmtp": user.primary_smtp,
            "proxyAddresses": list(user.proxy_addresses), "immutableId": user.immutable_id,
            "accountEnabled": user.account_enabled, "department": user.extra.get("department")})


def onprem_facts(obj, anchor: Callable[[Any], str | None] | None = None) -> dict:
    """`anchor`: the run's Index.anchor ([sync] source_anchor); without it, the default rule."""
    return _compact({"dn": obj.dn, "upn": obj.upn, "sam": obj.sam, "displayName": obj.display_name,
            "givenName": obj.given_name, "sn": obj.sn, "mail": obj.mail, "primarySmtp": obj.primary_smtp,
            "proxyAddresses": list(obj.proxy_addresses), "anchor": anchor(obj) if anchor else obj.anchor,
            "enabled": obj.enabled, "department": obj.extra.get("department")})


def group_facts(obj) -> dict:
    """What an AD group or contact adds to onprem_facts: which it is, and a group's groupType."""
    return _compact({"objectClass": obj.object_class, "groupType": obj.group_type})


def subject_entry(subject: Subject, previews: Mapping[tuple[str, str], dict] | None = None,
                  anchor: Callable[[Any], str | None] | None = None,
                  predict: Callable[[Any], dict] | None = None) -> dict:
    """One subject of the results JSON; a result's `fix` is its preview from `Run.previews`.

    `predict` gives an AD user's `prediction` (anchor and predicted cloud user), which
    `syncready verify` compares with what the first sync did."""
    results = {cid: r.to_json() for cid, r in subject.results.items()}
    if previews:
        for cid, result in results.items():
            preview = previews.get((subject.name, cid))
            if preview is not None:
                result["fix"] = preview
    entry = _entry_head(subject)
    entry["results"] = results
    entry.update(_entry_facts(subject, anchor, predict))
    return entry


def _entry_head(subject: Subject) -> dict[str, Any]:
    return {"subject": subject.name, "id": subject.id, "kind": subject.kind, "readiness": subject.readiness}


def _entry_facts(subject: Subject, anchor: Callable[[Any], str | None] | None,
                 predict: Callable[[Any], dict] | None) -> dict[str, Any]:
    """What follows a subject's results in its entry: the facts, the prediction, already_synchronized."""
    entry: dict[str, Any] = {}
    if subject.kind == SubjectKind.CLOUD_USER:
        entry["cloud"] = cloud_facts(subject.obj)
        entry["onprem"] = onprem_facts(subject.counterpart, anchor) if subject.counterpart is not None else None
    elif subject.kind == SubjectKind.ONPREM_USER and subject.readiness != Readiness.READY:
        entry["onprem"] = onprem_facts(subject.obj, anchor)
    if predict is not None and subject.kind == SubjectKind.ONPREM_USER:
        entry["prediction"] = predict(subject.obj)
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
        "subjects": SubjectEntries(run.subjects, run.previews, run.index.anchor, _predictor(run.index)),
        "summary": summary,
        "waivers": [dict(w.to_json(), expired=w.expired(run.today),
                         matched=run.waiver_use.get(id(w), 0))
                    for w in run.config.waivers],
    }
    return doc


def _predictor(index) -> Callable[[Any], dict]:
    """An AD user's anchor and Entra's predicted match (cached on the Index, so no second evaluation)."""
    from .matching import predict_match

    def predict(obj) -> dict:
        match = predict_match(obj, index)
        found = {"anchor": index.anchor(obj), "how": match.how}
        if match.user is not None:
            found.update(cloud_id=match.user.id, cloud_upn=match.user.upn)
        elif match.rivals and match.candidate is not None:     # may join it, or be refused: export order
            found.update(contested_id=match.candidate.id, contested_upn=match.candidate.upn)
        return _compact(found)
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
                 anchor: Callable[[Any], str | None] | None = None, predict: Callable[[Any], dict] | None = None):
        self._subjects = subjects
        self._previews = previews
        self._anchor = anchor
        self._predict = predict

    def __len__(self) -> int:
        return len(self._subjects)

    def __iter__(self):
        return (subject_entry(s, self._previews, self._anchor, self._predict) for s in self._subjects)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [subject_entry(s, self._previews, self._anchor, self._predict) for s in self._subjects[item]]
        return subject_entry(self._subjects[item], self._previews, self._anchor, self._predict)

    def encoded(self, dumps: Callable[[Any], str]) -> Iterator[str]:
        """Each entry as `dumps(entry)` (the compact, ensure_ascii=False encoder) would write it, byte
        for byte, without building the results' dicts: a Result that many subjects share (a pass, a
        skip, "not read") is encoded once."""
        by_id: dict[int, tuple[Result, str]] = {}       # the Result is kept so its id is not reused
        by_value: dict[Result, str] = {}                # equal Results without evidence, built per subject
        keys: dict[str, str] = {}
        previews = self._previews or {}
        for subject in self._subjects:
            parts = []
            for cid, result in subject.results.items():
                known = by_id.get(id(result))
                if known is not None:
                    text = known[1]
                else:
                    text = _encoded_result(result, by_value, dumps)
                    if len(by_id) < _CACHED:
                        by_id[id(result)] = (result, text)
                if previews:
                    preview = previews.get((subject.name, cid))
                    if preview is not None:
                        text = f'{text[:-1]},"fix":{dumps(preview)}}}'
                key = keys.get(cid)
                if key is None:
                    key = keys[cid] = dumps(cid)
                parts.append(f"{key}:{text}")
            facts = _entry_facts(subject, self._anchor, self._predict)
            head = ",".join(f'"{k}":{_text(v, dumps)}' for k, v in _entry_head(subject).items())
            yield f'{{{head},"results":{{{",".join(parts)}}}{"," + dumps(facts)[1:] if facts else "}"}'


def _text(value: Any, dumps: Callable[[Any], str]) -> str:
    """A string as the compact encoder writes it (without the encoder's per-call setup), else dumps."""
    return encode_basestring(value) if isinstance(value, str) else dumps(value)


_CACHED = 1 << 16       # encoded Results kept per document: the shared ones come first, the rest are unique


def _encoded_result(result: Result, by_value: dict[Result, str], dumps: Callable[[Any], str]) -> str:
    if result.evidence is not None or result.waiver is not None:      # unhashable, and mostly unique
        return dumps(result.to_json())
    text = by_value.get(result)
    if text is None:
        text = dumps(result.to_json())
        if len(by_value) < _CACHED:
            by_value[result] = text
    return text


def write_json(doc: dict, path) -> None:
    """Written subject by subject, so a 100k-user document never exists as one giant string."""
    with atomic_write(path) as fp:
        fp.write("{")
        for key, value in doc.items():
            if key == "subjects":
                continue
            fp.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
        fp.write('"subjects": [\n')
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        subjects = doc["subjects"]
        entries = subjects.encoded(dumps) if isinstance(subjects, SubjectEntries) else map(dumps, subjects)
        for number, text in enumerate(entries):
            if number:
                fp.write(",\n")
            fp.write(text)
        fp.write("\n]}\n")


def read_results(path) -> dict:
    if not Path(path).is_file():
        raise SourceError(f"results file {path} does not exist")
    doc = load_file(path, f"results file {path}")
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise SourceError(f"{path}: not a syncready results file (schema is not {SCHEMA})")
    subjects = doc.get("subjects")
    if not isinstance(subjects, list):
        raise SourceError(f"{path}: \"subjects\" is not a list")
    for number, entry in enumerate(subjects):
        if not (isinstance(entry, dict) and isinstance(entry.get("subject"), str)
                and isinstance(entry.get("results"), dict)
                and all(isinstance(r, dict) for r in entry["results"].values())):
            raise SourceError(f"{path}: subject {number} is not an object with \"subject\" and \"results\"")
    return doc
