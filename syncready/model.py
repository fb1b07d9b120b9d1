"""The directory model: what syncready knows about both directories, independent of the source.

Readers (Graph, LDAP, snapshot files) produce these objects; checks and fixers only ever see these.
Objects use __slots__ because a tenant of 100k users is held in memory twice (cloud and AD).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .addresses import primary_smtp, smtp_addresses
from .coverage import Coverage
from .immutableid import anchor_from_bytes

# userAccountControl bit meaning "account disabled".
UAC_ACCOUNTDISABLE = 0x2


@dataclass(slots=True)
class CloudUser:
    """A Microsoft Graph user (Graph property names in comments)."""

    id: str                                    # id
    upn: str                                   # userPrincipalName
    mail: str | None = None                    # mail
    mail_nickname: str | None = None           # mailNickname
    given_name: str | None = None              # givenName
    surname: str | None = None                 # surname
    display_name: str | None = None            # displayName
    proxy_addresses: tuple[str, ...] = ()      # proxyAddresses
    immutable_id: str | None = None            # onPremisesImmutableId
    sync_enabled: bool | None = None           # onPremisesSyncEnabled
    account_enabled: bool | None = None        # accountEnabled
    user_type: str | None = None               # userType
    extra: dict = field(default_factory=dict)  # further Graph properties (drift attributes)

    kind = "cloud-user"

    @property
    def primary_smtp(self) -> str | None:
        return primary_smtp(self.proxy_addresses, self.mail)

    def smtp_addresses(self) -> set[str]:
        return smtp_addresses(self.proxy_addresses, self.mail)

    @property
    def is_guest(self) -> bool:
        return (self.user_type or "Member").lower() == "guest" or "#ext#" in self.upn.lower()


@dataclass(slots=True)
class CloudObject:
    """A mail-carrying cloud object other than a user: a group or an orgContact."""

    id: str
    kind: str                                  # "group" | "contact"
    display_name: str | None = None
    mail: str | None = None
    mail_enabled: bool | None = None
    proxy_addresses: tuple[str, ...] = ()

    def smtp_addresses(self) -> set[str]:
        return smtp_addresses(self.proxy_addresses, self.mail)


@dataclass(slots=True)
class OnPremObject:
    """An Active Directory user, group or contact (LDAP attribute names in comments)."""

    dn: str                                    # distinguishedName
    object_class: str                          # "user" | "group" | "contact" (most specific)
    object_guid: bytes | None = None           # objectGUID (16 raw bytes)
    consistency_guid: bytes | None = None      # mS-DS-ConsistencyGuid
    upn: str | None = None                     # userPrincipalName
    sam: str | None = None                     # sAMAccountName
    mail: str | None = None                    # mail
    mail_nickname: str | None = None           # mailNickname
    proxy_addresses: tuple[str, ...] = ()      # proxyAddresses
    given_name: str | None = None              # givenName
    sn: str | None = None                      # sn
    display_name: str | None = None            # displayName
    uac: int | None = None                     # userAccountControl
    critical: bool = False                     # isCriticalSystemObject
    extra: dict = field(default_factory=dict)  # further attributes, lower-case names (drift)
    _anchor: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def kind(self) -> str:
        return "onprem-" + self.object_class

    @property
    def anchor(self) -> str | None:
        """The sourceAnchor Entra will use: mS-DS-ConsistencyGuid if set, else objectGUID."""
        if self._anchor is None:
            raw = self.consistency_guid or self.object_guid
            self._anchor = anchor_from_bytes(raw) if raw else ""
        return self._anchor or None

    @property
    def enabled(self) -> bool | None:
        return None if self.uac is None else not (self.uac & UAC_ACCOUNTDISABLE)

    @property
    def primary_smtp(self) -> str | None:
        return primary_smtp(self.proxy_addresses, self.mail)

    def smtp_addresses(self) -> set[str]:
        """Every SMTP address sync will give this object in the cloud, UPN included."""
        found = smtp_addresses(self.proxy_addresses, self.mail)
        if self.upn and self.object_class == "user":
            found.add(self.upn.lower())
        return found


@dataclass(slots=True)
class Domain:
    id: str
    is_verified: bool = False
    authentication_type: str = "Managed"       # "Managed" | "Federated"
    is_initial: bool = False


@dataclass(slots=True)
class RoleAssignment:
    principal_id: str
    role: str                                  # roleDefinition.displayName
    eligible: bool = False                     # PIM eligibility rather than active assignment
    principal_type: str | None = None          # "group", "user", ... from an expanded principal's @odata.type
    principal_name: str | None = None          # the expanded principal's displayName


@dataclass(slots=True)
class SyncFeatures:
    """The features of onPremisesDirectorySynchronization that decide how matching works."""

    soft_match_on_upn: bool = True
    block_soft_match: bool = False
    block_cloud_object_takeover_through_hard_match: bool = False
    synchronize_upn_for_managed_users: bool = False
    raw: dict = field(default_factory=dict)
    known: bool = True                         # False when the sync object could not be read


@dataclass
class Directory:
    """Both directories, as read from whatever sources; the input of the engine."""

    cloud_users: list[CloudUser] = field(default_factory=list)
    cloud_groups: list[CloudObject] = field(default_factory=list)
    cloud_contacts: list[CloudObject] = field(default_factory=list)
    domains: list[Domain] = field(default_factory=list)
    features: SyncFeatures = field(default_factory=SyncFeatures)
    role_assignments: list[RoleAssignment] = field(default_factory=list)
    roles_known: bool = False                  # whether role assignments were read at all
    # role-holding group id → transitive member ids
    group_members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    onprem: list[OnPremObject] = field(default_factory=list)
    tenant_id: str = "tenant"
    sources: dict = field(default_factory=dict)  # where each part came from, no secrets
    coverage: Coverage = field(default_factory=Coverage)  # what was read (SPEC §8)
