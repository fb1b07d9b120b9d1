"""An independent model of Entra's first export of AD users into a tenant (the test server's "sync").

Written from Microsoft's documented rules, not from syncready's predictor (tests compare the two):
- matching runs once, for objects newly exported (how-to-connect-install-existing-tenant): hard
  match of the sourceAnchor (base64 of mS-DS-ConsistencyGuid, else of objectGUID) to
  onPremisesImmutableId (case-sensitive); else, unless blockSoftMatchEnabled, SMTP soft match of
  the AD primary SMTP to a cloud user's primary SMTP proxy (``SMTP:``; ``mail`` without proxies);
  else, with softMatchOnUpnEnabled, UPN soft match.
- a hard match onto a cloud-created user is refused under blockCloudObjectTakeoverThroughHardMatch
  (InvalidHardMatch); from 2026-07-01 also onto a user whose onPremisesObjectIdentifier names another
  object (unless allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled) or who holds a role
  (AttributeUpdateNotAllowed). A soft match onto a user with a role is refused
  (ExistingAdminRoleConflict). None of these creates an object: the error is the sync client's.
- a soft match onto a user that already has an ImmutableID (or is synced) is InvalidSoftMatch; with
  duplicate attribute resiliency a new object is provisioned instead, its conflicting UPN
  quarantined as ``prefix+NNNN@<initial domain>`` and conflicting proxies dropped, each recorded
  in onPremisesProvisioningErrors (PropertyConflict, AttributeValueMustBeUnique).
- a cloud-managed user (onPremisesSyncBehavior.isCloudManaged) is not taken over (event 6956).
- a joined user gets the AD values (existing-tenant: "all attributes ... with a value in AD are
  overwritten"): names, accountEnabled, mail, and proxyAddresses from the proxy calculation
  (KB 3190357: AD values minus *.onmicrosoft.com, X400/MSMAIL and unverified domains, plus the UPN
  and the MOERA as smtp:); the UPN only with synchronizeUpnForManagedUsersEnabled.
- groups and contacts (existing-tenant, "Other objects than users"; :mod:`.firstexport_objects`):
  mail-enabled ones soft-match a cloud object of their kind on the primary SMTP address, then are
  managed from AD; a group that is not mail-enabled never matches (a second group appears); no
  hard match. A match onto an object already synchronized is refused (InvalidSoftMatch) and, with
  resiliency, a new object is provisioned; on every exported group or contact an SMTP address
  another object holds is quarantined (PropertyConflict on ProxyAddresses, AttributeValueMustBeUnique).

``FirstExport(server).run(ad_records, include=[...])`` changes the server's users, groups and
contacts; ``export_data`` does the same on snapshot data (``load_snapshot``'s dict, its "groups"
and "contacts" lists included), for a post-sync snapshot folder.
"""
from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field

NOW = "2026-12-01T08:00:00Z"


@dataclass
class ExportLog:
    """What the model did, per AD DN: the sync client's view (tests assert on it)."""

    joined: dict[str, tuple[str, str]] = field(default_factory=dict)     # dn -> (cloud id, how)
    created: dict[str, str] = field(default_factory=dict)                # dn -> new cloud id
    errors: dict[str, str] = field(default_factory=dict)                 # dn -> Microsoft's error name
    skipped: dict[str, str] = field(default_factory=dict)                # dn -> why not exported
    objects: dict[str, tuple[str, str]] = field(default_factory=dict)    # group/contact dn -> (id, joined|created)
    object_errors: dict[str, str] = field(default_factory=dict)          # group/contact dn -> Microsoft's error name


def _first(attrs: dict, name: str) -> bytes | None:
    values = attrs.get(name.lower())
    return values[0] if values else None


def _text(attrs: dict, name: str) -> str | None:
    value = _first(attrs, name)
    return value.decode("utf-8") if value is not None else None


def _texts(attrs: dict, name: str) -> list[str]:
    return [v.decode("utf-8") for v in attrs.get(name.lower(), ())]


