"""Carries out on-prem changes over an ldap3 connection, each as one modify with its precondition.

A multi-valued attribute is never replaced: the modify deletes the exact old values and adds the
new ones, so AD itself refuses it (noSuchAttribute, attributeOrValueExists) when the object changed
since the plan was made. That refusal is reported as a conflict and nothing is written.
"""
from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
import string
from collections.abc import Callable, Sequence
from typing import Any

from ldap3 import BASE, MODIFY_ADD, MODIFY_DELETE, Connection
from ldap3.core.exceptions import (
    LDAPException,
    LDAPSocketOpenError,
    LDAPSocketReceiveError,
    LDAPSessionTerminatedByServerError,
)

from ..atomic import open_owner_only, readable_by_others
from ..plan import Change, Value
from ..sources.admap import BINARY_ATTRIBUTES
from .base import Conflict, ConnectionLost, WriteFailed, state_of

CONFLICT_CODES = {16: "a value to remove is no longer there", 20: "a value to add is already there",
                  32: "the object no longer exists", 68: "the object already exists"}
LOST = (LDAPSocketOpenError, LDAPSocketReceiveError, LDAPSessionTerminatedByServerError)


class LdapWriter:
    def __init__(self, connection: Connection, password_file: str | os.PathLike[str] | None = None) -> None:
        self.conn = connection
        self.password_file = password_file

    def read(self, dn: str, attributes: list[str]) -> dict[str, list[bytes]] | None:
        """The object's raw values by lower-cased attribute name; None when there is no such object."""
        try:
            ok = self.conn.search(dn, "(objectClass=*)", search_scope=BASE, attributes=attributes)
        except LOST as exc:
            raise ConnectionLost(f"connection to the DC lost while reading {dn}: {exc}") from None
        except LDAPException as exc:
            raise WriteFailed(f"cannot read {dn}: {exc}") from None
        if not ok or not self.conn.response:
            return None
        raw = self.conn.response[0].get("raw_attributes", {})
        return {name.lower(): list(values) for name, values in raw.items()}

    def current(self, change: Change) -> Sequence[Value]:
        found = self.read(change.object, [change.attribute])
        if found is None:
            return []
        values = found.get(change.attribute.lower(), [])
        if change.attribute.lower() in BINARY_ATTRIBUTES:
            return values
        return [v.decode("utf-8") for v in values]

    def state(self, change: Change) -> str:
        if change.op == "create":
            return "after" if self.read(change.object, ["objectGUID"]) is not None else "before"
        if change.op == "delete":
            return "before" if self.read(change.object, ["objectGUID"]) is not None else "after"
        return state_of(change, self.current(change))

    def apply(self, change: Change) -> dict[str, Any]:
        if change.op == "modify":
            return self._modify(change)
        if change.op == "create":
            return self._create(change)
        if change.op == "delete":
            return self._delete(change)
        raise WriteFailed(f"an LDAP writer cannot {change.op}")

    def _modify(self, change: Change) -> dict[str, Any]:
        ops: list[tuple[str, list[Value]]] = []
        if change.remove:
            ops.append((MODIFY_DELETE, [v for v in change.remove]))
        if change.add:
            ops.append((MODIFY_ADD, [v for v in change.add]))
        self._call(self.conn.modify, change.object, {change.attribute: ops})
        return {}

    def _create(self, change: Change) -> dict[str, Any]:
        attributes = dict(change.attributes)
        if self.password_file:
            secret = new_password()
            save_password(self.password_file, change.object, attributes.get("sAMAccountName", ""), secret)
            attributes["unicodePwd"] = f'"{secret}"'.encode("utf-16-le")
            attributes["userAccountControl"] = "512"
        else:
            attributes["userAccountControl"] = "514"
        self._call(self.conn.add, change.object, attributes=attributes)
        created = self.read(change.object, ["objectGUID"]) or {}
        guid = created.get("objectguid", [b""])[0]
        return {"created_guid": base64.b64encode(guid).decode()}

    def _delete(self, change: Change) -> dict[str, Any]:
        expected = change.attributes.get("objectGUID")
        found = self.read(change.object, ["objectGUID"])
        if found is None:
            raise Conflict(f"{change.object} no longer exists")
        guid = base64.b64encode(found.get("objectguid", [b""])[0]).decode()
        if expected and guid != expected:
            raise Conflict(f"{change.object} is now a different object (objectGUID {guid}); not deleted")
        self._call(self.conn.delete, change.object)
        return {}

    def guid_of(self, dn: str) -> str | None:
        found = self.read(dn, ["objectGUID"])
        return base64.b64encode(found["objectguid"][0]).decode() if found and found.get("objectguid") else None

    def created_after(self, dn: str, moment: dt.datetime) -> bool:
        """Whether the object at dn was created at or after moment (to recognise our own creation)."""
        found = self.read(dn, ["whenCreated"])
        if not found or not found.get("whencreated"):
            return False
        stamp = found["whencreated"][0].decode()[:14]
        created = dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
        return created >= moment.replace(microsecond=0) - dt.timedelta(seconds=1)

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            ok = method(*args, **kwargs)
        except LOST as exc:
            raise ConnectionLost(f"connection to the DC lost: {exc}") from None
        except LDAPException as exc:
            raise WriteFailed(str(exc)) from None
        if ok:
            return
        result = self.conn.result or {}
        code, text = result.get("result"), result.get("description", "")
        message = f"{text} ({code}) {result.get('message', '')}".strip()
        if code in CONFLICT_CODES:
            raise Conflict(f"{CONFLICT_CODES[code]}: {message}")
        raise WriteFailed(message)


def new_password(length: int = 24) -> str:
    """Random, and meeting AD complexity: upper, lower, digit and symbol all present."""
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "!#%+-.=?@^_~"]
    alphabet = "".join(classes)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in group for c in candidate) for group in classes):
            return candidate


def save_password(path: str | os.PathLike[str], dn: str, sam: str, secret: str) -> None:
    """Appends to a file only its owner can read; refuses a file others can read (on Windows, where
    modes are not access control, the folder's ACL applies and a warning says so: atomic.py)."""
    fd = open_owner_only(path, "password file")
    try:
        if readable_by_others(fd):
            raise WriteFailed(f"password file {path} is readable by others; make it mode 600 first")
        os.write(fd, f"{dn}\t{sam}\t{secret}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)
