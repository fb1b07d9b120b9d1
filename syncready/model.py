"""The directory model: what syncready knows about both directories, independent of the source.

Readers (Graph, LDAP, snapshot files) produce these objects; checks and fixers only ever see these.
Objects use __slots__ because a tenant of 100k users is held in memory twice (cloud and AD).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .addresses import primary_smtp, smtp_addresses
from .coverage import Coverage
from .immutableid import anchor_from_bytes
from .sid import sid_to_text

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
    # What an earlier sync left (SPEC §10); None = not set, or not read (coverage says which).
    security_identifier: str | None = None     # onPremisesSecurityIdentifier ("S-1-5-21-...")
    last_sync: str | None = None               # onPremisesLastSyncDateTime (ISO 8601 text)
    object_identifier: str | None = None       # onPremisesObjectIdentifier, where Graph returns it
    onprem_dn: str | None = None               # onPremisesDistinguishedName
    onprem_sam: str | None = None              # onPremisesSamAccountName
    cloud_managed: bool | None = None          # onPremisesSyncBehavior.isCloudManaged (None: not read)
    provisioning_errors: tuple[dict, ...] = ()  # onPremisesProvisioningErrors (category, propertyCausingError, value)
    mailbox_purpose: str | None = None         # mailboxSettings.userPurpose: user|linked|shared|room|equipment|others
    password_policies: str | None = None       # passwordPolicies ("DisablePasswordExpiration", ...)
    last_password_change: str | None = None    # lastPasswordChangeDateTime (ISO 8601 text)

    kind = "cloud-user"

    @property
    def previously_synced(self) -> bool:
        """Whether an earlier sync left its marks: only such users can be cloud-managed (SPEC §10)
        or carry another object's identity. A pre-stamped ImmutableID alone is not a mark."""
        return (self.sync_enabled is not None or bool(self.last_sync) or bool(self.security_identifier)
                or bool(self.object_identifier) or bool(self.onprem_dn) or self.cloud_managed is True)

    @property
    def may_be_cloud_managed(self) -> bool:
        """Whose onPremisesSyncBehavior must be read: synchronized before, and not now (a synchronized
        user's source of authority is AD: isCloudManaged false by definition)."""
        return self.sync_enabled is not True and self.previously_synced

    @property
    def primary_smtp(self) -> str | None:
        return primary_smtp(self.proxy_addresses, self.mail)

    @property
    def soft_match_smtp(self) -> str | None:
        """The address SMTP soft match compares: the `SMTP:` proxyAddresses value only. Without
        proxyAddresses the user has no Exchange Online mailbox, and SMTP matching needs one
        (MICROSOFT-RULES, Matching): its `mail` alone is not matched on."""
        return primary_smtp(self.proxy_addresses, None) if self.proxy_addresses else None

    def smtp_addresses(self) -> set[str]:
        return smtp_addresses(self.proxy_addresses, self.mail)

    @property
    def is_guest(self) -> bool:
        """userType Guest (any case), or an external user's #EXT# UPN. Asked about 3 times per user and
        run, so the usual "Member" and a UPN without '#' are answered without lower-casing a copy."""
        kind = self.user_type
        if kind and kind != "Member" and kind.lower() == "guest":
            return True
        return "#" in self.upn and "#ext#" in self.upn.lower()


@dataclass(slots=True)
class CloudObject:
    """A mail-carrying cloud object other than a user: a group or an orgContact."""

    id: str
    kind: str                                  # "group" | "contact"
    display_name: str | None = None
    mail: str | None = None
    mail_enabled: bool | None = None
    proxy_addresses: tuple[str, ...] = ()
    # onPremisesProvisioningErrors, as on CloudUser; None: the records did not carry the property (not read)
    provisioning_errors: tuple[dict, ...] | None = None

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
    # SPEC §10: identity, passwords (FILETIME integers, 100 ns since 1601) and Exchange attributes.
    object_sid: bytes | None = None            # objectSid (binary); text form: `sid`
    pwd_last_set: int | None = None            # pwdLastSet (0 = must change at next logon)
    account_expires: int | None = None         # accountExpires (0 or 0x7FFFFFFFFFFFFFFF = never)
    last_logon_timestamp: int | None = None    # lastLogonTimestamp
    exch_mailbox_guid: bytes | None = None     # msExchMailboxGuid (16 raw bytes)
    exch_recipient_type_details: int | None = None  # msExchRecipientTypeDetails (1 local mailbox, 2147483648 remote)
    exch_remote_recipient_type: int | None = None   # msExchRemoteRecipientType (100 = migrated shared, ...)
    target_address: str | None = None          # targetAddress ("SMTP:alias@tenant.mail.onmicrosoft.com")
    home_mdb: str | None = None                # homeMDB (DN of an on-prem mailbox database)
    legacy_exchange_dn: str | None = None      # legacyExchangeDN
    group_type: int | None = None              # groupType (groups only; 0x80000000 = security group)

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

    def anchor_for(self, source_anchor: str | None) -> str | None:
        """The sourceAnchor under a configured anchor attribute ([sync] source_anchor): "objectGUID"
        uses only the objectGUID; anything else (the default) mS-DS-ConsistencyGuid, else objectGUID."""
        if source_anchor is not None and source_anchor.lower() == "objectguid":
            return anchor_from_bytes(self.object_guid) if self.object_guid else None
        return self.anchor

    @property
    def sid(self) -> str | None:
        """objectSid in its text form (S-1-5-21-...), as Graph shows onPremisesSecurityIdentifier."""
        return sid_to_text(self.object_sid) if self.object_sid else None

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
    # SPEC §10 (allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled, and the password features)
    allow_object_identifier_update: bool = False
    password_sync: bool = False                # passwordSyncEnabled
    user_force_password_change_on_logon: bool = False   # userForcePasswordChangeOnLogonEnabled
    cloud_password_policy_for_password_synced_users: bool = False


@dataclass(slots=True)
class Mailbox:
    """An Exchange Online mailbox from cloud/mailboxes.json (Get-EXOMailbox; PascalCase there)."""

    upn: str                                   # UserPrincipalName
    primary_smtp: str | None = None            # PrimarySmtpAddress
    recipient_type_details: str | None = None  # RecipientTypeDetails: UserMailbox, SharedMailbox, RoomMailbox, ...
    exchange_guid: str | None = None           # ExchangeGuid (GUID text)
    legacy_exchange_dn: str | None = None      # LegacyExchangeDN
    email_addresses: tuple[str, ...] = ()      # EmailAddresses ("SMTP:...", "smtp:...", "X500:...")


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """syncready.toml [sync]: which sync client will run the first export, and its anchor attribute."""

    client: str = "connect-sync"               # "connect-sync" | "cloud-sync"
    source_anchor: str | None = None           # None: mS-DS-ConsistencyGuid when set, else objectGUID
    password_hash_sync: bool | None = None     # planned for the cutover; None: as the tenant says (passwordSyncEnabled)


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
    mailboxes: list[Mailbox] = field(default_factory=list)   # cloud/mailboxes.json (optional)
    tenant_id: str = "tenant"
    sources: dict = field(default_factory=dict)  # where each part came from, no secrets
    coverage: Coverage = field(default_factory=Coverage)  # what was read (SPEC §8)
