"""Exchange on both sides: the cloud mailbox type of a cloud user, and what AD's Exchange attributes say.

Graph gives the mailbox type only as `mailboxSettings.userPurpose`; the Exchange Online export
(cloud/mailboxes.json, Get-EXOMailbox) gives RecipientTypeDetails plus what Graph never shows
(ExchangeGuid, LegacyExchangeDN). AD carries the on-prem view in msExchRecipientTypeDetails and
msExchRemoteRecipientType — only where the Exchange schema was installed, so the Exchange checks
first ask `exchange_absent`. The values are Exchange's own enumerations, as Microsoft's pages use them:
- RecipientTypeDetails (Learn "RecipientTypeDetails enumeration", Microsoft.Exchange.Data.Directory):
  UserMailbox 0x1, LinkedMailbox 0x2, SharedMailbox 0x4, RoomMailbox 0x10, EquipmentMailbox 0x20,
  MailUser 0x80, RemoteUserMailbox 2147483648, RemoteRoomMailbox 8589934592 (the Surface Hub hybrid
  deployment page sets it with msExchRemoteRecipientType 33), RemoteEquipmentMailbox 17179869184,
  RemoteSharedMailbox 34359738368 (KB 2710029 sets it with msExchRemoteRecipientType 100).
- RemoteRecipientType (Learn "RemoteRecipientType enumeration"), flags: ProvisionMailbox 0x1,
  ProvisionArchive 0x2, Migrated 0x4, DeprovisionMailbox 0x8, DeprovisionArchive 0x10, RoomMailbox
  0x20, EquipmentMailbox 0x40, SharedMailbox 0x60 (both), TeamMailbox 0x80; 100 = Migrated|SharedMailbox.

Lookups are built once per run, on a helper kept on the Index (no module-level cache).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import IntEnum, IntFlag, StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from .addresses import is_onmicrosoft, split_proxy
from .checkapi import Result, skipped
from .coverage import Collection
from .immutableid import guid_bytes_to_string
from .model import CloudUser, Mailbox, OnPremObject
from .sources import admap
from .vocab import Status

if TYPE_CHECKING:
    from .index import Index


class RecipientTypeDetails(IntEnum):
    """msExchRecipientTypeDetails (AD) / RecipientTypeDetails (Exchange), the values checks compare."""

    USER_MAILBOX = 0x1
    LINKED_MAILBOX = 0x2
    SHARED_MAILBOX = 0x4
    ROOM_MAILBOX = 0x10
    EQUIPMENT_MAILBOX = 0x20
    MAIL_USER = 0x80
    REMOTE_USER_MAILBOX = 2147483648
    REMOTE_ROOM_MAILBOX = 8589934592
    REMOTE_EQUIPMENT_MAILBOX = 17179869184
    REMOTE_SHARED_MAILBOX = 34359738368


class RemoteRecipientType(IntFlag):
    """msExchRemoteRecipientType: what an on-prem remote mailbox says of its Exchange Online mailbox."""

    PROVISION_MAILBOX = 0x1
    PROVISION_ARCHIVE = 0x2
    MIGRATED = 0x4
    DEPROVISION_MAILBOX = 0x8
    DEPROVISION_ARCHIVE = 0x10
    ROOM_MAILBOX = 0x20
    EQUIPMENT_MAILBOX = 0x40
    SHARED_MAILBOX = 0x60
    TEAM_MAILBOX = 0x80


# KB 2710029's values for a migrated shared mailbox (Set-ADUser ... -Replace @{...}).
MIGRATED_SHARED = RemoteRecipientType.MIGRATED | RemoteRecipientType.SHARED_MAILBOX   # 100
KIND_BITS = RemoteRecipientType.SHARED_MAILBOX                                        # 0x60


class MailboxKind(StrEnum):
    """The cloud mailbox type, in userPurpose's words; NONE: the user has no Exchange Online mailbox."""

    USER = "user"
    LINKED = "linked"
    SHARED = "shared"
    ROOM = "room"
    EQUIPMENT = "equipment"
    OTHERS = "others"
    NONE = "none"


