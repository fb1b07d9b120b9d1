"""The CSV worklist (one row per cloud user, guarded cells, UTF-8 with BOM, atomic) and the
breakdowns by AD OU, department and UPN domain."""
from __future__ import annotations

import csv
import io
import json
import re

from builders import cloud, directory, onprem
from hypothesis import given
from hypothesis import strategies as st
from test_checklist import built, demo  # noqa: F401  (the demo results fixture)

from clirun import run_main
from syncready.breakdown import breakdowns
from syncready.cli import EXAMPLES
from syncready.worklist import COLUMNS, FORMULA_STARTS, columns_json, guard, parent_dn, worklist_rows, write_csv

BOM = b"\xef\xbb\xbf"


@given(st.text())
def test_guarded_cell_round_trips_and_never_starts_a_formula(text):
    cell = guard(text)
    assert cell in (text, "'" + text)
    assert not cell.startswith(FORMULA_STARTS)
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow([cell, "x"])
    assert next(csv.reader(io.StringIO(buffer.getvalue(), newline=""))) == [cell, "x"]


def read_back(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM) and not raw[3:].startswith(BOM)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_one_row_per_cloud_user_with_hostile_names(tmp_path):
    d = directory([cloud("eve@contoso.com", display_name='=HYPERLINK("http://x","click")'),
                   cloud("zoë@contoso.com", display_name="@SUM(1+1)")],
                  [onprem("eve@contoso.com", mail="other@contoso.com", cn="Eve\\, Evil", ou="OU=Sales")])
    doc = built(d)
    path = tmp_path / "w.csv"
    write_csv(doc, path)
    rows = read_back(path)
    assert rows[0] == [c.header for c in COLUMNS]
    by_upn = {r[0]: dict(zip([c.key for c in COLUMNS], r, strict=True)) for r in rows[1:]}
    assert set(by_upn) == {"eve@contoso.com", "zoë@contoso.com"}
    eve = by_upn["eve@contoso.com"]
    assert eve["display_name"] == "'" + '=HYPERLINK("http://x","click")'
    assert by_upn["zoë@contoso.com"]["display_name"] == "'@SUM(1+1)"
    assert eve["readiness"] == "blocked" and "mail-primary-smtp" in eve["failing_checks"].split(", ")
    assert "syncready fix --select mail-primary-smtp" in eve["what_to_do"]
    assert eve["ad_ou"] == "OU=Sales,DC=contoso,DC=test" and eve["upn_domain"] == "contoso.com"
    assert by_upn["zoë@contoso.com"]["ad_ou"] == "(no AD user)"
    assert list(tmp_path.iterdir()) == [path]          # atomic: no temporary file left beside it


def test_demo_worklist_and_columns(demo, tmp_path):  # noqa: F811
    rows = list(worklist_rows(demo))
    assert len(rows) == sum(1 for s in demo["subjects"] if s["kind"] == "cloud-user")
    assert [c["key"] for c in json.loads(columns_json())] == [c.key for c in COLUMNS]
    assert any(r["department"] for r in rows)          # the example reads department (a [drift] pair)
    blocked = [r for r in rows if r["readiness"] == "blocked"]
    assert blocked and all(r["failing_checks"] and r["what_to_do"] for r in blocked)


def test_check_and_report_write_the_csv(tmp_path):
    contoso = EXAMPLES / "contoso"
    out, results = tmp_path / "w.csv", tmp_path / "r.json"
    done = run_main("check", "--snapshot", str(contoso), "--config", str(contoso / "syncready.toml"),
                    "--csv", str(out), "--json", str(results), "-q")
    assert done.returncode in (0, 1), done.stderr
    assert f"wrote CSV worklist: {out}" in done.stdout
    again = tmp_path / "again.csv"
    assert run_main("report", str(results), "--csv", str(again)).returncode == 0
    assert read_back(out) == read_back(again)


def test_parent_dn_keeps_escaped_commas():
    assert parent_dn("CN=Baker\\, Quinn,OU=Staff,DC=x") == "OU=Staff,DC=x"
    assert parent_dn("DC=x") == "DC=x"


_FIRST_RDN = re.compile(r"(?:\\.|[^\\,])*,(.*)", re.DOTALL)     # escaped pairs and plain characters, then a comma


def _parent_by_pattern(dn: str) -> str:
    """parent_dn's rule as a pattern: a backslash escapes the next character; the first other comma ends the RDN."""
    found = _FIRST_RDN.match(dn)
    return found.group(1).strip() if found else dn


@given(st.lists(st.sampled_from(["CN=a", "OU=b", ",", "\\", "\\,", " ", "=", "é"]), max_size=12).map("".join)
       | st.text())
def test_parent_dn_follows_the_escaping_rule(dn):
    assert parent_dn(dn) == _parent_by_pattern(dn)


def test_breakdowns_sorted_by_blocked(demo):  # noqa: F811
    tables = {t.key: t for t in breakdowns(demo)}
    assert set(tables) == {"ad_ou", "department", "upn_domain"}
    counted = [s for s in demo["subjects"] if s["kind"] == "cloud-user" and not s.get("already_synchronized")]
    for table in tables.values():
        assert sum(g.total for g in table.groups) == len(counted)
        keys = [(-g.blocked, -g.at_risk) for g in table.groups]
        assert keys == sorted(keys)
    blocked = sum(1 for s in counted if s["readiness"] == "blocked")
    assert sum(g.blocked for g in tables["upn_domain"].groups) == blocked
