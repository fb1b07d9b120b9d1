"""The results JSON's fast writers (schema 1: SubjectEntries.encoded, shared Results encoded once;
schema 2: SubjectEntries.table_rows) write exactly the bytes of encoding each subject's entry dict,
on the demo and on a generated directory, with previews, waivers, already-synchronized users and
inputs not read; the cheaper ways renderers read a run's lazy subjects (for the checklist, without
facts, of one kind) give what the whole entries say."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.synthetic import generate
from syncready.config import Config, Waiver, load_config
from syncready.coverage import Collection
from syncready.engine import Engine
from syncready.fixing import attach_previews
from syncready.breakdown import breakdowns
from syncready.checklist import ALWAYS_READ, build_checklist
from syncready.results import (SCHEMA, SCHEMA_2, SubjectEntries, of_kind, read_results, results_document, without_facts,
                               write_json)
from syncready.sources.snapshot import read_snapshot
from syncready.vocab import PREVIEWED, SubjectKind

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "contoso"
EXTRA = {"generated, waivers": {"waived"}, "generated, roles not read": {"error"}}
DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _document(folder: Path, config: Config, unread: bool = False) -> dict:
    directory = read_snapshot(folder)
    if unread:
        directory.coverage.not_read(Collection.ROLE_ASSIGNMENTS, "left out by the test")
    run = Engine(directory, config).run()
    attach_previews(run)
    return results_document(run)


def _cases(tmp_path_factory) -> list[tuple[str, dict]]:
    generated = tmp_path_factory.mktemp("gen") / "snap"
    generate(generated, 1500, seed=3)
    waived = Config(waivers=(Waiver("proxy-superset", ("*",), "accepted for the pilot"),
                             Waiver("*", ("user00001*",), "pilot group")))
    return [("example", _document(EXAMPLE, load_config(EXAMPLE / "syncready.toml"))),
            ("generated", _document(generated, Config())),
            ("generated, waivers", _document(generated, waived)),
            ("generated, roles not read", _document(generated, Config(), unread=True))]


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return _cases(tmp_path_factory)


def test_encoded_entries_are_the_entries_bytes(cases):
    for name, doc in cases:
        subjects = doc["subjects"]
        assert isinstance(subjects, SubjectEntries)
        fast = list(subjects.encoded(DUMPS))
        plain = [DUMPS(entry) for entry in subjects]
        assert len(fast) == len(plain) > 10, name
        assert fast == plain, name
        decoded = [json.loads(text) for text in fast]
        assert any("fix" in r for e in decoded for r in e["results"].values()), name


@pytest.mark.parametrize("schema", [SCHEMA, SCHEMA_2])
def test_written_file_is_what_the_plain_encoder_writes(cases, tmp_path, schema):
    """Both schemas: the run's fast writer (schema 2: rows made from the run's objects) writes the bytes
    the generic writer makes of the entry dicts, and reading the file gives back every entry, key for
    key and in order."""
    for number, (name, doc) in enumerate(cases):
        fast, plain = tmp_path / f"fast{number}.json", tmp_path / f"plain{number}.json"
        write_json(doc, fast, schema)
        entries = list(doc["subjects"])
        write_json(dict(doc, subjects=entries), plain, schema)     # a list: the generic path
        assert fast.read_bytes() == plain.read_bytes(), name
        assert json.loads(fast.read_text())["schema"] == schema
        back = read_results(fast)["subjects"]
        assert [list(e.items()) for e in back] == [list(e.items()) for e in entries], name
        statuses = {r["status"] for e in back for r in e["results"].values()}
        assert {"pass", "fail", "skip"} | EXTRA.get(name, set()) <= statuses, name


def _plain(doc: dict) -> dict:
    return dict(doc, subjects=list(doc["subjects"]))


def test_checklist_from_the_run_is_the_checklist_of_every_entry(cases):
    """build_checklist on a run's lazy document is fed by `feed_checklist` (cut-down entries of the
    subjects with a failing or waived result, the names of stamping candidates) and gives the same
    checklist as from every subject's whole entry."""
    for name, doc in cases:
        subjects = doc["subjects"]
        fast = build_checklist(doc).to_json()
        assert fast == build_checklist(_plain(doc)).to_json(), name
        fed = _Fed()
        subjects.feed_checklist(fed)
        assert 0 < len(fed.entries) < len(subjects), name
        assert fed.stamped or name == "generated, roles not read", name
        assert all(r["status"] in PREVIEWED or cid in ALWAYS_READ
                   for e in fed.entries for cid, r in e["results"].items()), name
        assert not any("prediction" in e or len(e.get("cloud", {})) > 1 for e in fed.entries), name
        assert build_checklist(doc) is build_checklist(doc), name       # kept for the next renderer
        assert any(step["kind"] == "stamp" for step in fast["steps"]), name


class _Fed:
    """What feed_checklist gives a checklist builder."""

    def __init__(self):
        self.entries: list[dict] = []
        self.stamped: list[str] = []

    def add(self, entry: dict) -> None:
        self.entries.append(entry)

    def stamp_ready(self, name: str) -> None:
        self.stamped.append(name)


def test_entries_without_facts_and_of_one_kind_are_the_entries(cases):
    facts = ("cloud", "onprem", "prediction")
    for name, doc in cases:
        entries = list(doc["subjects"])
        bare = [{k: v for k, v in e.items() if k not in facts} for e in entries]
        assert list(without_facts(doc)) == bare, name
        cloud = [e for e in entries if e["kind"] == "cloud-user"]
        assert list(of_kind(doc, SubjectKind.CLOUD_USER)) == cloud and 0 < len(cloud) < len(entries), name
        assert list(without_facts(_plain(doc))) == entries and of_kind(_plain(doc), SubjectKind.CLOUD_USER) is None
        assert list(of_kind(doc, SubjectKind.CLOUD_USER, results=False)) == [
            {k: v for k, v in e.items() if k != "results"} for e in cloud], name
        assert breakdowns(doc) == breakdowns(_plain(doc)), name
