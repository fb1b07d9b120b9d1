"""The results JSON's fast writer (SubjectEntries.encoded, shared Results encoded once) writes exactly
the bytes of encoding each subject's entry dict, on the demo and on a generated directory, with
previews, waivers, already-synchronized users and inputs not read."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.synthetic import generate
from syncready.config import Config, Waiver, load_config
from syncready.coverage import Collection
from syncready.engine import Engine
from syncready.fixing import attach_previews
from syncready.results import SubjectEntries, results_document, write_json
from syncready.sources.snapshot import read_snapshot

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


def test_written_file_is_what_the_plain_encoder_writes(cases, tmp_path):
    for number, (name, doc) in enumerate(cases):
        fast, plain = tmp_path / f"fast{number}.json", tmp_path / f"plain{number}.json"
        write_json(doc, fast)
        write_json(dict(doc, subjects=list(doc["subjects"])), plain)     # a list: the generic path
        assert fast.read_bytes() == plain.read_bytes(), name
        statuses = {r["status"] for e in json.loads(fast.read_text())["subjects"] for r in e["results"].values()}
        assert {"pass", "fail", "skip"} | EXTRA.get(name, set()) <= statuses, name