class MailboxSource(StrEnum):
    """Where the cloud mailbox type came from (evidence names the Graph property or the export)."""

    MAILBOX_SETTINGS = "users.mailboxSettings"
    EXPORT = "mailboxes"


RESOURCE_KINDS = frozenset({MailboxKind.SHARED, MailboxKind.ROOM, MailboxKind.EQUIPMENT})

# RecipientTypeDetails text (Get-EXOMailbox) → the cloud mailbox type
_FROM_EXO = {"usermailbox": MailboxKind.USER, "linkedmailbox": MailboxKind.LINKED,
             "sharedmailbox": MailboxKind.SHARED, "roommailbox": MailboxKind.ROOM,
             "equipmentmailbox": MailboxKind.EQUIPMENT}
# The remote (hybrid) type each cloud type should have on-prem; the bits of msExchRemoteRecipientType it implies.
REMOTE_FOR = {MailboxKind.USER: RecipientTypeDetails.REMOTE_USER_MAILBOX,
              MailboxKind.LINKED: RecipientTypeDetails.REMOTE_USER_MAILBOX,
              MailboxKind.SHARED: RecipientTypeDetails.REMOTE_SHARED_MAILBOX,
              MailboxKind.ROOM: RecipientTypeDetails.REMOTE_ROOM_MAILBOX,
              MailboxKind.EQUIPMENT: RecipientTypeDetails.REMOTE_EQUIPMENT_MAILBOX}
LOCAL_MAILBOXES = frozenset({RecipientTypeDetails.USER_MAILBOX, RecipientTypeDetails.LINKED_MAILBOX,
                             RecipientTypeDetails.SHARED_MAILBOX, RecipientTypeDetails.ROOM_MAILBOX,
                             RecipientTypeDetails.EQUIPMENT_MAILBOX})
# Exchange's cmdlet -Type word for each cloud type (Set-RemoteMailbox -Type Regular|Shared|Room|Equipment).
CMDLET_TYPE = {MailboxKind.USER: "Regular", MailboxKind.LINKED: "Regular", MailboxKind.SHARED: "Shared",
               MailboxKind.ROOM: "Room", MailboxKind.EQUIPMENT: "Equipment"}

# The AD attributes Exchange adds to users (LDAP names, as coverage records them) and the model fields.
EXCHANGE_ATTRIBUTES = {"msExchRecipientTypeDetails": "exch_recipient_type_details",
                       "msExchRemoteRecipientType": "exch_remote_recipient_type",
                       "msExchMailboxGuid": "exch_mailbox_guid", "targetAddress": "target_address",
                       "homeMDB": "home_mdb", "legacyExchangeDN": "legacy_exchange_dn"}
# Only Exchange's schema extension defines these; every forest with Exchange has users carrying them.
EXCHANGE_MARKERS = ("msExchMailboxGuid", "msExchRecipientTypeDetails", "msExchRemoteRecipientType")
MAILBOX_SETTINGS = "mailboxSettings"
EXPORT_COMMAND = ("Get-EXOMailbox -ResultSize Unlimited -Properties UserPrincipalName,PrimarySmtpAddress,"
                  "RecipientTypeDetails,ExchangeGuid,LegacyExchangeDN,EmailAddresses | ConvertTo-Json -Depth 5 "
                  "> cloud/mailboxes.json")


def type_name(value: int | None) -> str:
    """msExchRecipientTypeDetails with Exchange's name: '34359738368 (RemoteSharedMailbox)'; 'not set'."""
    if value is None:
        return "not set"
    try:
        return f"{value} ({_camel(RecipientTypeDetails(value).name)})"
    except ValueError:
        return str(value)


def remote_name(value: int | None) -> str:
    """msExchRemoteRecipientType with its flags: '100 (Migrated, SharedMailbox)'; 'not set'."""
    if value is None:
        return "not set"
    flags = RemoteRecipientType(value & 0xFF)
    names = [] if value & 0xFF != value else [_camel(f.name or "") for f in _flag_names(flags)]
    return f"{value} ({', '.join(names)})" if names else str(value)


