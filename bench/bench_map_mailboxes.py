"""mailbox_from_exo over cloud/mailboxes.json's records: a baseline tree's exomap against this one's,
in the same process, alternating (CPU seconds, least of the repeats; the records are decoded once,
the garbage collector paused as read_snapshot pauses it).

    python bench/bench_map_mailboxes.py --snapshot /tmp/bk/snap100000 --baseline /tmp/base [--repeat 5]
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path

from bench_map_users import _graphmap, arguments, compare

HERE = Path(__file__).resolve().parent.parent


def _exomap(tree: Path, name: str):
    """The exomap module of a source tree and that tree's map_records (its graphmap, loaded as
    bench_map_users loads it, imports the tree's package, from which exomap then comes)."""
    graphmap = _graphmap(tree, name)
    module = importlib.import_module("syncready.sources.exomap")
    assert Path(module.__file__).is_relative_to(tree), module.__file__
    return module, graphmap.map_records


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv, __doc__.splitlines()[0])
    records = json.loads((args.snapshot / "cloud" / "mailboxes.json").read_text(encoding="utf-8-sig"))
    trees = {"baseline": _exomap(args.baseline.resolve(), "_base_graphmap"), "now": _exomap(HERE, "_now_graphmap")}
    return compare("mailbox_from_exo", "Mailboxes", records, args.repeat,
                   {name: (module.mailbox_from_exo, map_records) for name, (module, map_records) in trees.items()})

if __name__ == "__main__":
    raise SystemExit(main())
