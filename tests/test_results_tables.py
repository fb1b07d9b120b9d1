"""Schema 2 of the results JSON (syncready/resulttables.py) holds exactly what schema 1 holds.

Properties: any list of schema 1 entries — users whose facts, results and order a row can hold, and
users it cannot (facts out of order, empty values, a name that is not their own UPN, a stray key),
between other subjects — written as schema 2 and read back is the same list, key for key and in
order; a malformed table is a one-line error naming it, never a traceback; and the file is about half
the bytes of schema 1 on a generated directory (bench_engine prints the bytes per subject).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.synthetic import generate
from syncready.errors import SourceError
from syncready.results import CLOUD_FACTS, ONPREM_FACTS, PREDICTION, SCHEMA, SCHEMA_2, read_results, write_json
from syncready.resulttables import blocks
from tests.clirun import run_main

pytestmark = pytest.mark.unit

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
FACT = st.one_of(TEXT.filter(bool), st.booleans(), st.lists(TEXT, min_size=1, max_size=2), st.integers(-3, 3))
EMPTY = st.sampled_from([None, "", []])
RESULT = st.one_of(st.just({"status": "pass"}), st.just({"status": "skip", "message": "not applicable"}),
                   st.fixed_dictionaries({"status": st.sampled_from(["fail", "error", "waived"]), "message": TEXT}),
                   st.fixed_dictionaries({"status": st.just("fail"), "message": TEXT,
                                          "evidence": st.dictionaries(TEXT, st.one_of(FACT, EMPTY), max_size=2)}))
CHECKS = ("a-check", "b-check", "c-check")


@st.composite
def facts(draw, keys: tuple[str, ...], subject: str, first: str | None):
    """A facts part as schema 1 writes it (the subject fact first, nothing empty) — or, sometimes, one a
    row cannot hold (out of order, an empty value, a stray key, a subject fact that is not the subject)."""
    chosen = [k for k in keys if k != first and draw(st.booleans())]
    part = {k: draw(FACT) for k in chosen}
    if first is not None and subject:
        part = {first: subject, **part}
    odd = draw(st.sampled_from(["none"] * 5 + ["shuffle", "empty", "stray", "other-subject"]))
    if odd == "shuffle":
        part = dict(reversed(list(part.items())))
    elif odd == "empty" and chosen:
        part[chosen[0]] = draw(EMPTY)
    elif odd == "stray":
        part["stray"] = 1
    elif odd == "other-subject" and first is not None:
        part[first] = subject + "x"
    return part


@st.composite
def entry(draw, index: int):
    kind = draw(st.sampled_from(["cloud-user", "onprem-user"] * 3 + ["tenant", "onprem-group"]))
    subject = draw(st.sampled_from([f"user{index}@contoso.com", f"CN=U{index},DC=contoso,DC=test"] * 4 + [""]))
    checks = draw(st.sampled_from([CHECKS, CHECKS, CHECKS[:2], CHECKS[::-1]]))
    found = {"subject": subject, "id": f"id-{index}", "kind": kind,
             "readiness": draw(st.sampled_from(["ready", "ready", "at-risk", "blocked"])),
             "results": {cid: draw(RESULT) for cid in checks}}
    if kind == "cloud-user":
        found["cloud"] = draw(facts(CLOUD_FACTS, subject, "upn"))
        found["onprem"] = draw(st.one_of(st.none(), facts(ONPREM_FACTS, subject, None)))
    elif kind == "onprem-user":
        if draw(st.booleans()):
            found["onprem"] = draw(facts(ONPREM_FACTS, subject, "dn"))
        if draw(st.booleans()):
            found["prediction"] = draw(facts(PREDICTION, subject, None))
    else:
        found["onprem"] = {"dn": subject, "objectClass": "group"}
    synced = draw(st.sampled_from(["absent", "absent", "true", "false"]))
    if synced != "absent":
        found["already_synchronized"] = synced == "true"
    if draw(st.sampled_from([False] * 19 + [True])):
        found = dict(reversed(list(found.items())))        # keys out of schema 1's order: an object
    return found


@st.composite
def entries(draw):
    count = draw(st.integers(0, 12)) or draw(st.integers(1, 12))
    return [draw(entry(i)) for i in range(count)]


def _doc(subjects: list) -> dict:
    return {"schema": SCHEMA, "generated": "2026-12-01T00:00:00+00:00", "tool": {"version": "test"},
            "checks": [], "summary": {}, "subjects": subjects}


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries())
def test_schema_2_gives_back_every_entry_key_for_key(tmp_path, subjects):
    path = tmp_path / "r.json"
    write_json(_doc(subjects), path)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["schema"] == SCHEMA_2
    back = read_results(path)
    assert back["schema"] == SCHEMA
    assert [list(e.items()) for e in back["subjects"]] == [list(e.items()) for e in subjects]
    rows = sum(len(t["rows"]) for t in written["tables"])
    assert rows + len(written["subjects"]) == len(subjects)


def test_a_run_of_rows_breaks_where_its_checks_change_or_an_object_stands():
    a, b = ("cloud-user", ("x",)), ("cloud-user", ("y",))
    assert blocks([a, a, None, a, b, b, None, None]) == [(0, 2), (3, 4), (4, 6)]
    assert blocks([]) == [] and blocks([None]) == []


def _written(folder: Path, users: int) -> tuple[Path, Path]:
    generate(folder / "snap", users, seed=5)
    two, one = folder / "two.json", folder / "one.json"
    for path, schema in ((two, "2"), (one, "1")):
        proc = run_main("check", "--snapshot", folder / "snap", "--fail-on", "never", "--json", path,
                        "--json-schema", schema)
        assert proc.returncode == 0, proc.stderr
    return two, one


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    """A generated directory's results in both schemas."""
    return _written(tmp_path_factory.mktemp("tables"), 2000)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path]:
    return _written(tmp_path_factory.mktemp("small"), 40)