def _flag_names(flags: RemoteRecipientType) -> list[RemoteRecipientType]:
    found = [f for f in (RemoteRecipientType.PROVISION_MAILBOX, RemoteRecipientType.PROVISION_ARCHIVE,
                         RemoteRecipientType.MIGRATED, RemoteRecipientType.DEPROVISION_MAILBOX,
                         RemoteRecipientType.DEPROVISION_ARCHIVE, RemoteRecipientType.TEAM_MAILBOX) if flags & f]
    kind = flags & KIND_BITS
    if kind:
        found.append(RemoteRecipientType(kind))
    return found


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


# the kind bits as a plain int, and the table built once: `int & IntFlag` makes a flag object per call
_KIND_MASK = int(KIND_BITS)
_REMOTE_KINDS = {0: MailboxKind.USER, int(RemoteRecipientType.ROOM_MAILBOX): MailboxKind.ROOM,
                 int(RemoteRecipientType.EQUIPMENT_MAILBOX): MailboxKind.EQUIPMENT}


def remote_kind(remote: int | None) -> MailboxKind | None:
    """The mailbox type msExchRemoteRecipientType states (room/equipment/shared bits; none: a user mailbox)."""
    if remote is None:
        return None
    return _REMOTE_KINDS.get(remote & _KIND_MASK, MailboxKind.SHARED)


def local_mailbox(ad: OnPremObject) -> bool:
    """The AD user has its own on-prem mailbox (homeMDB, or a local mailbox type)."""
    return bool(ad.home_mdb) or ad.exch_recipient_type_details in LOCAL_MAILBOXES


def mailbox_guid_bytes(exchange_guid: str) -> bytes:
    """msExchMailboxGuid for an ExchangeGuid: the 16 bytes of .NET Guid.ToByteArray(), as objectGUID."""
    return uuid.UUID(exchange_guid).bytes_le


def x500(legacy_exchange_dn: str) -> str:
    return f"X500:{legacy_exchange_dn}"


def has_proxy(proxies: tuple[str, ...] | list[str], value: str) -> bool:
    """Whether a proxy is present; X500 (and every non-SMTP type) compares prefix and address case-insensitively.
    The value spelled exactly so (the usual case) is present without lower-casing every proxy."""
    if value in proxies:
        return True
    key = value.lower()
    return any(p.lower() == key for p in proxies)


def same_mailbox_guid(raw: bytes, exchange_guid: str) -> bool:
    """msExchMailboxGuid `raw` is the ExchangeGuid: `raw == mailbox_guid_bytes(exchange_guid)`. Text
    written as GUID text writes it (lower case, hyphens) is told from raw's GUID text without parsing it."""
    if len(raw) == 16 and guid_bytes_to_string(raw) == exchange_guid:
        return True
    return raw == mailbox_guid_bytes(exchange_guid)


class CloudMailbox(NamedTuple):
    """What is known of one cloud user's mailbox. `kind` None: not known (`unread` says what is missing).
    A tuple, not a frozen dataclass: one is made per cloud user and run, and a frozen dataclass's
    __init__ costs three times as much; it is as immutable."""

    kind: MailboxKind | None
    source: MailboxSource | None = None
    record: Mailbox | None = None
    unread: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.kind is not None

    @property
    def resource(self) -> bool:
        return self.kind in RESOURCE_KINDS

    def evidence(self) -> dict:
        out: dict = {"cloud_mailbox_type": self.kind.value if self.kind else "unknown"}
        if self.source:
            out["mailbox_type_source"] = self.source.value
        if self.record and self.record.recipient_type_details:
            out["cloud_recipient_type_details"] = self.record.recipient_type_details
        return out


