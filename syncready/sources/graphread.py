"""The live cloud reader: the collections the checks need, read from Graph into the Directory (SPEC §2, §8).

Users and domains must be read; the rest is read if Graph allows it, and whatever it refuses is
recorded in the coverage as not read, with the reason and the permission that would get it.
Graph's names stay in graphmap; this module knows endpoints, paging and what to do on a refusal.
"""
from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from contextlib import closing
from functools import partial
from itertools import repeat
from urllib.parse import quote, urlsplit

from ..coverage import Coverage, CoverageStatus
from ..errors import SourceError
from ..model import CloudUser, Directory, SyncFeatures
from ..options import GraphOptions
from ..progress import Progress
from .grapherrors import GROUP_MEMBER_PERMISSION, GraphError, one_line
from .graphmap import (CONTACT_SELECT, DOMAIN_SELECT, GROUP_SELECT, cloud_contact_from_graph,
                       cloud_group_from_graph, cloud_user_from_graph, domain_from_graph, features_from_graph,
                       map_records, role_assignment_from_graph, sync_object_from_graph, tenant_id_from_sync,
                       user_select)
from .graphperuser import read_per_user
from .graphsession import GraphSession, open_session
from ..gcpause import collector_paused

PAGE_SIZE = 999                     # the largest $top /users, /groups and /contacts accept
# /users/$count is eventually consistent: users created during the read make it differ a little.
COUNT_TOLERANCE = 0.005             # a shortfall beyond max(COUNT_TOLERANCE_MIN, this share) is an error
COUNT_TOLERANCE_MIN = 5
USERS = "/users"
SYNC = "/directory/onPremisesSynchronization"
ROLE_ASSIGNMENTS = "/roleManagement/directory/roleAssignments"
ROLE_ELIGIBILITY = "/roleManagement/directory/roleEligibilitySchedules"
# Graph's error code for the PIM endpoints in a tenant without Entra ID P2 / ID Governance (the code
# is stable; its message changed over the years: "The tenant needs an AAD Premium 2 license.", "The
# tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.").
NO_PIM_CODE = "AadPremiumLicenseRequired"
# Graph hosts of the national clouds ("National cloud deployments"); "Get
# onPremisesDirectorySynchronization" lists the global service only.
NATIONAL_HOSTS = ("graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn")
KNOWN_EMPTY_HINT = '[sources] known_empty = ["{name}"] in syncready.toml if the tenant truly has none'


def read_cloud(options: GraphOptions, into: Directory, extra: Sequence[str] = (),
               raw_sink: dict | None = None) -> Directory:
    """Fill `into` with the cloud side read live from Graph, and record in `into.coverage` what was read.

    Users and domains must be read; onPremisesSyncBehavior and mailboxSettings are read per user
    for the users that need them (graphperuser), embedded in the raw users. Groups, contacts, the
    sync features, the role assignments, the PIM eligibilities and the members of role-holding
    groups are read if allowed: what could not
    be read is recorded as not read (reason and how to get it) with a warning on stderr, and the
    checks that need it report an error (SPEC §8). `roles_known` and `features.known` keep their
    old meaning for callers that read them. raw_sink, when given, receives the objects exactly as
    Graph returned them under their snapshot file names (cloud/users.json, ...).
    """
    extra = tuple(extra)
    if into.coverage.default is not CoverageStatus.NOT_READ:
        into.coverage = Coverage.from_reader()
    with collector_paused(), open_session(options) as session:
        reader = _Reader(session, raw_sink, options.quiet, into.coverage)
        into.cloud_users = reader.users(extra)
        reader.check_count("users", USERS, len(into.cloud_users))
        read_per_user(session, into.cloud_users, raw_sink.get(FILES["users"]) if raw_sink is not None else None,
                      into.coverage, options.quiet)
        into.cloud_groups = reader.optional("groups", "/groups", {"$select": ",".join(GROUP_SELECT),
                                                                 "$top": PAGE_SIZE}, cloud_group_from_graph,
                                            GROUP_SELECT)
        into.cloud_contacts = reader.optional("contacts", "/contacts", {"$select": ",".join(CONTACT_SELECT),
                                                                       "$top": PAGE_SIZE}, cloud_contact_from_graph,
                                              CONTACT_SELECT)
        into.domains = reader.collection("domains", "/domains", {"$select": ",".join(DOMAIN_SELECT)},
                                         domain_from_graph, DOMAIN_SELECT)
        into.features, tenant_id = reader.sync_features()
        into.role_assignments, into.roles_known = reader.roles()
        groups_read = into.coverage.get("groups").status is CoverageStatus.READ
        into.group_members = reader.group_members(into.role_assignments, into.cloud_groups, groups_read)
    into.tenant_id = (tenant_id or options.tenant_id
                      or next((d.id for d in into.domains if d.is_initial), None) or into.tenant_id)
    into.sources["cloud"] = session.label
    return into


