"""The Graph v1.0 read endpoints: collections with OData options, single entities, tenant objects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable
from urllib.parse import quote

from . import schema
from .messages import GRAPH_JSON, GraphError, Request, Response, dumps
from .odata_filter import compile_filter, compile_search
from .odata_query import Query, decode_skiptoken, encode_skiptoken, parse_query, parse_select
from .store import EntitySet
from .tokens import TokenInfo

if TYPE_CHECKING:
    from .server import GraphServer

READ_PERMISSIONS = {
    "users": ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"),
    "groups": (
        "Group.Read.All",
        "Group.ReadWrite.All",
        "GroupMember.Read.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ),
    "contacts": ("OrgContact.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"),
    "domains": ("Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"),
    "organization": (
        "Organization.Read.All",
        "Organization.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ),
    "sync": ("OnPremDirectorySynchronization.Read.All", "OnPremDirectorySynchronization.ReadWrite.All"),
    "roles": (
        "RoleManagement.Read.Directory",
        "RoleManagement.Read.All",
        "RoleManagement.ReadWrite.Directory",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ),
    "eligibility": (
        "RoleEligibilitySchedule.Read.Directory",
        "RoleEligibilitySchedule.ReadWrite.Directory",
        "RoleManagement.Read.Directory",
        "RoleManagement.Read.All",
        "RoleManagement.ReadWrite.Directory",
    ),
}

ADVANCED_HINT = (
    "Operator '{op}' is not supported because the required parameters might be missing. Try "
    "adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to "
    "https://aka.ms/graph-docs/advanced-queries for more information"
)
_LINK_SAFE = "$,()':@!*/"
SEARCH_NEEDS_EVENTUAL = (
    "Request with $search query parameter only works through MSGraph with a special request "
    "header: 'ConsistencyLevel: eventual'"
)

ROLE_SETS_WITH_DEFINITION = (
    "roleAssignments",
    "roleEligibilitySchedules",
    "roleEligibilityScheduleInstances",
)

# (entity set key, context path, permission group, default page size, maximum page size)
COLLECTIONS = {
    ("users",): ("users", "users", "users", 100, 999),
    ("groups",): ("groups", "groups", "groups", 100, 999),
    ("contacts",): ("contacts", "contacts", "contacts", 100, 999),
    ("domains",): ("domains", "domains", "domains", None, None),
    ("rolemanagement", "directory", "roleassignments"): (
        "roleAssignments",
        "roleManagement/directory/roleAssignments",
        "roles",
        None,
        999,
    ),
    ("rolemanagement", "directory", "roleeligibilityschedules"): (
        "roleEligibilitySchedules",
        "roleManagement/directory/roleEligibilitySchedules",
        "eligibility",
        None,
        999,
    ),
    ("rolemanagement", "directory", "roleeligibilityscheduleinstances"): (
        "roleEligibilityScheduleInstances",
        "roleManagement/directory/roleEligibilityScheduleInstances",
        "eligibility",
        None,
        999,
    ),
    ("rolemanagement", "directory", "roledefinitions"): (
        "roleDefinitions",
        "roleManagement/directory/roleDefinitions",
        "roles",
        None,
        999,
    ),
}


def _check_expand(set_key: str, query: Query) -> None:
    """Only ``roleDefinition`` on the role collections is expanded; other navigation is refused."""
    if set(query.expand) - {"roleDefinition"} or (
        query.expand and set_key not in ROLE_SETS_WITH_DEFINITION
    ):
        raise GraphError(501, "NotImplemented", "This operation target is not yet supported.")


def require(token: TokenInfo, group: str) -> None:
    if not token.allows(*READ_PERMISSIONS[group]):
        raise GraphError(
            403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        )


def _is_eventual(request: Request) -> bool:
    return (request.header("consistencylevel") or "").strip().lower() == "eventual"


def projector(entity: schema.EntityType, select: tuple[str, ...] | None) -> Callable[[dict], dict]:
    """Shape an object as Graph returns it for this ``$select`` (or the default property set)."""
    collections = entity.collections
    if select is None and entity.default_select is None:
        return dict
    if select is None:
        props = entity.default_select or ()
    else:
        props = select if "id" in select else select + ("id",)
    props = tuple(p for p in props if p not in entity.navigation)
    plain = tuple(p for p in props if p not in collections)
    many = tuple(p for p in props if p in collections)
    if not many:
        return lambda o: {p: o.get(p) for p in plain}

    def shape(o: dict) -> dict:
        out = {p: o.get(p) for p in props}
        for p in many:
            if out[p] is None:
                out[p] = []
        return out

    return shape


class DirectoryEndpoints:
    def __init__(self, server: "GraphServer") -> None:
        self.server = server

    @property
    def state(self):
        return self.server.state

    def metadata(self, fragment: str) -> str:
        return f"{self.server.url}/$metadata#{fragment}"

    def handle(self, request: Request, segments: list[str], token: TokenInfo) -> Response:
        lowered = tuple(s.lower() for s in segments)
        if request.method == "PATCH" and len(lowered) == 2 and lowered[0] == "users":
            return self.server.user_updates.patch(request, segments[1], token)
        if request.method != "GET":
            raise GraphError(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
            )
        spec = COLLECTIONS.get(lowered)
        if spec is not None:
            return self.list_collection(request, token, *spec)
        if lowered == ("users", "$count"):
            return self.count(request, token)
        if len(lowered) == 2 and lowered[0] in ("users", "groups", "contacts", "domains"):
            key, context, group = lowered[0], lowered[0], lowered[0]
            return self.get_entity(request, token, key, context, group, segments[1])
        if len(lowered) == 4 and lowered[:3] in (c for c in COLLECTIONS if len(c) == 3):
            key, context, group, _, _ = COLLECTIONS[lowered[:3]]
            return self.get_entity(request, token, key, context, group, segments[3])
        if lowered in (("organization",), ("organization", self.state.organization["id"].lower())):
            return self.single_object(
                request, token, "organization", schema.ORGANIZATION, self.state.organization,
                "organization", collection=len(lowered) == 1,
            )
        if lowered[:2] == ("directory", "onpremisessynchronization") and len(lowered) <= 3:
            return self.single_object(
                request, token, "sync", schema.SYNC, self.state.sync,
                "directory/onPremisesSynchronization", collection=len(lowered) == 2,
            )
        last = segments[-1] if segments else ""
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{last}'.")

    def _query(self, request: Request, entity_set: EntitySet, max_top: int | None) -> Query:
        return parse_query(request.params(), entity_set.entity, max_top=max_top)

    def list_collection(
        self,
        request: Request,
        token: TokenInfo,
        set_key: str,
        context: str,
        group: str,
        default_top: int | None,
        max_top: int | None,
    ) -> Response:
        require(token, group)
        entity_set = self.state.sets[set_key]
        entity = entity_set.entity
        query = self._query(request, entity_set, max_top)
        eventual = _is_eventual(request)
        if query.search is not None and not eventual:
            raise GraphError(400, "Request_UnsupportedQuery", SEARCH_NEEDS_EVENTUAL)
        predicate = None
        if query.filter:
            compiled = compile_filter(query.filter, entity)
            if compiled.advanced:
                if not entity.directory_object:
                    raise GraphError(400, "Request_UnsupportedQuery", "Unsupported Query.")
                if not (eventual and query.count):
                    op = compiled.advanced[0].split()[0]
                    raise GraphError(400, "Request_UnsupportedQuery", ADVANCED_HINT.format(op=op))
            predicate = compiled.predicate
        if query.search is not None:
            search = compile_search(query.search, entity)
            if predicate is None:
                predicate = search
            else:
                predicate = (lambda a, b: lambda o: a(o) and b(o))(predicate, search)
        _check_expand(set_key, query)
        with_count = query.count and eventual
        signature = query.signature(request.path)
        offset = decode_skiptoken(query.skiptoken, signature) if query.skiptoken else 0
        page_key = (entity_set.version, request.path, tuple(sorted(query.pairs)), offset, with_count)
        cached = entity_set.cached_page(page_key)
        if cached is not None:
            return Response(200, cached, GRAPH_JSON)
        items = entity_set.matching(
            (query.filter, query.search, tuple(query.orderby)), predicate, query.orderby
        )
        top = query.top or default_top or len(items) or 1
        page = items[offset: offset + top]
        fragment = context
        if query.select is not None:
            fragment += "(" + ",".join(query.select) + ")"
        if query.expand:
            fragment += "(" + ",".join(f"{k}()" for k in query.expand) + ")"
        body: dict = {"@odata.context": self.metadata(fragment)}
        if with_count:
            body["@odata.count"] = len(items)
        if offset + top < len(items):
            body["@odata.nextLink"] = self.next_link(request, query, offset + top, signature)
        shape = projector(entity, query.select)
        rows = [shape(o) for o in page]
        if "roleDefinition" in query.expand:
            self._expand_role_definitions(rows, page, query.expand["roleDefinition"])
        body["value"] = rows
        encoded = dumps(body)
        entity_set.store_page(page_key, encoded)
        return Response(200, encoded, GRAPH_JSON)

    def _expand_role_definitions(self, rows: list[dict], page: list[dict], select) -> None:
        definitions = self.state.role_definitions
        for row, obj in zip(rows, page):
            role_id = obj.get("roleDefinitionId")
            definition = definitions.get(role_id) or {"id": role_id, "displayName": None}
            if select:
                definition = {k: definition.get(k) for k in ("id", *select)}
            row["roleDefinition"] = dict(definition)

    def next_link(self, request: Request, query: Query, offset: int, signature: int) -> str:
        parts = [f"{name}={quote(value, safe=_LINK_SAFE)}" for name, value in query.pairs]
        parts.append(f"$skiptoken={encode_skiptoken(offset, signature)}")
        return f"{self.server.base_url}{request.path}?{'&'.join(parts)}"

    def count(self, request: Request, token: TokenInfo) -> Response:
        require(token, "users")
        if not _is_eventual(request):
            raise GraphError(400, "Request_BadRequest", "$count is not currently supported.")
        entity_set = self.state.sets["users"]
        query = self._query(request, entity_set, None)
        predicate = compile_filter(query.filter, entity_set.entity).predicate if query.filter else None
        items = entity_set.matching((query.filter, None, ()), predicate, [])
        return Response(200, str(len(items)).encode(), "text/plain")

    def get_entity(
        self,
        request: Request,
        token: TokenInfo,
        set_key: str,
        context: str,
        group: str,
        key: str,
    ) -> Response:
        require(token, group)
        entity_set = self.state.sets[set_key]
        query = self._query(request, entity_set, None)
        _check_expand(set_key, query)
        obj = entity_set.lookup(key)
        if obj is None:
            raise GraphError(
                404,
                "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        fragment = context
        if query.select is not None:
            fragment += "(" + ",".join(query.select) + ")"
        body = {"@odata.context": self.metadata(fragment + "/$entity")}
        row = projector(entity_set.entity, query.select)(obj)
        if "roleDefinition" in query.expand:
            self._expand_role_definitions([row], [obj], query.expand["roleDefinition"])
        body.update(row)
        return Response(200, dumps(body), GRAPH_JSON)

    def single_object(
        self,
        request: Request,
        token: TokenInfo,
        group: str,
        entity: schema.EntityType,
        obj: dict,
        context: str,
        *,
        collection: bool,
    ) -> Response:
        require(token, group)
        select = None
        for name, value in request.params():
            if name.lstrip("$").lower() == "select":
                select = parse_select(value, entity)
        row = projector(entity, select)(obj) if select else dict(obj)
        fragment = context + ("(" + ",".join(select) + ")" if select else "")
        if collection:
            body = {"@odata.context": self.metadata(fragment), "value": [row]}
        else:
            body = {"@odata.context": self.metadata(fragment + "/$entity"), **row}
        return Response(200, dumps(body), GRAPH_JSON)
