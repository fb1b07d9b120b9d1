from syncready.checkapi import CheckMeta, failed, passed
from syncready.immutableid import guid_bytes_to_string
from syncready.mailboxes import applies, local_mailbox, type_name
from syncready.vocab import FixAvailability, Severity, SubjectKind

from ._common import EXISTING_TENANT, EXO_DUAL_MAILBOX, EXO_RECIPIENT_TYPES, GRAPH_MAILBOX_SETTINGS

ATTRIBUTES = ("homeMDB", "msExchRecipientTypeDetails")

META = CheckMeta(
    id="exchange-duplicate-mailbox", order=210, needs_counterpart=True,
    inputs=("users", "users.proxyAddresses", "adUsers"),
    title="The person does not have a mailbox on both sides",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.MANUAL,
    description="Fails when the cloud user has an Exchange Online mailbox (mailboxSettings.userPurpose or "
                "cloud/mailboxes.json) and the counterpart has its own on-prem mailbox: homeMDB set, or "
                "msExchRecipientTypeDetails of a local mailbox (1 UserMailbox, 2 LinkedMailbox, 4 SharedMailbox, "
                "16 RoomMailbox, 32 EquipmentMailbox). Skipped without Exchange attributes in AD or without a "
                "cloud mailbox; an error when either side's mailbox was not read.",
    why="Matched, the person has two mailboxes: mail is delivered to the one on the sender's side (on-prem "
        "senders to the on-prem mailbox, cloud senders to Exchange Online), so each mailbox misses part of "
        "the mail ('How to recover when a mailbox exists in both Exchange Online and on-premises').",
    how_to_fix="Decide which mailbox stays before the first sync. Keeping Exchange Online: save the on-prem "
               "mailbox's addresses and LegacyExchangeDN, `Disable-Mailbox`, `Enable-RemoteMailbox "
               "-RemoteRoutingAddress alias@tenant.mail.onmicrosoft.com`, add the old LegacyExchangeDN as an "
               "x500 address, stamp the cloud ExchangeGuid (`Set-RemoteMailbox -ExchangeGuid`) and restore the "
               "old content with `New-MailboxRestoreRequest -RemoteRestoreType DisconnectedMailbox`. Keeping "
               "the on-prem mailbox: remove the Exchange Online mailbox data (licence, then Microsoft's "
               "'Permanently Clear Previous Mailbox Info') and move it later with a hybrid migration.",
    references=(EXO_DUAL_MAILBOX, EXO_RECIPIENT_TYPES, GRAPH_MAILBOX_SETTINGS, EXISTING_TENANT),
)


def check(cloud_user, counterpart, index):
    box, gate = applies(index, cloud_user, ATTRIBUTES)
    if gate is not None:
        return gate
    ad = counterpart
    if not local_mailbox(ad):
        return passed()
    raw = ad.exch_mailbox_guid
    guid = guid_bytes_to_string(raw) if raw and len(raw) == 16 else None
    cloud_guid = box.record.exchange_guid if box.record else None
    return failed(
        f"{cloud_user.upn} has an Exchange Online {box.kind} mailbox and AD user {ad.dn} has an on-prem mailbox "
        f"(homeMDB {ad.home_mdb or 'not set'}, msExchRecipientTypeDetails {type_name(ad.exch_recipient_type_details)}"
        f", msExchMailboxGuid {guid or 'not set'}; cloud ExchangeGuid {cloud_guid or 'not read'}): matched, the "
        "person has two mailboxes and mail goes to the one on the sender's side. Keep one before the first sync "
        "(Microsoft: 'How to recover when a mailbox exists in both Exchange Online and on-premises'; "
        "syncready fix --select exchange-duplicate-mailbox prints the steps)",
        **box.evidence(), onprem_dn=ad.dn, homeMDB=ad.home_mdb,
        msExchRecipientTypeDetails=ad.exch_recipient_type_details, msExchMailboxGuid=guid,
        cloud_exchange_guid=cloud_guid)
