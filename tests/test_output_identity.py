"""Performance work must not change a byte of what syncready says (issue 14's "Done when").

Every output of `syncready check` — results JSON, Markdown, JUnit, CSV, HTML and the terminal
summary (the run's time and the folders aside) — on the demo and on a generated 10k directory,
pinned by SHA-256 digests recorded from main before the performance work (commit ed88080). A
digest that changes means an output changed: if the change is intended (a check's message, a new
field), record the new digests with `python -m tests.test_output_identity` and say why in the commit.

The results JSON's default layout became schema 2 (syncready/resulttables.py) in the fourth pass:
its own digest is new, and "json-schema-1" — the schema 2 file turned back into schema 1 by
`syncready report --json-schema 1` — is pinned to the digest schema 1 had, so the tables hold
exactly the information of the objects they replace, field for field and in order. Likewise
"html-data" pins what the page's embedded data says, decoded (tests/pagedata.py: every subject's
results, facts, hints and department, and the header), apart from how it is packed: a change of
the page's packing or script re-records "html" but must keep "html-data".
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

from bench.synthetic import generate
from tests.clirun import run_main
from tests.pagedata import digest_input

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "contoso"
SHOWN_TIME = re.compile(r"\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC")    # the HTML header's "01 Dec 2026, 15:38 UTC"
OUTPUTS = ("json", "markdown", "junit", "csv", "html")

# recorded by running this file as a script (see the module docstring)
DIGESTS: dict[str, dict[str, str]] = {
    "example": {
        "json": "7a5d505d78932014cee2057ac611418ed3d02ddbc3906f906218de4fc2f38fdb",
        "json-schema-1": "7fa0f1a83c3754b7463292df857a589af618bf5fba3d9abd7ec9ef07d69ea5fe",
        "markdown": "a9ffcf676ae1aacd2a6391eaf0718591536b105b9ef9584903ac6af87943a5d5",
        "junit": "8d25dba502f073de8892a48383cf27b5de71b5ec3c7b6e2146a33232350051ba",
        "csv": "8f50c1abbab704a33913b44127ce96a1060c9fa69fd232122197e7a585ace850",
        "html": "625fff27256bd383721419b6e9e8841840486961626d04e85a32f4d9d001ffc4",
        "html-data": "dc971250938e93d946b0247ae8825627b99e78a24391dcfb497d11a04176c190",
        "terminal": "2042ba358af4bdd9730109ac29a2e2309e27d99baa019bce22edadc05ed586a5",
    },
    "generated 10k": {
        "json": "de473cee0b4350ecfe8ffb0c903ac046c6dcf6b9bfe61ab818a06939dc2dafae",
        "json-schema-1": "ff5bca780ede0c687c609c1d3324b06e72a90aebfc4148eb1a00ebbb3e33e35f",
        "markdown": "5c8cbb4512076c7ae329c854b276366f279799fd113037ba72701901b1f8c625",
        "junit": "a7df724a20d8d4666ea0a4774aed963875b5d07f0d8c28b397ce5f1907ca4bc1",
        "csv": "461bdc565ffca97ec633f1f53871d680666ec42f5fe0e76b42994be999e856df",
        "html": "0717c3f887d72282349803a774e50383964afd9e0416379b2de7bdea1a55c625",
        "html-data": "11a4c33e1f73e4a10c45f0ef7049586c7bd05aed40fda4270bd2fd7090492353",
        "terminal": "ddb3ef74e30139e6654b3a8e71939623f79fb0f27cff3dd67a423c6203f7325e",
    },
}


def outputs(snapshot: Path, config: Path | None, folder: Path) -> dict[str, str]:
    """SHA-256 of each output of one `syncready check` run, the run's time and the folders replaced by names."""
    args = ["check", "--snapshot", snapshot, "--fail-on", "never"]
    if config is not None:
        args += ["--config", config]
    for name in OUTPUTS:
        args += [f"--{name}", folder / f"out.{name}"]
    proc = run_main(*args)
    assert proc.returncode == 0, proc.stderr
    texts = {name: (folder / f"out.{name}").read_text(encoding="utf-8") for name in OUTPUTS}
    texts["terminal"] = proc.stdout
    back = run_main("report", folder / "out.json", "--json", folder / "out.schema1.json", "--json-schema", "1")
    assert back.returncode == 0, back.stderr
    texts["json-schema-1"] = (folder / "out.schema1.json").read_text(encoding="utf-8")
    texts["html-data"] = digest_input(texts["html"])
    generated = json.loads(texts["json"])["generated"]
    texts = {name: SHOWN_TIME.sub("SHOWN", text).replace(generated, "GENERATED")
             .replace(str(snapshot), "SNAPSHOT").replace(str(folder), "OUT") for name, text in texts.items()}
    return {name: hashlib.sha256(text.encode()).hexdigest() for name, text in texts.items()}


def cases(tmp: Path) -> dict[str, tuple[Path, Path | None]]:
    generated = tmp / "gen10k"
    if not generated.exists():
        generate(generated, 10_000, seed=14)
    return {"example": (EXAMPLE, EXAMPLE / "syncready.toml"), "generated 10k": (generated, None)}


@pytest.mark.parametrize("case", ["example", pytest.param("generated 10k", marks=pytest.mark.slow)])
def test_outputs_are_byte_identical_to_before(case, tmp_path):
    snapshot, config = cases(tmp_path)[case]
    assert outputs(snapshot, config, tmp_path) == DIGESTS[case]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        recorded = {case: outputs(snap, cfg, Path(tmp)) for case, (snap, cfg) in cases(Path(tmp)).items()}
    json.dump(recorded, sys.stdout, indent=4)
    print()
