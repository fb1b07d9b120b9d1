"""Malformed inputs, generated: whatever users.json, ad.ldif, syncready.toml, journal or results file
syncready is given, it ends with exit code 0, 1 or 2, exactly one line on stderr when 2, and never a
traceback (SPEC §5). The CLI runs in-process on a copy of the example snapshot."""
import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncready.cli import main
from syncready.results import read_results

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
USERS = "cloud/users.json"
AD = "onprem/ad.ldif"
# 25 examples a test keeps CI fast; SYNCREADY_MALFORMED_EXAMPLES=2000 explores further.
FAST = settings(max_examples=int(os.environ.get("SYNCREADY_MALFORMED_EXAMPLES", "25")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    folder = tmp_path_factory.mktemp("malformed") / "snap"
    shutil.copytree(EXAMPLE, folder)
    (folder / "syncready.toml").unlink()
    return folder


@pytest.fixture(scope="module")
def results_file(snap) -> Path:
    """The example's results as `check --json` writes them (schema 2: users in tables)."""
    out = snap.parent / "valid-results.json"
    run(["check", "--snapshot", str(snap), "--config", str(EXAMPLE / "syncready.toml"), "--json", str(out)])
    return out


@pytest.fixture(scope="module")
def results_text(results_file):
    """The same results as a schema 1 document: every subject an object in "subjects"."""
    return json.dumps(read_results(results_file))


def run(argv) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


def assert_clean(code, err):
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("syncready: "), err


@contextlib.contextmanager
def replaced(path: Path, data: bytes):
    original = path.read_bytes()
    path.write_bytes(data)
    try:
        yield
    finally:
        path.write_bytes(original)


# --- JSON fragments json.dumps could not write ------------------------------------------------------
def _deep(n: int) -> str:
    return "[" * n + "]" * n


RAW = st.one_of(
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-0", "true", "null", "{}", "[]", '""',
                     '"\\ud800"', '"\\udfff x"', '"\\ud83d\\ude00"', '"a\\u0000b"', '"\\u202e\\u001b]0;x\\u0007"',
                     "[1, 2]", '[null]', '[["SMTP:a@b.c"]]', '{"a": 1}', '"false"', '"SMTP:x@contoso.com"']),
    st.integers(min_value=1, max_value=12_000).map(lambda n: "9" * n),
    st.integers(min_value=1, max_value=3_000).map(_deep),
    st.sampled_from([100_000]).map(_deep),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=30).map(lambda s: json.dumps(s)),
)
KEYS = st.sampled_from(["id", "userPrincipalName", "mail", "mailNickname", "givenName", "surname", "displayName",
                        "proxyAddresses", "onPremisesImmutableId", "onPremisesSyncEnabled", "accountEnabled",
                        "userType", "department", "@odata.nextLink", "value", "Id"])


def mutated_json(text: str, draw) -> bytes:
    """Valid JSON with one value replaced by a raw fragment, or cut short, or re-encoded."""
    data = json.loads(text)
    records = data if isinstance(data, list) else data.get("value", [data])
    how = draw(st.sampled_from(["value", "value", "value", "truncate", "record", "whole", "encoding"]))
    if how == "truncate":
        return text[:draw(st.integers(0, len(text) - 1))].encode()
    if how == "whole":
        return draw(RAW).encode("utf-8", "surrogatepass")
    marker = "@@RAW@@"
    if how == "record" and records:
        records[draw(st.integers(0, len(records) - 1))] = marker
    elif records and isinstance(records[0], dict):
        record = records[draw(st.integers(0, len(records) - 1))]
        record[draw(KEYS)] = marker
    result = json.dumps(data).replace(f'"{marker}"', draw(RAW), 1)
    if how == "encoding":
        encoding = draw(st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "latin-1", "utf-32"]))
        return result.encode(encoding, "replace")
    return result.encode("utf-8", "surrogatepass")


CLOUD_FILES = st.sampled_from([USERS, USERS, USERS, "cloud/groups.json", "cloud/contacts.json", "cloud/domains.json",
                               "cloud/sync.json", "cloud/roleAssignments.json", "cloud/roleEligibilitySchedules.json"])


