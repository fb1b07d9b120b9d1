"""Where the blocked users are: cloud users counted per AD OU, department and UPN domain.

From a results document; a group's counts are people (cloud users in scope, the already synchronized
ones left out), sorted by blocked, then at risk, so the OU to start with is the first row.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .vocab import Readiness
from .worklist import cloud_entries, is_cloud_entry, subject_facts

DIMENSIONS: tuple[tuple[str, str], ...] = (("ad_ou", "AD OU"), ("department", "Department"),
                                           ("upn_domain", "UPN domain"))
NONE = "(none)"


@dataclass
class Group:
    name: str
    ready: int = 0
    at_risk: int = 0
    blocked: int = 0

    @property
    def total(self) -> int:
        return self.ready + self.at_risk + self.blocked


@dataclass
class Breakdown:
    key: str
    label: str
    groups: list[Group] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label,
                "groups": [{"name": g.name, "ready": g.ready, "at_risk": g.at_risk, "blocked": g.blocked,
                            "total": g.total} for g in self.groups]}


def breakdowns(doc: Mapping[str, Any]) -> list[Breakdown]:
    """One Breakdown per dimension; a dimension with no value on any user (department not read) is left out."""
    builder = BreakdownBuilder()
    for entry in cloud_entries(doc, results=False):
        builder.add(entry)
    return builder.finish()


class BreakdownBuilder:
    """The counts one subject at a time (any subject may be given: only cloud users count)."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Group]] = {key: {} for key, _ in DIMENSIONS}

    def add(self, entry: Any) -> None:
        if not is_cloud_entry(entry) or entry.get("already_synchronized"):
            return
        self.count(entry.get("readiness"), subject_facts(entry))

    def count(self, readiness: Any, facts: dict[str, str]) -> None:
        """A cloud user not already synchronized, by its readiness and worklist.subject_facts."""
        for key, _ in DIMENSIONS:
            name = facts[key] or NONE
            table, folded = self.tables[key], name.lower()
            group = table.get(folded)
            if group is None:
                group = table[folded] = Group(name)
            if readiness == Readiness.READY:
                group.ready += 1
            elif readiness == Readiness.AT_RISK:
                group.at_risk += 1
            else:
                group.blocked += 1

    def finish(self) -> list[Breakdown]:
        out = []
        for key, label in DIMENSIONS:
            groups = sorted(self.tables[key].values(), key=lambda g: (-g.blocked, -g.at_risk, g.name.lower()))
            if groups and not (len(groups) == 1 and groups[0].name == NONE):
                out.append(Breakdown(key, label, groups))
        return out