class Exchange:
    """The Exchange facts of one run: cloud mailboxes by UPN, what coverage says, whether AD has Exchange."""

    def __init__(self, index: Index):
        self.index = index
        self.directory = index.directory
        self.coverage = index.directory.coverage
        self._ad_unread: dict[tuple[str, ...], list[str]] = {}
        self._boxes: dict[int, CloudMailbox] = {}      # id(cloud user) → its mailbox; five checks ask per user
        self._routing: dict[tuple[int, int], str | None] = {}
        self._shared: dict[tuple, Result] = {}

    def shared(self, key: tuple, make: Callable[[], Result]) -> Result:
        """One Result for every user the gate answers alike (the same key): frozen, so all may hold it,
        and the results JSON writes a Result it has seen once."""
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = make()
        return found

    @cached_property
    def by_upn(self) -> dict[str, Mailbox]:
        """Mailbox records by lower-cased UPN, keyed by the record's own string when it is lower-case
        already (the usual case: no copy per mailbox kept)."""
        table: dict[str, Mailbox] = {}
        for box in self.directory.mailboxes:
            key = box.upn.lower()
            table.setdefault(box.upn if key == box.upn else key, box)
        return table

    @cached_property
    def purpose_unread(self) -> tuple[str, ...]:
        """Why users.mailboxSettings was not read (empty: it was)."""
        return tuple(self.coverage.unread((f"{Collection.USERS}.{MAILBOX_SETTINGS}",)))

    @cached_property
    def export_unread(self) -> tuple[str, ...]:
        found = self.coverage.unread((Collection.MAILBOXES,))
        return tuple(text if "Get-EXOMailbox" in text else f"{text}; export: {EXPORT_COMMAND}" for text in found)

    @cached_property
    def absent(self) -> str | None:
        """Why the Exchange checks do not apply (no Exchange schema in AD), or None when they do.

        The AD reader says so when it could tell (a live read looks at the schema); otherwise no AD user
        carrying an Exchange marker (msExchMailboxGuid, msExchRecipientTypeDetails,
        msExchRemoteRecipientType) means no Exchange: wherever Exchange was installed, its system and
        arbitration mailboxes are AD users that carry them."""
        if not self.coverage.usable(Collection.AD_USERS):
            return None       # adUsers itself not read: the engine reports that, the checks do not guess
        if admap.no_exchange_schema(self.coverage):       # the AD reader's own finding
            return f"{admap.NO_EXCHANGE_SCHEMA}: the Exchange checks do not apply"
        markers = [EXCHANGE_ATTRIBUTES[name] for name in EXCHANGE_MARKERS]
        if any(getattr(user, field) is not None for user in self.index.onprem_users for field in markers):
            return None
        return ("AD carries no Exchange attributes (no " + ", ".join(EXCHANGE_MARKERS) + " on any user): no "
                "Exchange schema, so the Exchange checks do not apply; if the forest has Exchange, export "
                "these attributes too")

    def ad_unread(self, names: tuple[str, ...]) -> list[str]:
        """Which of these AD Exchange attributes were not read, while others were (schema present).
        The same for every user of a run, so asked of the coverage once per set of names."""
        found = self._ad_unread.get(names)
        if found is None:
            found = self._ad_unread[names] = self.coverage.unread(f"{Collection.AD_USERS}.{name}" for name in names)
        return found

    def mailbox(self, user: CloudUser) -> CloudMailbox:
        """The cloud mailbox type: userPurpose when Graph gave it, else the export's RecipientTypeDetails;
        a user with no record in a read export, or no userPurpose while mailboxSettings was read, has none.
        Decided once per user and run (CloudMailbox is frozen, so every check may hold the same one)."""
        box = self._boxes.get(id(user))
        if box is None:
            box = self._boxes[id(user)] = self._mailbox(user)
        return box

    def _mailbox(self, user: CloudUser) -> CloudMailbox:
        record = self.by_upn.get(user.upn.lower())
        if user.mailbox_purpose:
            return CloudMailbox(_purpose(user.mailbox_purpose), MailboxSource.MAILBOX_SETTINGS, record)
        if not self.export_unread:
            if record is None:
                return CloudMailbox(MailboxKind.NONE, MailboxSource.EXPORT)
            kind = _FROM_EXO.get((record.recipient_type_details or "").lower(), MailboxKind.OTHERS)
            return CloudMailbox(kind, MailboxSource.EXPORT, record)
        if not self.purpose_unread:
            return CloudMailbox(MailboxKind.NONE, MailboxSource.MAILBOX_SETTINGS)
        if not (user.mail or user.proxy_addresses):
            return CloudMailbox(MailboxKind.NONE)    # no SMTP address at all: Exchange Online has no mailbox for it
        return CloudMailbox(None, unread=self.purpose_unread + self.export_unread)

    @cached_property
    def routing_domains(self) -> frozenset[str]:
        """The tenant's own routing domains: its *.onmicrosoft.com domains and <initial>.mail.onmicrosoft.com."""
        found = {d.id.lower() for d in self.directory.domains if is_onmicrosoft(d.id)}
        for domain in list(found):
            if not domain.endswith(".mail.onmicrosoft.com"):
                found.add(domain.removesuffix(".onmicrosoft.com") + ".mail.onmicrosoft.com")
        return frozenset(found)

    def routing_address(self, user: CloudUser, record: Mailbox | None) -> str | None:
        """The address a remote mailbox's targetAddress should name: the mailbox's own address in the
        tenant's mail routing domain (alias@tenant.mail.onmicrosoft.com), else its onmicrosoft.com one.
        Once per user and record in a run (the check and its fixer both ask)."""
        key = (id(user), id(record))
        if key not in self._routing:
            self._routing[key] = self._routing_address(user, record)
        return self._routing[key]

    def _routing_address(self, user: CloudUser, record: Mailbox | None) -> str | None:
        addresses = [split_proxy(p)[1] for p in (*(record.email_addresses if record else ()), *user.proxy_addresses)
                     if split_proxy(p)[0].lower() == "smtp"]
        routed = [a for a in addresses if a.rpartition("@")[2].lower() in self.routing_domains]
        routed.sort(key=lambda a: not a.lower().endswith(".mail.onmicrosoft.com"))
        return routed[0] if routed else None

    def routes_to(self, user: CloudUser, record: Mailbox | None, target: str) -> bool:
        """targetAddress names an address of this mailbox in one of the tenant's routing domains
        (compared case-insensitively; the first address that matches decides)."""
        address = split_proxy(target)[1] if ":" in target else target
        if address.rpartition("@")[2].lower() not in self.routing_domains:
            return False
        key = address.lower()
        for proxies in (record.email_addresses if record else (), user.proxy_addresses):
            for value in proxies:
                prefix, sep, held = value.partition(":")
                if (held if sep else value).lower() == key:
                    return True
        return False