def read_users(session: GraphSession, coverage: Coverage, extra: Sequence[str] = (), raw_sink: dict | None = None,
               quiet: bool = True) -> list[CloudUser]:
    """Only the /users pages, mapped (what read_cloud reads first; the Graph benchmark times it alone)."""
    return _Reader(session, raw_sink, quiet, coverage).users(tuple(extra))


FILES = {"users": "cloud/users.json", "groups": "cloud/groups.json", "contacts": "cloud/contacts.json",
         "domains": "cloud/domains.json", "sync": "cloud/sync.json",
         "roleAssignments": "cloud/roleAssignments.json",
         "roleEligibilitySchedules": "cloud/roleEligibilitySchedules.json",
         "groupMembers": "cloud/groupMembers.json"}


class _Reader:
    def __init__(self, session: GraphSession, raw_sink: dict | None, quiet: bool, coverage: Coverage):
        self.session = session
        self.raw_sink = raw_sink
        self.quiet = quiet
        self.coverage = coverage

    def users(self, extra: tuple[str, ...]) -> list[CloudUser]:
        select = user_select(extra)
        return self.collection("users", USERS, {"$select": ",".join(select), "$top": PAGE_SIZE},
                               partial(cloud_user_from_graph, extra_props=extra), select)

    def collection(self, name: str, path: str, params: dict, convert, selected: Iterable[str] = ()) -> list:
        """Every object of a paged collection through `convert`, recorded as read.

        A bad object names its page and index; an id met twice (pages that overlap) is a source
        error; a selected property absent from a record is recorded as missing (SPEC §8). While
        page N is mapped, page N+1 is already asked for (graphpaging), so Graph's time overlaps
        ours; an error of page N is raised before anything about page N+1.
        """
        pages = _Pages(path, convert, selected, self.raw_sink is not None)
        progress = Progress(f"Reading {name} from Graph", quiet=self.quiet)
        with closing(self.session.iter_pages(path, params)) as fetched:
            for page in fetched:
                pages.take(page)
                progress.update(len(pages.result), pages.number)
        progress.done()
        if self.raw_sink is not None:
            self.raw_sink[FILES[name]] = pages.raw
        self.coverage.read(name, len(pages.result), source=f"GET {path}", missing=pages.missing)
        return pages.result

    def optional(self, name: str, path: str, params: dict, convert, selected: Iterable[str] = ()) -> list:
        """`collection`, but a 403 records the collection as not read instead of ending the run."""
        try:
            return self.collection(name, path, params, convert, selected)
        except GraphError as exc:
            if exc.status != 403:
                raise
            self._not_read(name, exc)
            return []

    def _not_read(self, name: str, exc: GraphError, how: str | None = None) -> None:
        """Not read because Graph refused: the reason is Graph's status and code, `how` the permission."""
        permission = exc.permission()
        how = how or (f"grant {permission}" if permission else None)
        self.coverage.not_read(name, f"{exc.status} {exc.code}", how=how, source=f"GET {exc.endpoint}")

    def check_count(self, name: str, path: str, read: int) -> None:
        """Cross-check what paging gave with `$count` (SPEC §8): a page that ended early loses users."""
        try:
            counted = self.session.count(path)
        except (GraphError, SourceError) as exc:
            self.coverage.notes.append(f"{name}: the count could not be cross-checked with GET {path}/$count "
                                       f"({one_line(str(exc))}); a read that ended early would go unnoticed")
            return
        if counted == read:
            return
        tolerance = max(COUNT_TOLERANCE_MIN, int(counted * COUNT_TOLERANCE))
        if counted > read:
            text = (f"Graph GET {path}: {read} {name} were read but GET {path}/$count says {counted} "
                    f"({counted - read} missing)")
            if counted - read > tolerance:
                raise SourceError(f"{text}, more than the tolerance of {tolerance}: the paging ended early; "
                                  "nothing was checked, try again")
            self.coverage.notes.append(f"{text}, within the tolerance of {tolerance} ($count is eventually "
                                       "consistent; users created during the read)")
        else:
            self.coverage.notes.append(f"{name}: {read} read, GET {path}/$count says {counted} ($count is "
                                       "eventually consistent; users deleted during the read)")

    def sync_features(self) -> tuple[SyncFeatures, str | None]:
        try:
            body = self.session.get_json(SYNC)
        except GraphError as exc:
            national = urlsplit(self.session.base_url).hostname in NATIONAL_HOSTS
            if exc.status in (400, 404) and (national or "resource not found for the segment" in exc.message.lower()):
                self.coverage.not_read(
                    "sync", f"{exc.status} {exc.code}: this Graph cloud does not offer {SYNC[1:]} (Microsoft "
                            "documents it for the global service only; national clouds lack it)",
                    how="state the tenant's features in a snapshot: write cloud/sync.json as "
                        '{"features": {"blockSoftMatchEnabled": ..., "softMatchOnUpnEnabled": ..., '
                        '"blockCloudObjectTakeoverThroughHardMatchEnabled": ...}} and check with --snapshot',
                    source=f"GET {SYNC}")
            elif exc.status in (403, 404):
                self.coverage.not_read("sync", f"{exc.status} {exc.code}", source=f"GET {SYNC}",
                                       how="grant OnPremDirectorySynchronization.Read.All (Microsoft documents it "
                                           "for delegated sign-in: --auth device-code or browser), or read "
                                           "cloud/sync.json from a snapshot")
            else:
                raise
            return SyncFeatures(known=False), None
        try:
            sync = sync_object_from_graph(body)
            features = features_from_graph(body)
        except ValueError as exc:
            raise SourceError(f"Graph GET {SYNC}: {exc}") from None
        if self.raw_sink is not None and sync is not None:
            self.raw_sink[FILES["sync"]] = {k: v for k, v in sync.items() if not k.startswith("@odata.")}
        self.coverage.read("sync", 1 if sync is not None else 0, source=f"GET {SYNC}")
        return features, tenant_id_from_sync(body)

    def roles(self) -> tuple[list, bool]:
        """Active assignments, then PIM eligibilities; (assignments, whether all roles are known).

        No $top: "List unifiedRoleAssignments" and "List roleEligibilitySchedules" document $filter,
        $expand and $select only, so the pages are Graph's and the nextLinks are followed.
        """
        params = {"$expand": "roleDefinition"}
        try:
            active = self.collection("roleAssignments", ROLE_ASSIGNMENTS, params,
                                     partial(role_assignment_from_graph, eligible=False))
        except GraphError as exc:
            if exc.status != 403:
                raise
            self._not_read("roleAssignments", exc)
            self.coverage.not_read("roleEligibilitySchedules", "the active role assignments were not readable "
                                   "either", how=f"grant {exc.permission()}")
            return [], False
        try:
            eligible = self.collection("roleEligibilitySchedules", ROLE_ELIGIBILITY, params,
                                       partial(role_assignment_from_graph, eligible=True))
        except GraphError as exc:
            if exc.status == 400 and exc.code == NO_PIM_CODE:
                self.coverage.not_read(
                    "roleEligibilitySchedules", f"{exc.status} {exc.code}: the tenant has no Entra ID P2 (PIM) "
                    "licence, so Graph does not list eligibilities", how=KNOWN_EMPTY_HINT.format(
                        name="roleEligibilitySchedules"), source=f"GET {ROLE_ELIGIBILITY}")
                return active, True
            if exc.status != 403:
                raise
            self._not_read("roleEligibilitySchedules", exc)
            return active, False
        return active + eligible, True

    def group_members(self, roles: list, groups: list, groups_read: bool) -> dict[str, tuple[str, ...]]:
        """The transitive members of every group that holds a role, active or eligible (SPEC §10).

        Which principals are groups comes from the /groups read; "List group transitive members"
        needs GroupMember.Read.All (or Group.Read.All, Directory.Read.All).
        """
        group_ids = {g.id for g in groups}
        if not groups_read:
            self.coverage.not_read("groupMembers", "groups were not read, so the groups that hold roles "
                                   "are unknown", how=f"grant Group.Read.All and {GROUP_MEMBER_PERMISSION}")
            return {}
        holders = sorted({r.principal_id for r in roles
                          if r.principal_id in group_ids or (r.principal_type or "").lower() == "group"})
        members: dict[str, tuple[str, ...]] = {}
        raw = []
        try:
            for group_id in holders:
                path = f"/groups/{quote(group_id, safe='')}/transitiveMembers"
                found: list[str] = []
                listed = []
                with closing(self.session.iter_pages(path, {"$select": "id", "$top": PAGE_SIZE})) as fetched:
                    for page in fetched:
                        for obj in page:
                            if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                                found.append(obj["id"])
                                listed.append({k: obj[k] for k in ("id", "@odata.type") if k in obj})
                if len(set(found)) != len(found):
                    raise SourceError(f"Graph GET {path}: a member was listed twice (overlapping pages)")
                members[group_id] = tuple(found)
                raw.append({"id": group_id, "members": listed})
        except GraphError as exc:
            if exc.status != 403:
                raise
            self._not_read("groupMembers", exc, how=f"grant {GROUP_MEMBER_PERMISSION} (or Group.Read.All)")
            return {}
        if self.raw_sink is not None:
            self.raw_sink[FILES["groupMembers"]] = raw
        self.coverage.read("groupMembers", len(members), source="GET /groups/{id}/transitiveMembers")
        return members


