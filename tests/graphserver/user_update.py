"""``PATCH /users/{id}``: JSON merge of the body into the user, with Graph's refusals.

* needs ``User.ReadWrite.All`` or ``Directory.ReadWrite.All`` (else 403);
* read-only properties (``proxyAddresses``, ``onPremisesSyncEnabled``, ...) answer 400
  "Property 'x' is read-only and cannot be set.";
* a synchronized user (``onPremisesSyncEnabled`` true) refuses properties sync masters, including
  ``onPremisesImmutableId``: "Unable to update the specified properties for objects that have
  originated within an external service.";
* ``onPremisesImmutableId`` on a user whose UPN is in a federated domain is refused (Graph's
  wording for this case is not documented; the server uses its generic invalid-value message),
  as is moving a user into a federated domain without an ImmutableID;
* an ``onPremisesImmutableId`` or ``userPrincipalName`` another user holds answers 400 with the
  ``ObjectConflict`` details Graph sends;
* JSON ``null`` clears a property. Success is ``204 No Content``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from . import schema
from .messages import GraphError, Request, Response
from .tokens import TokenInfo

if TYPE_CHECKING:
    from .server import GraphServer

WRITE_PERMISSIONS = ("User.ReadWrite.All", "Directory.ReadWrite.All")
INVALID_VALUES = "One or more properties contains invalid values."


def _conflict(prop: str, other_id: str) -> GraphError:
    message = f"Another object with the same value for property {prop} already exists."
    return GraphError(
        400,
        "Request_BadRequest",
        message,
        details=[
            {"code": "ObjectConflict", "message": message, "target": prop},
            {"code": "ConflictingObjects", "message": message, "target": f"User_{other_id}"},
        ],
    )


class UserUpdates:
    def __init__(self, server: GraphServer) -> None:
        self.server = server

    def patch(self, request: Request, key: str, token: TokenInfo) -> Response:
        if not token.allows(*WRITE_PERMISSIONS):
            raise GraphError(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        state = self.server.state
        users = state.sets["users"]
        user = users.lookup(key)
        if user is None:
            raise GraphError(
                404,
                "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        changes = self._body(request)
        with self.server.write_lock:
            self._validate(user, changes)
            old = user.get("onPremisesImmutableId")
            state.replication.written(user["id"], user)
            user.update(changes)
            users.immutable_changed(user["id"], old, user.get("onPremisesImmutableId"))
            users.invalidate(keep_immutable=True)
        return Response(204)

    @staticmethod
    def _body(request: Request) -> dict:
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise GraphError(
                400,
                "BadRequest",
                "Unable to read JSON request payload. Please ensure Content-Type header is set "
                "and payload is of valid JSON format.",
            )
        changes = {}
        for name, value in body.items():
            if name.startswith("@odata."):
                continue
            canonical = schema.USER.canonical(name)
            if canonical is None and not schema.USER.is_extension(name):
                raise GraphError(400, "Request_BadRequest", f"Invalid property '{name}'.")
            changes[canonical or name] = value
        return changes

    def _validate(self, user: dict, changes: dict) -> None:
        state = self.server.state
        for name in changes:
            if name in schema.READ_ONLY_USER_PROPERTIES or name in schema.USER.navigation:
                raise GraphError(
                    400, "Request_BadRequest", f"Property '{name}' is read-only and cannot be set."
                )
        if user.get("onPremisesSyncEnabled") is True and any(
            name in schema.SYNC_MASTERED_USER_PROPERTIES for name in changes
        ):
            raise GraphError(
                400,
                "Request_BadRequest",
                "Unable to update the specified properties for objects that have originated "
                "within an external service.",
            )
        for name, value in changes.items():
            if value is None and name in ("userPrincipalName", "accountEnabled", "displayName"):
                raise GraphError(400, "Request_BadRequest", INVALID_VALUES)
            if name in schema.USER.strings and value is not None and not isinstance(value, str):
                raise GraphError(
                    400,
                    "BadRequest",
                    f"Cannot convert the literal '{value}' to the expected type 'Edm.String'.",
                )
        new_upn = changes.get("userPrincipalName")
        if new_upn is not None:
            self._check_upn(user, new_upn)
        if "onPremisesImmutableId" in changes:
            immutable_id = changes["onPremisesImmutableId"]
            if immutable_id is not None:
                if self._federated(user.get("userPrincipalName")):
                    raise GraphError(400, "Request_BadRequest", INVALID_VALUES)
                others = state.sets["users"].immutable_holders(immutable_id) - {user["id"]}
                if others:
                    raise _conflict("onPremisesImmutableId", min(others))
        if new_upn is not None and self._federated(new_upn) and not self._federated(
            user.get("userPrincipalName")
        ):
            anchor = changes.get("onPremisesImmutableId", user.get("onPremisesImmutableId"))
            if not anchor:
                raise GraphError(400, "Request_BadRequest", INVALID_VALUES)

    def _check_upn(self, user: dict, upn: str) -> None:
        state = self.server.state
        if "@" not in upn or upn.startswith("@"):
            raise GraphError(400, "Request_BadRequest", INVALID_VALUES)
        if state.domains and state.domain_of(upn) is None:
            raise GraphError(
                400,
                "Request_BadRequest",
                "The domain portion of the userPrincipalName property is invalid. You must use "
                "one of the verified domain names in your organization.",
            )
        lowered = upn.lower()
        for other in state.users.values():
            if other is not user and str(other.get("userPrincipalName", "")).lower() == lowered:
                raise _conflict("userPrincipalName", other["id"])

    def _federated(self, upn: str | None) -> bool:
        domain = self.server.state.domain_of(upn)
        return bool(domain) and str(domain.get("authenticationType", "")).lower() == "federated"