@FAST
@given(st.data())
def test_users_json_and_the_other_cloud_files(snap, data):
    rel = data.draw(CLOUD_FILES)
    content = mutated_json((EXAMPLE / rel).read_text(encoding="utf-8"), data.draw)
    with replaced(snap / rel, content):
        command = data.draw(st.sampled_from([["check"], ["fix", "--select", "proxy-superset,attribute-drift"]]))
        assert_clean(*run([*command, "--snapshot", str(snap)]))


# --- LDIF ------------------------------------------------------------------------------------------
LDIF_DAMAGE = st.sampled_from([
    "objectGUID:: !!!not base64\n", "mail:: YWJj=\n", " folded line with no line before it\n", "no colon here\n",
    "dn:: ////\n", "changetype: modify\n", "version: 2\n", "userAccountControl: " + "9" * 5000 + "\n",
    "objectGUID:: AAAA\n", "proxyAddresses:: /w==\n", "dn:< file:///etc/passwd\n", "isCriticalSystemObject: MAYBE\n",
    "bad name!: x\n", "\x00\n", "mail:< http://x\n",
])


def mutated_ldif(text: str, draw) -> bytes:
    records = text.split("\n\n")
    how = draw(st.sampled_from(["insert", "duplicate", "drop-dn", "truncate", "bytes", "guid-twin"]))
    index = draw(st.integers(0, len(records) - 1))
    if how == "insert":
        lines = records[index].split("\n")
        lines.insert(draw(st.integers(0, len(lines))), draw(LDIF_DAMAGE).rstrip("\n"))
        records[index] = "\n".join(lines)
    elif how == "duplicate":
        records.append(records[index])
    elif how == "drop-dn":
        records[index] = "\n".join(line for line in records[index].split("\n") if not line.startswith("dn:"))
    elif how == "guid-twin":
        records.append(records[index].replace("dn: CN=", "dn: CN=Twin ", 1))
    elif how == "truncate":
        cut = "\n\n".join(records)
        return cut[:draw(st.integers(0, len(cut)))].encode()
    else:
        return "\n\n".join(records).encode() + draw(st.binary(max_size=40))
    return "\n\n".join(records).encode()


@FAST
@given(st.data())
def test_ldif(snap, data):
    content = mutated_ldif((EXAMPLE / AD).read_text(encoding="utf-8"), data.draw)
    with replaced(snap / AD, content):
        assert_clean(*run(["check", "--snapshot", str(snap)]))


# --- syncready.toml ---------------------------------------------------------------------------------
TABLES = st.sampled_from(["scope", "checks", "severity", "drift", "sources", "fix", "fix.create", "scpoe", "tool"])
TOML_KEYS = st.sampled_from(["include", "exclude", "inclde", "include_onmicrosoft", "select", "ignore", "attributes",
                             "known_empty", "snapshot", "auth", "graph_timeout", "enabled", "ou", "password_file",
                             '"account-enabled"', "write_consistency_guid", "x"])
TOML_VALUES = st.one_of(
    st.sampled_from(['"yes"', "true", "1", "1.5", "[]", '["OU=Staff,DC=contoso,DC=test"]', '["users", "nope"]',
                     '{ title = "jobTitle" }', "2027-01-31", '"blocker"', '["roleEligibilitySchedules"]', "[1, 2]",
                     '"secret"', "inf", "nan", "9" * 5000, "[" * 3000 + "]" * 3000, '"\\ud800"', "", "= ="]),
    st.text(max_size=20).map(json.dumps),
)


@st.composite
def toml_text(draw):
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        parts.append(f"[{draw(TABLES)}]")
        for _ in range(draw(st.integers(0, 3))):
            parts.append(f"{draw(TOML_KEYS)} = {draw(TOML_VALUES)}")
    if draw(st.booleans()):
        parts.append('[[waivers]]\ncheck = "upn-exists"\nsubjects = ["*"]\n'
                     + draw(st.sampled_from(['reason = "r"', 'reason = ""', "expires = 1", 'reason = "r"\nx = 1'])))
    return "\n".join(parts) + "\n"


@FAST
@given(toml_text())
def test_syncready_toml(snap, text):
    cfg = snap.parent / "fuzz.toml"
    cfg.write_bytes(text.encode("utf-8", "surrogatepass"))
    assert_clean(*run(["check", "--snapshot", str(snap), "--config", str(cfg), "--select", "upn-exists"]))


