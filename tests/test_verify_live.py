"""syncready verify against the Graph test server: check live → the server's simulated first export
(server.first_export, tests/graphserver/firstexport.py) → verify live, through the real msgraph-sdk."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clirun import run_main  # noqa: E402
from fixtures_graph import CONTOSO  # noqa: E402

from syncready.sources.ldif import iter_ldif  # noqa: E402
from syncready.verifyrules import Outcome  # noqa: E402

SCOPE = ["OU=Staff,DC=contoso,DC=test", "OU=Contractors,DC=contoso,DC=test"]


def _live(server, *args: str):
    return run_main(*args, "--graph-url", server.url, "--auth", "token", "--snapshot", str(CONTOSO), "-q",
                    env={"SYNCREADY_GRAPH_TOKEN": server.token})


def test_check_first_export_verify_live(fresh_graph_server, tmp_path):
    server = fresh_graph_server
    results, verified = tmp_path / "results.json", tmp_path / "verify.json"
    proc = _live(server, "check", "--json", str(results))
    assert proc.returncode in (0, 1), proc.stderr
    proc = _live(server, "verify", "--expected", str(results), "--json", str(verified))
    assert proc.returncode == 0, proc.stderr                    # before the sync: pending only
    assert json.loads(verified.read_text())["summary"]["by_outcome"]["not-exported"] > 0

    log = server.first_export.run(list(iter_ldif(CONTOSO / "onprem" / "ad.ldif")), include=SCOPE)
    proc = _live(server, "verify", "--expected", str(results), "--json", str(verified))
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(verified.read_text())
    outcomes = {f["onprem_dn"]: f["outcome"] for f in doc["findings"]
                if f.get("onprem_dn") and f["outcome"] in (Outcome.MATCHED, Outcome.DUPLICATE, Outcome.CREATED)}
    assert {dn for dn, o in outcomes.items() if o == Outcome.MATCHED} <= set(log.joined)
    assert {dn for dn, o in outcomes.items() if o in (Outcome.DUPLICATE, Outcome.CREATED)} == set(log.created)
    errors = [f for f in doc["findings"] if f["outcome"] == Outcome.PROVISIONING_ERROR]
    assert errors and all(f["error"] == "AttributeValueMustBeUnique" for f in errors)
    assert doc["sources"]["cloud"] == f"graph:{server.url}"