class _Pages:
    """What a collection's pages gave, taken one page after the other."""

    def __init__(self, path: str, convert, selected: Iterable[str], keep_raw: bool):
        self.path = path
        self.convert = convert
        self.selected = tuple(p for p in selected if "/" not in p)
        self.wanted = frozenset(self.selected)
        self.result: list = []
        self.raw: list = []
        self.keep_raw = keep_raw
        self.ids: dict[str, int] = {}
        self.missing: set[str] = set()
        self.number = 0

    def take(self, page: list) -> None:
        self.number += 1
        number = self.number
        try:
            fresh = dict.fromkeys([obj["id"] for obj in page], number)
        except (KeyError, TypeError):
            fresh = None
        # The common page, checked in C: every object a dict with a new string id, none twice.
        if (fresh is not None and len(fresh) == len(page) and set(map(type, fresh)) <= _STR
                and fresh.keys().isdisjoint(self.ids)):
            self.ids.update(fresh)
        else:
            self._ids_one_by_one(page, number)
        wanted = self.wanted
        if fresh is None or not all(map(operator.ge, map(dict.keys, page), repeat(wanted))):
            for obj in page:
                if isinstance(obj, dict) and not obj.keys() >= wanted:
                    self.missing.update(p for p in self.selected if p not in obj)
        self.result.extend(map_records(page, self.convert, partial(_where, self.path, number)))
        if self.keep_raw:
            self.raw.extend(page)

    def _ids_one_by_one(self, page: list, number: int) -> None:
        """Each string id recorded with its page; the first one met before is the error."""
        ids = self.ids
        for obj in page:
            key = obj.get("id") if isinstance(obj, dict) else None
            if isinstance(key, str):
                if key in ids:
                    raise SourceError(f"Graph GET {self.path}: object {key} came on page {ids[key]} and again "
                                      f"on page {number} (overlapping pages); the read was stopped, "
                                      "nothing was checked")
                ids[key] = number


_STR = {str}


def _where(path: str, page: int, index: int) -> str:
    return f"Graph GET {path}: page {page} object {index}"