_PURPOSES = {kind.value: kind for kind in MailboxKind}   # MailboxKind(text) without the enum's call machinery


def _purpose(value: str) -> MailboxKind:
    return _PURPOSES.get(value.lower(), MailboxKind.OTHERS)


_ATTRIBUTE = "_exchange"


def exchange(index: Index) -> Exchange:
    """The run's Exchange helper, built on first use and kept on the Index."""
    found = getattr(index, _ATTRIBUTE, None)
    if not isinstance(found, Exchange):
        found = Exchange(index)
        setattr(index, _ATTRIBUTE, found)
    return found


def applies(index: Index, user: CloudUser, attributes: tuple[str, ...]) -> tuple[CloudMailbox, Result | None]:
    """The gate every Exchange check passes first: (the cloud mailbox, None) when the check applies, else
    the result to return — skip without Exchange in AD or without a cloud mailbox, error when the
    mailbox type or one of `attributes` (AD) was not read."""
    helper = exchange(index)
    box = helper.mailbox(user)
    if helper.absent:
        return box, helper.shared(("absent",), lambda: skipped(helper.absent or ""))
    kind = box.kind
    if kind is None:
        return box, helper.shared(("unknown", box.unread), lambda: unread_result(box.unread, "the cloud mailbox type"))
    if kind is MailboxKind.NONE:
        if box.record is not None:   # a record's RecipientTypeDetails joins the evidence: this user's own
            return box, skipped(_NO_MAILBOX, **box.evidence())
        return box, helper.shared(("none", box.source), lambda: skipped(_NO_MAILBOX, **box.evidence()))
    missing = helper.ad_unread(attributes)
    if missing:
        return box, helper.shared(("ad", attributes),
                                  lambda: unread_result(tuple(missing), "the AD Exchange attributes"))
    return box, None


_NO_MAILBOX = "the cloud user has no Exchange Online mailbox"


def unread_result(missing: tuple[str, ...] | list[str], what: str) -> Result:
    """error "not read: ..." for one subject whose verdict depends on what was not read."""
    return Result(Status.ERROR, f"not read: {'; '.join(missing)} — {what} decides this check",
                  {"unread": list(missing)})
