"""The Graph v1.0 read endpoints: collections with OData options, single entities, tenant objects."""

from __future__ import annotations

from typing import TYPE_CHECKING
from collections.abc import Callable
from urllib.parse import quote

from . import schema
from .messages import GRAPH_JSON, GraphError, Request, Response, dumps
from .odata_filter import compile_filter, compile_search
from .odata_query import Query, decode_skiptoken, encode_skiptoken, parse_query, parse_select, parse_top
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
    "members": (
        "GroupMember.Read.All",
        "GroupMember.ReadWrite.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
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

# "List unifiedRoleAssignments" and "List roleEligibilitySchedules" document $filter, $expand and
# $select only: no $top. Graph's answer to it is not documented; the wording below is the OData
# query validator's (ASP.NET OData), which these role management endpoints are built on.
ROLE_SETS_WITHOUT_TOP = ("roleAssignments", "roleEligibilitySchedules", "roleEligibilityScheduleInstances")
TOP_NOT_ALLOWED = (
    "The query specified in the URI is not valid. Query option 'Top' is not allowed. To allow it, "
    "set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."
)
# Without Entra ID P2 (or ID Governance) the PIM endpoints answer this (the code and message Graph
# sends, as reported in maester365/maester#1421; older tenants saw "The tenant needs an AAD
# Premium 2 license." under the same code).
NO_PIM_CODE = "AadPremiumLicenseRequired"
NO_PIM_MESSAGE = "The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license."
PIM_SETS = ("roleEligibilitySchedules", "roleEligibilityScheduleInstances")

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
    fill = tuple((p, v) for p, v in entity.non_null if p in props)
    if not many and not fill:
        return lambda o: {p: o.get(p) for p in plain}

    def shape(o: dict) -> dict:
        out = {p: o.get(p) for p in props}
        for p in many:
            if out[p] is None:
                out[p] = []
        for p, value in fill:
            if out[p] is None:
                out[p] = value
        return out

    return shape


class DirectoryEndpoints:
    def __init__(self, server: GraphServer) -> None:
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
        if len(lowered) == 3 and lowered[0] == "groups" and lowered[2] == "transitivemembers":
            return self.transitive_members(request, token, segments[1])
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
            if self.server.cloud != "global":
                # "Get onPremisesDirectorySynchronization" lists the global service only (the
                # localized pages of 2024-2026; the English page later showed all four clouds):
                # a cloud whose metadata lacks the segment answers as OData routing does.
                raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segments[1]}'.")
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
        if set_key in PIM_SETS and not self.server.pim:
            raise GraphError(400, NO_PIM_CODE, NO_PIM_MESSAGE)
        entity_set = self.state.sets[set_key]
        entity = entity_set.entity
        query = self._query(request, entity_set, max_top)
        if set_key in ROLE_SETS_WITHOUT_TOP:
            if query.top is not None:
                raise GraphError(400, "BadRequest", TOP_NOT_ALLOWED)
            default_top = self.server.role_page_size
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
        paging = self.server.paging.for_path(request.path)
        lagging = set_key == "users" and self.state.replication.lagging
        page_key = (entity_set.version, request.path, tuple(sorted(query.pairs)), offset, with_count)
        cached = None if paging or lagging else entity_set.cached_page(page_key)
        if cached is not None:
            return Response(200, cached, GRAPH_JSON)
        items = entity_set.matching(
            (query.filter, query.search, tuple(query.orderby)), predicate, query.orderby
        )
        top = query.top or default_top or len(items) or 1
        page = items[offset: offset + top]
        if lagging:
            page = [self.state.replication.view(o) for o in page]
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
        if paging:
            self._page_faults(paging, request, query, body, items, offset, top, shape, signature)
            return Response(200, dumps(body), GRAPH_JSON)
        encoded = dumps(body)
        if not lagging:
            entity_set.store_page(page_key, encoded)
        return Response(200, encoded, GRAPH_JSON)

    def _page_faults(self, faults, request: Request, query: Query, body: dict, items: list, offset: int,
                     top: int, shape, signature: int) -> None:
        """Apply the paging defects of :class:`.faults.PagingFault` to the page being served."""
        number = offset // top + 1
        here = f"{self.server.base_url}{request.target}"
        for fault in faults:
            if fault.page != number:
                continue
            if fault.kind == "loop":
                body["@odata.nextLink"] = here
            elif fault.kind == "back":
                body["@odata.nextLink"] = self.next_link(request, query, 0, signature)
            elif fault.kind == "repeat" and offset > 0:
                body["value"].insert(0, shape(items[offset - 1]))
            elif fault.kind == "short":
                body.pop("@odata.nextLink", None)
            elif fault.kind == "empty" and "served-empty" not in request.query:
                body["value"] = []
                body["@odata.nextLink"] = here + ("&" if request.query else "?") + "served-empty=1"

    def _expand_role_definitions(self, rows: list[dict], page: list[dict], select) -> None:
        definitions = self.state.role_definitions
        for row, obj in zip(rows, page, strict=False):
            role_id = obj.get("roleDefinitionId")
            definition = definitions.get(role_id) or {"id": role_id, "displayName": None}
            if select:
                definition = {k: definition.get(k) for k in ("id", *select)}
            row["roleDefinition"] = dict(definition)

    def next_link(self, request: Request, query: Query, offset: int, signature: int) -> str:
        parts = [f"{name}={quote(value, safe=_LINK_SAFE)}" for name, value in query.pairs]
        parts.append(f"$skiptoken={encode_skiptoken(offset, signature)}")
        return f"{self.server.base_url}{request.path}?{'&'.join(parts)}"

    def transitive_members(self, request: Request, token: TokenInfo, key: str) -> Response:
        """``GET /groups/{id}/transitiveMembers`` ("List group transitive members"): every nested
        member once, paged (default 100, at most 999), each with its ``@odata.type``. Least
        privilege GroupMember.Read.All; a member of a type the token cannot read comes back with
        only ``@odata.type`` and ``id`` ("Limited information returned for inaccessible member
        objects")."""
        require(token, "members")
        group = self.state.sets["groups"].lookup(key)
        if group is None:
            raise GraphError(
                404,
                "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        select = None
        top = 100
        skip = 0
        pairs: list[tuple[str, str]] = []
        for name, value in request.params():
            option = name.lstrip("$").lower()
            if option == "select":
                select = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
                for prop in select:
                    if not any(e.canonical(prop) for e in (schema.USER, schema.GROUP, schema.ORG_CONTACT)):
                        raise GraphError(
                            400,
                            "BadRequest",
                            "Parsing OData Select and Expand failed: Could not find a property named "
                            f"'{prop}' on type 'microsoft.graph.directoryObject'.",
                        )
                pairs.append(("$select", value))
            elif option == "top":
                top = parse_top(value, 999)
                pairs.append(("$top", value))
            elif option == "skiptoken":
                continue
            elif name.startswith("$"):
                raise GraphError(400, "BadRequest", f"The query parameter '{name}' is not supported.")
        signature = Query(pairs=pairs).signature(request.path)
        for name, value in request.params():
            if name.lstrip("$").lower() == "skiptoken":
                skip = decode_skiptoken(value, signature)
        members = self.state.transitive_members(group["id"])
        page = members[skip: skip + top]
        readable = {
            "#microsoft.graph.user": token.allows(*READ_PERMISSIONS["users"]),
            "#microsoft.graph.group": True,
            "#microsoft.graph.orgContact": token.allows(*READ_PERMISSIONS["contacts"]),
        }
        rows = []
        for member in page:
            kind = member["@odata.type"]
            if not readable.get(kind, False):
                rows.append({"@odata.type": kind, "id": member["id"]})
                continue
            entity = {"#microsoft.graph.user": schema.USER, "#microsoft.graph.group": schema.GROUP}.get(
                kind, schema.ORG_CONTACT
            )
            props = select if select is not None else entity.default_select
            if props is None:
                row = dict(member)
            else:
                row = {"@odata.type": kind, "id": member["id"]}
                for prop in props:
                    canonical = entity.canonical(prop)
                    if canonical is not None:
                        row[canonical] = member.get(canonical)
            rows.append(row)
        body: dict = {"@odata.context": self.metadata("directoryObjects"), "value": rows}
        if skip + top < len(members):
            parts = [f"{name}={quote(value, safe=_LINK_SAFE)}" for name, value in pairs]
            parts.append(f"$skiptoken={encode_skiptoken(skip + top, signature)}")
            body["@odata.nextLink"] = f"{self.server.base_url}{request.path}?{'&'.join(parts)}"
        return Response(200, dumps(body), GRAPH_JSON)

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
        obj = self.state.replication.view(obj)
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
