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
        "json": "58186d1d9c3efac27ce36e44b63bfa03711d0df69e266c0742241984a76a5bb7",
        "json-schema-1": "bbb50599820b840a409844840182a878bc553e83e0f0254b2c4f745de524fde7",
        "markdown": "1d2e99db5ee17e5c37f51c34f22e36f45ed8ef34bed00ef6bcbe9a69cec9d36c",
        "junit": "073881027dcd6d5bd36fa509d4debc6db9cdbc54e0e005288ed623dd46a2c7c1",
        "csv": "c47dc6ea708bc6e53a890744e9ed5a4fa1977aadfba55227da57f3a70ef5785b",
        "html": "14f9f6af2da3e0006e059d8ef872a8d62e361e6baff42c39fe8f854ba104ed45",
        "html-data": "7a3b553f073598f672827d3811b4216c16b9ffc530ff3f96b08056ad3b5505f8",
        "terminal": "2042ba358af4bdd9730109ac29a2e2309e27d99baa019bce22edadc05ed586a5",
    },
    "generated 10k": {
        "json": "815888573e73204017479a2d143ca91c7897fe2d3b08bba987d47bd8d50eddf0",
        "json-schema-1": "f08ad7e74ef7af92da791dd960775e455b14474598cbebeeae55d5b1f8fcd314",
        "markdown": "228520863c15d793d5f7b5e4af09c7a989150f321b8c37c722f9ba81a4aa83a6",
        "junit": "19f9c526e10788cef158b76e05b8e71a4a1d607a4845ca2a9b8c49d764e30a33",
        "csv": "fd5df8a5ae8f59501215a7cc73f74cd4339686f325553c3c8e22a955a24f0afe",
        "html": "d24212d1efb3f76e08ef2f31d8d21080f50f465241f0dde4cdc38c920cc325fe",
        "html-data": "d5df4f81de0530808c96ccb7a636c005ef8d1456569c4e844ca009c7b0029dff",
        "terminal": "02eeb812634f6b099d61bd9f5570e70df90db1050063b253cb31b4f8a1ac7ad3",
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