def _under(dn: str, base: str) -> bool:
    norm = ",".join(p.strip() for p in dn.lower().split(","))
    base = ",".join(p.strip() for p in base.lower().split(","))
    return norm == base or norm.endswith("," + base)


class _AdUser:
    def __init__(self, dn: str, attrs: dict, source_anchor: str | None):
        self.dn = dn
        self.attrs = {k.lower(): v for k, v in attrs.items()}
        guid = _first(self.attrs, "objectGUID")
        consistency = _first(self.attrs, "mS-DS-ConsistencyGuid")
        raw = guid if (source_anchor or "").lower() == "objectguid" else (consistency or guid)
        self.anchor = base64.b64encode(raw).decode("ascii") if raw else None
        self.guid = str(uuid.UUID(bytes_le=guid)) if guid and len(guid) == 16 else None
        self.upn = _text(self.attrs, "userPrincipalName")
        self.proxies = _texts(self.attrs, "proxyAddresses")
        primaries = [p[5:] for p in self.proxies if p.startswith("SMTP:")]
        self.primary = primaries[0] if primaries else _text(self.attrs, "mail")
        uac = _text(self.attrs, "userAccountControl")
        self.enabled = not (int(uac) & 2) if uac and uac.isdigit() else True
        self.nickname = _text(self.attrs, "mailNickname") or (self.upn or dn).split("@")[0]


class _Tenant:
    """The cloud side as plain Graph objects, with the lookups the rules need."""

    def __init__(self, users: list[dict], groups: list[dict], contacts: list[dict], domains: list[dict],
                 features: dict, roles: list[dict], members: dict[str, set[str]], managed: dict[str, bool],
                 identifiers: dict):
        self.users, self.groups, self.contacts = users, groups, contacts
        self.features = features
        self.verified = {d["id"].lower() for d in domains if d.get("isVerified")}
        initial = [d["id"] for d in domains if d.get("isInitial")]
        self.initial = initial[0] if initial else "tenant.onmicrosoft.com"
        self.role_holders: set[str] = set()
        for role in roles:
            principal = role.get("principalId")
            self.role_holders.add(principal)
            self.role_holders.update(members.get(principal, ()))
        self.managed, self.identifiers = managed, identifiers

    def feature(self, name: str, default: bool = False) -> bool:
        return bool(self.features.get(name, default))

    @staticmethod
    def primary_of(obj: dict) -> str | None:
        primaries = [p[5:] for p in obj.get("proxyAddresses") or () if p.startswith("SMTP:")]
        return primaries[0] if primaries else (obj.get("mail") if not obj.get("proxyAddresses") else None)

    def members(self) -> list[dict]:
        return [u for u in self.users if (u.get("userType") or "Member") == "Member"]

    def taken(self, address: str, owner: dict | None) -> bool:
        """Held by another user (UPN, mail or an SMTP proxy), group or contact (mail or proxy)."""
        key = address.lower()
        for obj in self.users + self.groups + self.contacts:
            if obj is owner:
                continue
            held = {(obj.get("mail") or "").lower()} | {p.split(":", 1)[1].lower() for p in obj.get("proxyAddresses")
                                                      or () if p.lower().startswith("smtp:")}
            if "userPrincipalName" in obj:
                held.add(obj["userPrincipalName"].lower())
            if key in held:
                return True
        return False


def _blocked_hard(user: dict, ad: _AdUser, t: _Tenant) -> str | None:
    if not user.get("onPremisesSyncEnabled") and t.feature("blockCloudObjectTakeoverThroughHardMatchEnabled"):
        return "InvalidHardMatch"
    identifier = t.identifiers.get(user["id"])
    if identifier and not t.feature("allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled"):
        if identifier.strip("{}").lower() != (ad.guid or ""):
            return "AttributeUpdateNotAllowed"
    if user["id"] in t.role_holders:
        return "AttributeUpdateNotAllowed"
    return None