def test_schema_2_is_half_the_bytes_and_reads_as_schema_1(written):
    two, one = written
    assert json.loads(two.read_text())["schema"] == SCHEMA_2
    assert json.loads(one.read_text())["schema"] == SCHEMA
    assert two.stat().st_size < 0.55 * one.stat().st_size
    first, second = read_results(two), read_results(one)
    assert first["subjects"] == second["subjects"]
    assert {k: v for k, v in first.items() if k != "generated"} == {k: v for k, v in second.items() if k != "generated"}


MALFORMED = [
    (("tables",), {}, '"tables" is not a list'),
    (("tables", 0), [], "table 0 is not an object"),
    (("tables", 0, "at"), -1, '"at" is not a position'),
    (("tables", 0, "at"), 10 ** 9, "past the"),
    (("tables", 0, "columns"), ["id"], '"columns" does not start with'),
    (("tables", 0, "facts"), {"cloud": "upn"}, '"facts" is not an object of key lists'),
    (("tables", 0, "subject_fact"), {"nowhere": "upn"}, '"subject_fact" does not name a facts part'),
    (("tables", 0, "usual"), {"a": 1}, '"usual" is not an object of results'),
    (("tables", 0, "rows"), {}, '"rows" is not a list'),
    (("tables", 0, "rows", 0), ["only"], "row 0 is not [subject, id, readiness, results, ...]"),
    (("tables", 0, "rows", 0, 3), {"upn-exists": 7}, "row 0: a result is not an object"),
    (("tables", 0, "rows", 0, 4), {"displayName": "x"}, "row 0: cloud is not a list of its facts"),
    (("tables", 1, "at"), 0, "inside the subjects before it"),
    (("tables", 0, "columns"), ["subject", "id", "readiness", "results", "cloud", "kind"],
     "column 'kind' is neither a facts part nor already_synchronized"),
    (("subjects", 0), None, "subject 0 is not an object"),
]


