"""A fix plan: the changes fixers propose, each invertible and carrying its own precondition.

Every change says exactly which values it removes and which it adds, so that
- the LDAP write can be one modify that deletes the exact old values and adds the new ones (AD
  refuses the whole modify when an old value is no longer there: a conflict, never an overwrite);
- the inverse, for undo, is the same change with `remove` and `add` swapped;
- after a crash, a read of the object tells whether the change happened (add present, remove gone).
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeAlias

from .termtext import escape
from .vocab import Operation, Safety, Target

BINARY_ATTRIBUTES = {"ms-ds-consistencyguid", "objectguid", "msexchmailboxguid"}

Value: TypeAlias = str | bytes | int | None
"""One attribute value: text, binary (GUIDs), a number or flag (bool is an int), or None for Graph's
"no value" — what the journal accepts back (journal.change_from_json)."""


@dataclass
class Change:
    check: str
    subject: str                  # the UPN (or DN) the change is for
    target: Target                # Target.ONPREM | Target.CLOUD
    op: Operation                 # MODIFY, CREATE, DELETE (LDAP) | PATCH (Graph)
    object: str                   # DN, or Graph user id
    attribute: str = ""
    remove: list[Value] = field(default_factory=list)   # values that must be there and go away
    add: list[Value] = field(default_factory=list)      # values that must not be there and are added
    attributes: dict[str, Any] = field(default_factory=dict)  # create: the new object's attributes
    safety: Safety | None = None  # None: the fixer's default (META.safety), set by build_plan
    note: str = ""

    @property
    def id(self) -> str:
        """Stable identity of the change, so a resumed run recognises work already done."""
        key = json.dumps([self.target, self.op, self.object, self.attribute, self.remove, self.add],
                         sort_keys=True, default=str)
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["safety"] = self.safety or Safety.SAFE    # a change made outside a plan is safe, as it always was
        if self.attribute.lower() in BINARY_ATTRIBUTES:
            data["remove"] = [_b64(v) for v in self.remove]
            data["add"] = [_b64(v) for v in self.add]
            data["binary"] = True
        data["id"] = self.id
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        data = dict(data)
        binary = data.pop("binary", False)
        data.pop("id", None)
        if binary:
            for key in ("remove", "add"):
                if key in data:
                    data[key] = [base64.b64decode(v) for v in data[key]]
        return cls(**data)

    def inverse(self) -> Change:
        if self.op == Operation.CREATE:
            return Change(self.check, self.subject, self.target, Operation.DELETE, self.object,
                          attributes={"objectGUID": self.attributes.get("objectGUID")}, safety=self.safety,
                          note=f"undo: delete the user created by {self.check}")
        return Change(self.check, self.subject, self.target, self.op, self.object, self.attribute,
                      remove=list(self.add), add=list(self.remove), safety=self.safety,
                      note=f"undo of {self.check}")

    def describe(self) -> str:
        if self.op == Operation.CREATE:
            shown = {k: v for k, v in self.attributes.items() if k.lower() not in ("unicodepwd", "objectclass")}
            return f"create {self.object} with {json.dumps(shown, ensure_ascii=False, default=str)}"
        if self.op == Operation.DELETE:
            return f"delete {self.object}"
        before, after = show_values(self.remove), show_values(self.add)
        where = "cloud" if self.target == Target.CLOUD else "AD"
        if self.op == Operation.PATCH:
            return f"{where} {self.attribute}: {before or '(empty)'} → {after or '(empty)'}"
        if self.remove and self.add:
            return f"{where} {self.attribute}: {before} → {after}"
        if self.add:
            return f"{where} {self.attribute}: + {after}"
        return f"{where} {self.attribute}: − {before}"


def _b64(value: Value) -> str:
    return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode()


def show_values(values: Iterable[Value]) -> str:
    shown = []
    for value in values:
        if isinstance(value, bytes):
            shown.append("0x" + value.hex())
        elif value is None:
            shown.append("(empty)")
        else:
            shown.append(str(value))
    return ", ".join(shown)


@dataclass
class Manual:
    """A failure no fixer can write: what the administrator has to do, shown in the plan."""

    check: str
    subject: str
    message: str
    guidance: str


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    manual: list[Manual] = field(default_factory=list)
    refused: list[Manual] = field(default_factory=list)   # fixable, but not under these options
    notes: list[str] = field(default_factory=list)        # what the plan rests on: "Not read: ...", "Note: ..."

    def by_subject(self) -> dict[str, list[Change | Manual]]:
        grouped: dict[str, list[Change | Manual]] = {}
        items: list[Change | Manual] = [*self.changes, *self.refused, *self.manual]
        for item in items:
            grouped.setdefault(item.subject, []).append(item)
        return grouped

    def render(self) -> str:
        """The plan for a terminal: one line per change; directory values shown with their control
        characters escaped, so a value cannot add, hide or rewrite lines."""
        lines = [escape(note) for note in self.notes] + ([""] if self.notes else [])
        for subject, items in self.by_subject().items():
            lines.append(escape(subject))
            for item in items:
                if isinstance(item, Change):
                    unsafe = "  [unsafe]" if item.safety == Safety.UNSAFE else ""
                    lines.append(f"  {item.check}: {escape(item.describe())}{unsafe}")
                elif item in self.refused:
                    lines.append(f"  {item.check}: not planned — {escape(item.guidance)}")
                else:
                    lines.append(f"  {item.check}: manual — {escape(item.message)}")
                    lines.append(f"      what to do: {escape(item.guidance)}")
        lines.append("")
        lines.append(f"{len(self.changes)} change(s) for {len({c.subject for c in self.changes})} subject(s); "
                     f"{len(self.manual)} manual step(s); {len(self.refused)} not planned")
        return "\n".join(lines)
