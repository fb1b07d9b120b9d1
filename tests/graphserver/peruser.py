"""Per-user reads and the hidden object identifier: what Graph keeps outside the user's properties.

* ``GET /{v1.0|beta}/users/{id}/onPremisesSyncBehavior`` answers ``{"isCloudManaged": bool}``: a
  navigation property in both published schemas (never in a ``/users`` page, whatever
  ``$select`` says). Its only permission is ``User-OnPremisesSyncBehavior.ReadWrite.All``; any
  other token gets 403 ``Authorization_RequestDenied``.
* ``GET /{v1.0|beta}/users/{id}/mailboxSettings`` answers the mailboxSettings complex value:
  ``userPurpose`` is the v1.0 string (``user``, ``shared``, ...) and, in beta, an object
  ``{"value": ...}`` as the beta schema has it. Needs ``MailboxSettings.Read`` (or ReadWrite); a
  token without it gets Exchange's 403 ``ErrorAccessDenied``, and so does a user an Exchange
  application access policy puts out of reach (``state.per_user.refused``). A user without an
  Exchange Online mailbox answers 404 ``MailboxNotEnabledForRESTAPI``.
* ``PATCH /beta/users/{id}`` with ``onPremisesObjectIdentifier``: only JSON ``null`` is accepted
  (the value an earlier sync left is cleared; a value answers 400), with
  ``User-OnPremisesSyncBehavior.ReadWrite.All``. The property is in neither published schema, so
  no ``$select`` returns it; ``state.per_user.object_identifiers`` holds it for the tests.

The data is seeded from the user objects of the server's data (the snapshot shape, SPEC §10):
``onPremisesSyncBehavior`` ``{"isCloudManaged": ...}``, ``mailboxSettings`` (a user has a mailbox
exactly when it has one) and ``onPremisesObjectIdentifier`` are taken out of the user objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .messages import GRAPH_JSON, GraphError, Request, Response, dumps
from .odata_query import parse_select
from .schema import MAILBOX_SETTINGS, SYNC_BEHAVIOR
from .tokens import TokenInfo
from .user_update import INVALID_VALUES

if TYPE_CHECKING:
    from .server import GraphServer

SYNC_BEHAVIOR_PERMISSIONS = ("User-OnPremisesSyncBehavior.ReadWrite.All",)
MAILBOX_PERMISSIONS = ("MailboxSettings.Read", "MailboxSettings.ReadWrite")
OBJECT_IDENTIFIER = "onPremisesObjectIdentifier"
NO_MAILBOX = ("MailboxNotEnabledForRESTAPI",
              "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
ACCESS_DENIED = ("ErrorAccessDenied", "Access is denied. Check credentials and try again.")
DENIED = "Insufficient privileges to complete the operation."

# What an Exchange Online mailbox answers besides its purpose (each value as the v1.0 types have it).
_MAILBOX_DEFAULTS = {
    "archiveFolder": None,
    "timeZone": "UTC",
    "dateFormat": "M/d/yyyy",
    "timeFormat": "h:mm tt",
    "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
    "language": {"locale": "en-US", "displayName": "English (United States)"},
    "automaticRepliesSetting": {
        "status": "disabled", "externalAudience": "all", "internalReplyMessage": "", "externalReplyMessage": "",
        "scheduledStartDateTime": {"dateTime": "2026-01-01T00:00:00.0000000", "timeZone": "UTC"},
        "scheduledEndDateTime": {"dateTime": "2026-01-02T00:00:00.0000000", "timeZone": "UTC"},
    },
    "workingHours": {
        "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
        "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000", "timeZone": {"name": "UTC"},
    },
}


class PerUserState:
    """What the server knows per user outside the user object (see the module docstring)."""

    def __init__(self, users: Iterable[dict] = ()) -> None:
        self.cloud_managed: dict[str, bool] = {}
        self.mailboxes: dict[str, dict] = {}
        self.object_identifiers: dict[str, str] = {}
        self.refused: set[str] = set()          # mailboxes an application access policy keeps from the app
        for user in users:
            behavior = user.pop("onPremisesSyncBehavior", None)
            if isinstance(behavior, dict) and behavior.get("isCloudManaged") is not None:
                self.cloud_managed[user["id"]] = bool(behavior["isCloudManaged"])
            settings = user.pop("mailboxSettings", None)
            if isinstance(settings, dict):
                self.set_mailbox(user["id"], settings.get("userPurpose"))
            identifier = user.pop(OBJECT_IDENTIFIER, None)
            if identifier:
                self.object_identifiers[user["id"]] = str(identifier)

    def set_mailbox(self, user_id: str, purpose) -> None:
        """Give the user a mailbox of this purpose (a beta-shaped ``{"value": ...}`` is accepted too)."""
        if isinstance(purpose, dict):
            purpose = purpose.get("value")
        self.mailboxes[user_id] = {**_MAILBOX_DEFAULTS, "userPurpose": purpose or "user"}


class UserNavigation:
    def __init__(self, server: GraphServer) -> None:
        self.server = server

    @staticmethod
    def handles(method: str, version: str, segments: list[str]) -> bool:
        lowered = [s.lower() for s in segments]
        if len(lowered) == 3 and lowered[0] == "users" and method == "GET":
            return lowered[2] in ("onpremisessyncbehavior", "mailboxsettings")
        return version == "beta" and method == "PATCH" and len(lowered) == 2 and lowered[0] == "users"

    def handle(self, request: Request, version: str, segments: list[str], token: TokenInfo) -> Response:
        if request.method == "PATCH":
            return self.patch_beta(request, segments[1], token)
        if segments[2].lower() == "onpremisessyncbehavior":
            return self.sync_behavior(request, version, segments[1], token)
        return self.mailbox_settings(request, version, segments[1], token)

    def _user(self, key: str) -> dict:
        user = self.server.state.sets["users"].lookup(key)
        if user is None:
            raise GraphError(404, "Request_ResourceNotFound", f"Resource '{key}' does not exist or one of its "
                             "queried reference-property objects are not present.")
        return user

    def _context(self, version: str, user: dict, what: str) -> str:
        return f"{self.server.base_url}/{version}/$metadata#users('{user['id']}')/{what}"

    def sync_behavior(self, request: Request, version: str, key: str, token: TokenInfo) -> Response:
        if not token.allows(*SYNC_BEHAVIOR_PERMISSIONS):
            raise GraphError(403, "Authorization_RequestDenied", DENIED)
        user = self._user(key)
        select = _select(request, SYNC_BEHAVIOR)
        value = {"id": user["id"], "isCloudManaged": self.server.state.per_user.cloud_managed.get(user["id"], False)}
        body = {"@odata.context": self._context(version, user, "onPremisesSyncBehavior/$entity")}
        body.update({k: v for k, v in value.items() if select is None or k in select})
        return Response(200, dumps(body), GRAPH_JSON)

    def mailbox_settings(self, request: Request, version: str, key: str, token: TokenInfo) -> Response:
        per_user = self.server.state.per_user
        if not token.allows(*MAILBOX_PERMISSIONS):
            raise GraphError(403, *ACCESS_DENIED)
        user = self._user(key)
        settings = per_user.mailboxes.get(user["id"])
        if user["id"] in per_user.refused:
            raise GraphError(403, *ACCESS_DENIED)
        if settings is None:
            raise GraphError(404, *NO_MAILBOX)
        select = _select(request, MAILBOX_SETTINGS)
        value = dict(settings)
        if version == "beta":
            value["userPurpose"] = {"value": settings["userPurpose"]}
        body = {"@odata.context": self._context(version, user, "mailboxSettings")}
        body.update({k: v for k, v in value.items() if select is None or k in select})
        return Response(200, dumps(body), GRAPH_JSON)

    def patch_beta(self, request: Request, key: str, token: TokenInfo) -> Response:
        """The beta PATCH: onPremisesObjectIdentifier (null only) here, everything else as in v1.0."""
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not any(k.lower() == OBJECT_IDENTIFIER.lower() for k in body):
            return self.server.user_updates.patch(request, key, token)
        if not token.allows(*SYNC_BEHAVIOR_PERMISSIONS):
            raise GraphError(403, "Authorization_RequestDenied", DENIED)
        user = self._user(key)
        name = next(k for k in body if k.lower() == OBJECT_IDENTIFIER.lower())
        if body[name] is not None:
            raise GraphError(400, "Request_BadRequest", INVALID_VALUES)
        rest = {k: v for k, v in body.items() if k != name}
        if rest:
            self.server.user_updates.patch(Request(request.method, request.path, request.query, request.headers,
                                                   dumps(rest), request.request_id), key, token)
        with self.server.write_lock:
            self.server.state.per_user.object_identifiers.pop(user["id"], None)
        return Response(204)


def _select(request: Request, entity) -> tuple[str, ...] | None:
    for name, value in request.params():
        if name.lstrip("$").lower() == "select":
            return parse_select(value, entity)
        if name.startswith("$"):
            raise GraphError(400, "BadRequest", f"The query parameter '{name}' is not supported.")
    return None