@pytest.mark.parametrize(("where", "value", "message"), MALFORMED, ids=[m[2][:40] for m in MALFORMED])
def test_a_malformed_table_is_one_line_naming_it(small, tmp_path, where, value, message):
    doc = json.loads(small[0].read_text())
    target = doc
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SourceError, match=None) as caught:
        read_results(bad)
    assert message in str(caught.value) and str(bad) in str(caught.value)
    proc = run_main("report", bad, "--markdown", tmp_path / "out.md")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "out.md").exists()


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-2, 10 ** 6), TEXT),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
                    max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_anything_in_a_table_is_read_or_refused_in_one_line(small, tmp_path, data):
    doc = json.loads(small[0].read_text())
    table = doc["tables"][data.draw(st.integers(0, len(doc["tables"]) - 1))]
    key = data.draw(st.sampled_from(["kind", "at", "columns", "facts", "subject_fact", "usual", "row", "cell"]))
    if key == "row":
        table["rows"][data.draw(st.integers(0, len(table["rows"]) - 1))] = data.draw(JSON)
    elif key == "cell":
        row = table["rows"][data.draw(st.integers(0, len(table["rows"]) - 1))]
        row[data.draw(st.integers(0, len(row) - 1))] = data.draw(JSON)
    else:
        table[key] = data.draw(JSON)
    bad = tmp_path / "fuzz.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    proc = run_main("report", bad, "--markdown", tmp_path / "fuzz.md", "--html", tmp_path / "fuzz.html")
    assert proc.returncode in (0, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    if proc.returncode == 2:
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("syncready: ")


def test_a_row_naming_null_has_no_result_for_that_check_and_may_add_others(small, tmp_path):
    """What a reader does with a row that leaves out a usual check (null) or adds one: schema 1's entry
    has no such key, or the added one after the usual ones."""
    doc = json.loads(small[0].read_text())
    table = doc["tables"][0]
    first, second = list(table["usual"])[:2]
    table["rows"][0][3] = {first: None, "z-extra": {"status": "fail", "message": "added"}, second: {"status": "skip"}}
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    results = read_results(path)["subjects"][table["at"]]["results"]
    assert first not in results and results[second] == {"status": "skip"}
    assert list(results)[-1] == "z-extra" and len(results) == len(table["usual"])


def test_an_odd_schema_1_entry_converts_as_an_object(tmp_path):
    """A hand-edited schema 1 file whose entry has an unhashable kind: written as schema 2, that entry
    stays an object and comes back as it was."""
    odd = {"subject": "u@x", "id": "1", "kind": ["cloud-user"], "readiness": "ready", "results": {}}
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.write_text(json.dumps(_doc([odd])), encoding="utf-8")
    proc = run_main("report", one, "--json", two)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(two.read_text())["subjects"] == [odd] and read_results(two)["subjects"] == [odd]


def test_every_report_of_a_schema_2_file_is_that_of_its_schema_1_file(written, tmp_path):
    """report (HTML, Markdown, JUnit, CSV) and checklist read schema 2 to the same bytes as schema 1,
    though schema 2's entries share their results (the checklist remembers clean shared ones)."""
    one = tmp_path / "one.json"         # the same run as schema 1 (the same "generated")
    assert run_main("report", written[0], "--json", one, "--json-schema", "1").returncode == 0
    outputs = {}
    for path in (written[0], one):
        folder = tmp_path / path.stem
        folder.mkdir()
        proc = run_main("report", path, "--html", folder / "r.html", "--markdown", folder / "r.md",
                        "--junit", folder / "r.xml", "--csv", folder / "r.csv")
        assert proc.returncode == 0, proc.stderr
        listed = run_main("checklist", path, "--format", "json")
        assert listed.returncode == 0, listed.stderr
        outputs[path.stem] = [(folder / n).read_bytes() for n in ("r.html", "r.md", "r.xml", "r.csv")]
        outputs[path.stem].append(listed.stdout.replace(str(path), "RESULTS").encode())
    assert outputs["two"] == outputs["one"]
    assert b"stamp" in outputs["two"][4]


# Real check ids for the generated ones, so the cutover checklist's stamping and stale-ImmutableID rules
# (which read the anchor-ready and cloud-only results, the AD facts' presence and the ImmutableID) apply.
_REAL = {"a-check": "anchor-ready", "b-check": "cloud-only", "c-check": "upn-unique"}
_META = [{"id": "anchor-ready", "severity": "blocker", "subject": "cloud-user", "fix": "automatic"},
         {"id": "cloud-only", "severity": "blocker", "subject": "cloud-user", "fix": "automatic"},
         {"id": "upn-unique", "severity": "warning", "subject": "cloud-user", "fix": "manual"}]
_FIX = {"changes": [{"target": "cloud", "attribute": "onPremisesImmutableId", "safety": "unsafe", "summary": "clear"}]}


@st.composite
def real_entries(draw):
    """entries() under real check ids; some failing cloud-only results carry the fix that clears an
    ImmutableID, and some cloud users have one (what makes a stamping candidate for later)."""
    found = draw(entries())
    for e in found:
        e["results"] = {_REAL[cid]: dict(r, fix=_FIX) if cid == "b-check" and r["status"] == "fail"
                        and draw(st.booleans()) else r for cid, r in e["results"].items()}
        if isinstance(e.get("cloud"), dict) and draw(st.booleans()):
            e["cloud"]["immutableId"] = draw(st.sampled_from(["AAAA", "", None]))
        if e["kind"] == "cloud-user" and draw(st.booleans()):
            e["onprem"] = {}                # an AD part without facts: no counterpart, as far as the page knows
    return found


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(real_entries())
def test_the_page_packed_from_rows_is_the_page_packed_from_entries(tmp_path, subjects):
    """The HTML report of a schema 2 file, packed from its tables' rows with no entry made (what
    `syncready report` does), is the page packed from the same file's expanded entries, byte for byte:
    the subjects' data, its strings' order, the checklist and the breakdowns."""
    from syncready.reports.html import render_html_string

    path = tmp_path / "r.json"
    write_json(dict(_doc(subjects), checks=_META), path)
    rows, objects = read_results(path, lazy=True), read_results(path)
    assert len(rows["subjects"]) == len(subjects)
    assert _outcome(render_html_string, rows) == _outcome(render_html_string, objects)


def _outcome(render, doc) -> str:
    """The page, or the failure a value the page cannot show (proxyAddresses 1) gives: the same either way."""
    try:
        return render(doc, compress=True)
    except (TypeError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


def test_a_table_whose_facts_repeat_a_key_packs_as_its_entries(tmp_path):
    """A hand-made table may list a fact twice or list the subject fact; its entries keep the last
    value given (a dict), so the page packs such a table from its entries, as the same file's objects."""
    from syncready.reports.html import render_html_string

    path = tmp_path / "r.json"
    write_json(dict(_doc([]), checks=_META), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["tables"] = [{"kind": "cloud-user", "at": 0, "columns": ["subject", "id", "readiness", "results", "cloud"],
                      "facts": {"cloud": ["mail", "upn", "mail"]}, "subject_fact": {"cloud": "upn"},
                      "usual": {"anchor-ready": {"status": "pass"}},
                      "rows": [["a@contoso.com", "1", "ready", {}, ["first@contoso.com", "other@contoso.com", None]],
                               ["b@contoso.com", "2", "ready", {}, [None, None, "second@contoso.com"]]]}]
    path.write_text(json.dumps(doc), encoding="utf-8")
    rows, objects = read_results(path, lazy=True), read_results(path)
    assert [e["cloud"] for e in objects["subjects"]] == [{"upn": "other@contoso.com", "mail": "first@contoso.com"},
                                                          {"upn": "b@contoso.com", "mail": "second@contoso.com"}]
    assert render_html_string(rows, compress=False) == render_html_string(objects, compress=False)


def test_a_table_with_a_part_named_kind_packs_as_its_entries(tmp_path):
    """A hand-made part named "kind" replaces the entries' kind (a null one makes them cloud users to the
    page): the page packs such a table from its entries, as the same file's objects."""
    from syncready.reports.html import render_html_string

    path = tmp_path / "r.json"
    write_json(dict(_doc([]), checks=_META), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["tables"] = [{"kind": "onprem-user", "at": 0, "columns": ["subject", "id", "readiness", "results", "kind"],
                      "facts": {"kind": []}, "subject_fact": {}, "usual": {"anchor-ready": {"status": "pass"}},
                      "rows": [["CN=A,DC=contoso,DC=test", "1", "ready", {}, None]]}]
    path.write_text(json.dumps(doc), encoding="utf-8")
    rows, objects = read_results(path, lazy=True), read_results(path)
    assert [e["kind"] for e in objects["subjects"]] == [None]
    assert render_html_string(rows, compress=False) == render_html_string(objects, compress=False)


def test_a_file_read_lazily_is_read_once_and_lets_each_row_go(tmp_path):
    """`report --html` reads the file lazily: the page's peak is the file or the page, not both, because
    each row (and object) is let go as it is packed; a second reading is refused, never half empty."""
    from syncready.reports.html import render_html_string

    generate(tmp_path / "snap", 30)
    path = tmp_path / "r.json"
    run_main("check", "--snapshot", tmp_path / "snap", "--json", path, "-q")
    doc = read_results(path, lazy=True)
    subjects = doc["subjects"]
    readers = [reader for reader, _ in subjects._segments if reader is not None]
    assert readers and all(any(row is not None for row in r.rows) for r in readers)
    assert render_html_string(doc, compress=True) == render_html_string(read_results(path), compress=True)
    assert all(row is None for r in readers for row in r.rows)
    assert all(item is None for reader, items in subjects._segments if reader is None for item in items)
    with pytest.raises(RuntimeError, match="read once|have been read"):
        list(subjects)


def test_check_renders_its_page_from_the_schema_2_file_it_writes(tmp_path, monkeypatch):
    """With --json, `check --html` packs the page from the file's rows (what `report` does, half the
    CPU of the run's entries): the same page as `report` makes of that file, and as `check --html`
    alone makes from the run."""
    from syncready import results

    generate(tmp_path / "snap", 40)
    snap, out = tmp_path / "snap", tmp_path / "out"
    out.mkdir()
    alone = run_main("check", "--snapshot", snap, "--html", out / "alone.html", "-q", "--fail-on", "never")
    assert alone.returncode == 0, alone.stderr
    entries = []
    real = results.SubjectEntries.__iter__
    monkeypatch.setattr(results.SubjectEntries, "__iter__", lambda self: entries.append(1) or real(self))
    both = run_main("check", "--snapshot", snap, "--json", out / "r.json", "--html", out / "both.html",
                    "-q", "--fail-on", "never")
    assert both.returncode == 0, both.stderr
    assert not entries, "the page was packed from the run's entries"
    again = run_main("report", out / "r.json", "--html", out / "report.html")
    assert again.returncode == 0, again.stderr

    def page(name: str) -> str:     # the run's time aside (shown, and as ISO 8601)
        text = (out / name).read_text(encoding="utf-8")
        return re.sub(r"\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+:\dZ]*", "", text)
    assert page("both.html") == page("report.html") == page("alone.html")
