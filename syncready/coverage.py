"""What was read (SPEC §8): per collection, read with a count, empty by declaration, or not read.

Readers record here what they read and what they could not; checks declare their inputs as
collection names, optionally with a property (`"users.proxyAddresses"`, `"adUsers.mail"`), and the
engine turns a check whose inputs were not read into `error` instead of letting it pass.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class CoverageStatus(StrEnum):
    READ = "read"
    EMPTY = "empty"            # stated empty by the administrator ([sources] known_empty)
    NOT_READ = "not-read"


class Collection(StrEnum):
    """The collections a check can depend on; the values are the snapshot file stems."""

    USERS = "users"
    GROUPS = "groups"
    CONTACTS = "contacts"
    DOMAINS = "domains"
    SYNC = "sync"
    ROLE_ASSIGNMENTS = "roleAssignments"
    ROLE_ELIGIBILITY = "roleEligibilitySchedules"
    GROUP_MEMBERS = "groupMembers"
    MAILBOXES = "mailboxes"
    AD_USERS = "adUsers"
    AD_GROUPS = "adGroups"
    AD_CONTACTS = "adContacts"


@dataclass(slots=True)
class CollectionCoverage:
    status: CoverageStatus
    count: int | None = None
    reason: str | None = None                  # why it was not read
    how: str | None = None                     # how to read it (permission, export command, file)
    source: str | None = None                  # file or endpoint it came from (no secrets)
    missing: tuple[str, ...] = ()              # properties absent (or empty) in all its records: not selected

    def to_json(self) -> dict:
        out: dict = {"status": str(self.status)}
        for key in ("count", "reason", "how", "source"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.missing:
            out["missing_properties"] = list(self.missing)
        return out


@dataclass
class Coverage:
    """Per collection what was read. `default` answers for collections no reader mentioned: readers
    start from NOT_READ; a Directory built in memory (tests, generators) is complete by construction."""

    default: CoverageStatus = CoverageStatus.READ
    collections: dict[str, CollectionCoverage] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)   # warnings about what was read (e.g. every value empty)

    @classmethod
    def from_reader(cls) -> Coverage:
        return cls(default=CoverageStatus.NOT_READ)

    def read(self, name: str, count: int, source: str | None = None, missing: Iterable[str] = ()) -> None:
        self.collections[name] = CollectionCoverage(CoverageStatus.READ, count, source=source,
                                                    missing=tuple(sorted(set(missing))))

    def not_read(self, name: str, reason: str, how: str | None = None, source: str | None = None) -> None:
        self.collections[name] = CollectionCoverage(CoverageStatus.NOT_READ, reason=reason, how=how, source=source)

    def declare_empty(self, names: Iterable[str]) -> None:
        """[sources] known_empty: a collection that was not read is taken as empty; one that was read
        keeps what was read (the declaration is then moot)."""
        for name in (names,) if isinstance(names, str) else names:
            if self.get(name).status is not CoverageStatus.READ:
                self.collections[name] = CollectionCoverage(CoverageStatus.EMPTY, 0, reason="declared empty")

    def update(self, other: Coverage) -> None:
        """Take over what `other` recorded (its collections win), e.g. a live part after a snapshot part."""
        self.collections.update(other.collections)
        self.notes.extend(n for n in other.notes if n not in self.notes)

    def get(self, name: str) -> CollectionCoverage:
        found = self.collections.get(name)
        if found is not None:
            return found
        return CollectionCoverage(self.default, reason=None if self.default is not CoverageStatus.NOT_READ
                                  else "not read")

    def usable(self, name: str) -> bool:
        return self.get(name).status is not CoverageStatus.NOT_READ

    def unread(self, inputs: Iterable[str]) -> list[str]:
        """What of these inputs (`collection` or `collection.property`) was not read, each as a phrase
        naming it and how to get it; empty when every input was read."""
        problems: list[str] = []
        for item in inputs:
            name, _, prop = item.partition(".")
            entry = self.get(name)
            if entry.status is CoverageStatus.NOT_READ:
                text = f"{name} ({entry.reason or 'not read'}"
                problems.append(text + (f"; {entry.how})" if entry.how else ")"))
            elif prop and prop in entry.missing:
                problems.append(f"{name}.{prop} (absent or empty in every record: not selected in the export)")
            elif prop and (own := self.collections.get(item)) is not None and own.status is CoverageStatus.NOT_READ:
                # a per-user read refused for some users (SPEC §10): the reader recorded the property itself
                problems.append(f"{item} ({own.reason or 'not read'}" + (f"; {own.how})" if own.how else ")"))
        return list(dict.fromkeys(problems))

    def to_json(self) -> dict:
        """The `collections` and `notes` of the results JSON `coverage` object."""
        return {"collections": {name: entry.to_json() for name, entry in sorted(self.collections.items())},
                "notes": list(self.notes)}
