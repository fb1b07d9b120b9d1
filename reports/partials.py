"""Context of the report's partial templates owned apart from the page: the cutover checklist
(checklist.html.j2), the breakdowns (breakdowns.html.j2) and the worklist's columns (for the page's
CSV export, so it writes the columns `--csv` writes).

The HTML packing gives each subject to `add` (an entry) or `add_facts` (a schema 2 row, no entry
made) as it packs it, so the page still reads a lazy 100k-subject document once."""
from __future__ import annotations

from typing import Any

from syncready.breakdown import BreakdownBuilder
from syncready.checklist import ChecklistBuilder
from syncready.vocab import SubjectKind
from syncready.worklist import COLUMNS, place

HTML_ITEMS = 200          # per step; the CSV worklist lists every user
HTML_GROUPS = 50          # per breakdown


class Partials:
    def __init__(self, results: dict):
        self.checklist = ChecklistBuilder(results)
        self.breakdowns = BreakdownBuilder()

    def add(self, entry: Any) -> None:
        self.checklist.add(entry)
        self.breakdowns.add(entry)

    def add_facts(self, name: str, kind: str, readiness: Any, synced: bool, results: dict, has_onprem: bool,
                  immutable_id: Any, dn: Any, upn: Any, department: Any) -> None:
        """What `add` takes from an entry, given without one (a schema 2 row): see
        ChecklistBuilder.add_subject and BreakdownBuilder.count."""
        if synced:
            return
        kind = kind or SubjectKind.CLOUD_USER
        self.checklist.add_subject(name, kind, results, has_onprem, immutable_id)
        if kind == SubjectKind.CLOUD_USER:
            self.breakdowns.count(readiness, place(dn, upn, department))

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