def _decide(ad: _AdUser, t: _Tenant) -> tuple[str, dict | None, str | None]:
    """("join"|"create"|"error"|"skip", the cloud user, how or the error name)."""
    if ad.anchor:
        held = [u for u in t.users if u.get("onPremisesImmutableId") == ad.anchor]
        if held:
            user = held[0]
            if t.managed.get(user["id"]):
                return "skip", user, "cloud-managed (event 6956)"
            problem = _blocked_hard(user, ad, t)
            return ("error", user, problem) if problem else ("join", user, "hard")
    if t.feature("blockSoftMatchEnabled"):
        return "create", None, None
    stages = [("smtp", ad.primary, t.primary_of)]
    if t.feature("softMatchOnUpnEnabled", True):
        stages.append(("upn", ad.upn, lambda u: u.get("userPrincipalName")))
    for how, value, key in stages:
        if not value:
            continue
        held = [u for u in t.members() if (key(u) or "").lower() == value.lower()]
        if not held:
            continue
        user = held[0]
        if t.managed.get(user["id"]):
            return "skip", user, "cloud-managed (event 6956)"
        if user.get("onPremisesImmutableId") or user.get("onPremisesSyncEnabled"):
            return "create", user, "InvalidSoftMatch"       # resiliency: a quarantined duplicate
        if user["id"] in t.role_holders:
            return "error", user, "ExistingAdminRoleConflict"
        return "join", user, how
    return "create", None, None


def _proxies(ad: _AdUser, t: _Tenant, upn: str) -> list[str]:
    values = ad.proxies or ([f"SMTP:{ad.primary}"] if ad.primary else [])
    kept = []
    for value in values:
        kind, _, address = value.partition(":")
        if kind.lower() in ("x400", "msmail"):
            continue
        if kind.lower() == "smtp":
            domain = address.rsplit("@", 1)[-1].lower()
            if domain.endswith(".onmicrosoft.com") or domain not in t.verified:
                continue
        kept.append(value)
    have = {v.split(":", 1)[1].lower() for v in kept if v.lower().startswith("smtp:")}
    for extra in (upn, f"{ad.nickname}@{t.initial}"):
        if extra.lower() not in have:
            kept.append(f"smtp:{extra}")
            have.add(extra.lower())
    return kept


def _error(prop: str, value: str) -> dict:
    return {"category": "PropertyConflict", "occurredDateTime": NOW, "propertyCausingError": prop, "value": value}


def _apply_values(user: dict, ad: _AdUser, t: _Tenant, upn: str) -> None:
    for graph, ldap in (("displayName", "displayName"), ("givenName", "givenName"), ("surname", "sn")):
        value = _text(ad.attrs, ldap)
        if value is not None:
            user[graph] = value
    user["accountEnabled"] = ad.enabled
    errors = list(user.get("onPremisesProvisioningErrors") or ())
    proxies = []
    for value in _proxies(ad, t, upn):
        address = value.split(":", 1)[1]
        if value.lower().startswith("smtp:") and t.taken(address, user):
            errors.append(_error("ProxyAddresses", value))
        else:
            proxies.append(value)
    user["proxyAddresses"] = proxies
    primary = [p[5:] for p in proxies if p.startswith("SMTP:")]
    user["mail"] = primary[0] if primary else None
    user.update(onPremisesSyncEnabled=True, onPremisesImmutableId=ad.anchor, onPremisesDistinguishedName=ad.dn,
                onPremisesSamAccountName=_text(ad.attrs, "sAMAccountName"), onPremisesLastSyncDateTime=NOW,
                onPremisesProvisioningErrors=errors)


def _new_user(ad: _AdUser, t: _Tenant) -> dict:
    domain = (ad.upn or "").rsplit("@", 1)[-1].lower()
    upn = ad.upn if ad.upn and domain in t.verified else f"{ad.nickname}@{t.initial}"
    user = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"firstexport:{ad.anchor}")), "userType": "Member",
            "onPremisesProvisioningErrors": []}
    if t.taken(upn, None):
        number = 1000 + int(uuid.UUID(user["id"]).int % 9000)
        user["onPremisesProvisioningErrors"].append(_error("UserPrincipalName", upn))
        upn = f"{upn.split('@')[0]}+{number}@{t.initial}"
    user["userPrincipalName"] = upn
    user["mailNickname"] = ad.nickname
    t.users.append(user)
    _apply_values(user, ad, t, upn)
    return user


