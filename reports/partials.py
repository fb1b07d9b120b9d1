"""Context of the report's partial templates owned apart from the page: the cutover checklist
(checklist.html.j2), the breakdowns (breakdowns.html.j2) and the worklist's columns (for the page's
CSV export, so it writes the columns `--csv` writes).

`Partials.watch` hands the subjects on to the packing while it counts them, so the page still
reads a lazy 100k-subject document once."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from syncready.breakdown import BreakdownBuilder
from syncready.checklist import ChecklistBuilder
from syncready.worklist import COLUMNS

HTML_ITEMS = 200          # per step; the CSV worklist lists every user
HTML_GROUPS = 50          # per breakdown


class _Watched:
    def __init__(self, subjects: Any, partials: Partials):
        self._subjects, self._partials = subjects, partials

    def __len__(self) -> int:
        return len(self._subjects)

    def __iter__(self) -> Iterator[Any]:
        for entry in self._subjects:
            self._partials.add(entry)
            yield entry


class Partials:
    def __init__(self, results: dict):
        self.checklist = ChecklistBuilder(results)
        self.breakdowns = BreakdownBuilder()
        self.results = results

    def add(self, entry: Any) -> None:
        self.checklist.add(entry)
        self.breakdowns.add(entry)

    def watch(self) -> dict:
        """The results with subjects that feed this as they are read (read them exactly once)."""
        return dict(self.results, subjects=_Watched(self.results.get("subjects") or [], self))

    def context(self) -> dict[str, Any]:
        checklist = self.checklist.finish()
        steps = []
        for step in checklist.steps:
            data = step.to_json()
            data["items"] = data["items"][:HTML_ITEMS]
            data["more"] = max(step.total_items - len(data["items"]), 0)
            steps.append(data)
        tables = []
        for table in self.breakdowns.finish():
            data = table.to_json()
            data["more"] = max(len(data["groups"]) - HTML_GROUPS, 0)
            data["groups"] = data["groups"][:HTML_GROUPS]
            tables.append(data)
        return {"cutover_steps": steps, "cutover_waived": checklist.waived, "breakdowns": tables,
                "worklist_columns": [{"key": c.key, "header": c.header, "description": c.description}
                                     for c in COLUMNS]}


def partials_context(results: dict) -> dict[str, Any]:
    """The same context from a document read on its own (one more pass over its subjects)."""
    partials = Partials(results)
    for entry in results.get("subjects") or ():
        partials.add(entry)
    return partials.context()
