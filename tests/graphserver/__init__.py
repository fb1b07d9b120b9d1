"""A local Microsoft Graph v1.0 test server, faithful to documented behaviour.

    with GraphServer({"users": [...], "domains": [...]}) as server:
        server.url        # http://127.0.0.1:PORT/v1.0
        server.token      # a bearer token it accepts (server.issue_token() makes more)

Graph endpoints (``/v1.0``): ``GET /users``, ``/users/{id|userPrincipalName}``, ``/users/$count``,
``/groups[/{id}]``, ``/contacts[/{id}]``, ``/domains[/{id}]``, ``/organization``,
``/directory/onPremisesSynchronization``, ``/roleManagement/directory/roleAssignments``,
``/roleEligibilitySchedules``, ``/roleEligibilityScheduleInstances``, ``/roleDefinitions``
(``$expand=roleDefinition``, ``$filter=principalId eq '...'``), ``PATCH /users/{id}`` and
``POST /$batch``; per user (v1.0 and beta) ``/users/{id}/onPremisesSyncBehavior`` and
``/users/{id}/mailboxSettings``, and ``PATCH /beta/users/{id}`` clearing the hidden
``onPremisesObjectIdentifier`` (see :mod:`.peruser`). Types and answers conform to Graph's
published metadata (``graph-schema-2026-08.json``, checked by tests/test_graph_schema.py).
Query options: ``$select`` (unknown names answer 400; users without ``$select`` get Graph's
default property set), ``$filter``, ``$search``, ``$count``, ``$orderby``, ``$top``
(default 100, 1..999) and ``@odata.nextLink`` with an opaque ``$skiptoken``. Advanced queries
(``ne``, ``not``, ``endsWith``, ``eq null``, ``$search``, ``/$count``) need
``ConsistencyLevel: eventual`` (and ``$count=true`` for the operators), as on directory objects.

Every Graph request needs ``Authorization: Bearer <token>`` the server issued: none answers 401
"Access token is empty.", an expired one 401 "Lifetime validation failed, the token is
expired.", a token without the permission 403 ``Authorization_RequestDenied``. Errors carry
Graph's ``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}`` and the ``request-id``/``client-request-id`` headers.

Identity (for azure-identity/MSAL, ``tls=True``): ``GET /{tenant}/v2.0/.well-known/
openid-configuration`` and ``POST /{tenant}/oauth2/v2.0/token`` (client credentials by secret or
certificate assertion). ``server.authority`` is the ``authority=`` to give a credential with
``disable_instance_discovery=True``; ``server.ca_file`` is the CA that signed the server's
certificate.

``server.requests`` logs ``(method, path?query, headers)``; ``server.faults`` injects 429/503/504,
dropped connections and slow answers (see :mod:`.faults`); ``server.state`` is the live data
(``server.invalidate()`` after changing it directly).
"""

from .faults import Fault, Faults
from .messages import GraphError
from .server import GraphServer, RecordedRequest
from .snapshot import load_snapshot
from .store import DEFAULT_TENANT_ID, State

__all__ = [
    "DEFAULT_TENANT_ID",
    "Fault",
    "Faults",
    "GraphError",
    "GraphServer",
    "RecordedRequest",
    "State",
    "load_snapshot",
]