def _kind(attrs: dict) -> str | None:
    classes = {c.lower() for c in _texts(attrs, "objectClass")}
    if "user" in classes:
        return None if "computer" in classes else "user"
    return next((k for k in ("group", "contact") if k in classes), None)


def export(ad_records, t: _Tenant, include=(), exclude=(), source_anchor: str | None = None) -> ExportLog:
    from .firstexport_objects import export_object

    log = ExportLog()
    for dn, attrs in ad_records:
        lowered = {k.lower(): v for k, v in attrs.items()}
        kind = _kind(lowered)
        if kind is None or (_text(lowered, "isCriticalSystemObject") or "").upper() == "TRUE":
            continue
        if (include and not any(_under(dn, b) for b in include)) or any(_under(dn, b) for b in exclude):
            if kind == "user":
                log.skipped[dn] = "out of scope"
            continue
        if kind != "user":
            export_object(dn, lowered, kind, t, log)
            continue
        ad = _AdUser(dn, attrs, source_anchor)
        action, user, detail = _decide(ad, t)
        if action == "join":
            domain = (ad.upn or "").rsplit("@", 1)[-1].lower()
            if ad.upn and domain in t.verified and t.feature("synchronizeUpnForManagedUsersEnabled"):
                user["userPrincipalName"] = ad.upn
            _apply_values(user, ad, t, user["userPrincipalName"])
            log.joined[dn] = (user["id"], detail)
        elif action == "create":
            log.created[dn] = _new_user(ad, t)["id"]
            if detail:
                log.errors[dn] = detail
        elif action == "error":
            log.errors[dn] = detail
        else:
            log.skipped[dn] = detail
    return log


def _tenant_of(data: dict, managed: dict, identifiers: dict) -> _Tenant:
    members: dict[str, set[str]] = {}
    for entry in data.get("groupMembers") or ():
        members[entry["id"]] = {m["id"] for m in entry.get("members") or ()}
    roles = list(data.get("roleAssignments") or ()) + list(data.get("roleEligibilitySchedules") or ())
    groups = data["groups"] = list(data.get("groups") or ())
    contacts = data["contacts"] = list(data.get("contacts") or ())
    return _Tenant(data["users"], groups, contacts, data.get("domains") or [],
                   (data.get("sync") or {}).get("features") or {}, roles, members, managed, identifiers)


def export_data(data: dict, ad_records, **scope) -> ExportLog:
    """The first export applied to snapshot data in place (users with embedded per-user properties)."""
    managed = {u["id"]: bool((u.get("onPremisesSyncBehavior") or {}).get("isCloudManaged")) for u in data["users"]}
    identifiers = {u["id"]: u["onPremisesObjectIdentifier"] for u in data["users"]
                   if u.get("onPremisesObjectIdentifier")}
    return export(ad_records, _tenant_of(data, managed, identifiers), **scope)


class FirstExport:
    """The server's hook: ``server.first_export.run(records, include=[...])``."""

    def __init__(self, server) -> None:
        self.server = server

    def run(self, ad_records, **scope) -> ExportLog:
        state = self.server.state
        with self.server.write_lock:
            users = list(state.users.values())
            data = {"users": users, "groups": list(state.groups.values()), "contacts": list(state.contacts.values()),
                    "domains": list(state.domains.values()), "sync": state.sync,
                    "roleAssignments": list(state.role_assignments.values()),
                    "roleEligibilitySchedules": list(state.role_eligibility_schedules.values()),
                    "groupMembers": [{"id": g, "members": [m for m in state.transitive_members(g)]}
                                     for g in state.group_members]}
            log = export(ad_records, _tenant_of(data, dict(state.per_user.cloud_managed),
                                                dict(state.per_user.object_identifiers)), **scope)
            for user in users:
                state.users[user["id"]] = user
            for group in data["groups"]:
                state.groups[group["id"]] = group
            for contact in data["contacts"]:
                state.contacts[contact["id"]] = contact
            self.server.invalidate()
        return log