# --- journals ----------------------------------------------------------------------------------------
BEGIN = {"type": "begin", "schema": "syncready/journal/1", "run": "r1", "command": "fix", "sources": {}}
CHANGE = {"check": "mail-primary-smtp", "subject": "a@contoso.com", "target": "onprem", "op": "modify",
          "object": "CN=A,DC=contoso,DC=test", "attribute": "mail", "remove": ["old@contoso.com"],
          "add": ["a@contoso.com"]}
RECORDS = [BEGIN, {"type": "intent", "run": "r1", "seq": 1, "time": "2026-01-01T00:00:00+00:00", "change": CHANGE},
           {"type": "outcome", "run": "r1", "seq": 1, "outcome": "applied", "detail": ""},
           {"type": "end", "run": "r1", "summary": {}}]


@FAST
@given(st.data())
def test_journal(snap, data):
    lines = [json.dumps(r).encode() for r in RECORDS]
    index = data.draw(st.integers(0, len(lines) - 1))
    how = data.draw(st.sampled_from(["value", "line", "truncate", "drop"]))
    if how == "value":
        lines[index] = mutated_json(lines[index].decode(), data.draw)
    elif how == "line":
        lines.insert(index, data.draw(RAW).encode("utf-8", "surrogatepass"))
    elif how == "truncate":
        lines[index] = lines[index][:data.draw(st.integers(0, len(lines[index])))]
    else:
        del lines[index]
    journal = snap.parent / "fuzz.jsonl"
    journal.write_bytes(b"\n".join(lines) + b"\n")
    assert_clean(*run(["undo", str(journal), "--snapshot", str(snap)]))


# --- results files -----------------------------------------------------------------------------------
@FAST
@given(st.data())
def test_results_file(snap, results_text, data):
    fuzz_results(snap, json.loads(results_text), data, [
        ("summary",), ("checks",), ("checks", 0), ("subjects", 0), ("subjects", 0, "results"),
        ("subjects", 0, "readiness"), ("coverage",), ("waivers",), ("sources",), ("summary", "by_check"),
        ("subjects", 1, "cloud"), ("generated",)])


@FAST
@given(st.data())
def test_results_file_schema_2(snap, results_file, data):
    rows = ("tables", 0, "rows")
    fuzz_results(snap, json.loads(results_file.read_text(encoding="utf-8")), data, [
        ("tables",), ("tables", 0), ("tables", 0, "kind"), ("tables", 0, "at"), ("tables", 0, "columns"),
        ("tables", 0, "facts"), ("tables", 0, "facts", "cloud"), ("tables", 0, "subject_fact"),
        ("tables", 0, "usual"), ("tables", 0, "usual", "upn-exists"), rows, (*rows, 0), (*rows, 0, 0),
        (*rows, 0, 2), (*rows, 0, 3), (*rows, 0, 4), (*rows, 0, 4, 5), (*rows, 0, 5), (*rows, 0, 6),
        ("tables", 1, "at"), ("tables", 1, "rows", 0, 4), ("subjects", 0), ("summary",)])


def fuzz_results(snap, doc: dict, data, paths: list[tuple]) -> None:
    """One value of `doc` at one of `paths` replaced by raw JSON text; report and --baseline end cleanly."""
    marker = "@@RAW@@"
    path = data.draw(st.sampled_from(paths))
    target = doc
    try:
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = marker
    except (KeyError, IndexError, TypeError):
        pass
    text = json.dumps(doc).replace(f'"{marker}"', data.draw(RAW), 1)
    bad = snap.parent / "fuzz-results.json"
    bad.write_bytes(text.encode("utf-8", "surrogatepass"))
    out = snap.parent / "fuzz-out"
    command = data.draw(st.sampled_from([
        ["report", str(bad), "--markdown", f"{out}.md", "--junit", f"{out}.xml"],
        ["report", str(bad), "--html", f"{out}.html"],
        ["check", "--snapshot", str(snap), "--baseline", str(bad), "--select", "upn-exists"],
    ]))
    assert_clean(*run(command))
