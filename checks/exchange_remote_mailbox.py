from syncready.checkapi import CheckMeta, failed, passed, skipped
from syncready.immutableid import guid_bytes_to_string
from syncready.mailboxes import (
    EXPORT_COMMAND,
    applies,
    exchange,
    has_proxy,
    local_mailbox,
    same_mailbox_guid,
    unread_result,
    x500,
)
from syncready.vocab import FixAvailability, Safety, Severity, SubjectKind

from ._common import EXO_DUAL_MAILBOX, EXO_MAILBOX_GUID_KB, EXO_SET_REMOTE_MAILBOX, PROXY_CALCULATION

ATTRIBUTES = ("targetAddress", "msExchMailboxGuid", "homeMDB", "msExchRecipientTypeDetails")

META = CheckMeta(
    id="exchange-remote-mailbox", order=220, needs_counterpart=True,
    inputs=("users", "users.proxyAddresses", "adUsers", "adUsers.proxyAddresses"),
    title="The AD user is prepared as the remote mailbox of the cloud mailbox",
    severity=Severity.WARNING, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.ALWAYS, safety=Safety.SAFE,
    description="With Exchange attributes in AD and an Exchange Online mailbox: the counterpart's targetAddress "
                "routes to the tenant (an address of this mailbox in alias@tenant.mail.onmicrosoft.com or "
                "another *.onmicrosoft.com domain of the tenant), its msExchMailboxGuid equals the cloud "
                "ExchangeGuid, and its proxyAddresses hold X500:<cloud LegacyExchangeDN>. ExchangeGuid and "
                "LegacyExchangeDN come only from the Exchange Online export cloud/mailboxes.json; without it "
                "the check is an error for users with a mailbox. Skipped without Exchange attributes in AD, "
                "without a cloud mailbox, or when the AD user has its own on-prem mailbox.",
    why="A cloud-created mailbox's ExchangeGuid is never synced back: a later move on-prem fails with "
        "MigrationPermanentException 'Cannot find a recipient that has mailbox GUID' (KB 2956029); without "
        "targetAddress on-prem Exchange cannot route mail to the cloud mailbox; and after the match AD's "
        "proxyAddresses rule, so replies to old messages and cached recipients (X500 of the LegacyExchangeDN) "
        "bounce unless AD holds that X500.",
    how_to_fix="`syncready fix --select exchange-remote-mailbox` adds what is missing (never replaces a "
               "value): targetAddress SMTP:alias@tenant.mail.onmicrosoft.com when empty, msExchMailboxGuid when "
               "empty, the X500 proxy. With Exchange tools: `Set-RemoteMailbox -Identity <upn> -ExchangeGuid "
               "<ExchangeGuid> -RemoteRoutingAddress alias@tenant.mail.onmicrosoft.com -EmailAddresses "
               "@{add='X500:<LegacyExchangeDN>'}`. A different existing value needs a decision by hand.",
    references=(EXO_MAILBOX_GUID_KB, EXO_DUAL_MAILBOX, EXO_SET_REMOTE_MAILBOX, PROXY_CALCULATION),
)


def check(cloud_user, counterpart, index):
    box, gate = applies(index, cloud_user, ATTRIBUTES)
    if gate is not None:
        return gate
    ad = counterpart
    if local_mailbox(ad):
        return skipped(f"{ad.dn} has its own on-prem mailbox: exchange-duplicate-mailbox reports it", onprem_dn=ad.dn)
    helper = exchange(index)
    record = box.record
    if record is None:
        why = helper.export_unread or (f"mailboxes (no record for {cloud_user.upn} in cloud/mailboxes.json; export: "
                                       f"{EXPORT_COMMAND})",)
        return unread_result(why, "the cloud ExchangeGuid and LegacyExchangeDN")
    missing: list[str] = []
    wrong: list[str] = []
    target = ad.target_address
    if not target:
        missing.append("targetAddress")
    elif not helper.routes_to(cloud_user, record, target):
        routing = helper.routing_address(cloud_user, record)
        wrong.append(f"targetAddress {target} does not route to this mailbox in the tenant"
                     + (f" (expected SMTP:{routing})" if routing else ""))
    raw = ad.exch_mailbox_guid
    if record.exchange_guid:
        if raw is None:
            missing.append("msExchMailboxGuid")
        elif not same_mailbox_guid(raw, record.exchange_guid):
            wrong.append(f"msExchMailboxGuid {_guid_text(raw)} is not the cloud ExchangeGuid {record.exchange_guid}")
    if record.legacy_exchange_dn and not has_proxy(ad.proxy_addresses, x500(record.legacy_exchange_dn)):
        missing.append(x500(record.legacy_exchange_dn))
    if not missing and not wrong:
        return passed()
    # evidence only for a failure: most users pass, and a pass carries none
    routing = helper.routing_address(cloud_user, record)
    evidence: dict = {**box.evidence(), "onprem_dn": ad.dn, "targetAddress": ad.target_address,
                      "cloud_exchange_guid": record.exchange_guid,
                      "cloud_legacy_exchange_dn": record.legacy_exchange_dn}
    if record.exchange_guid:
        evidence["msExchMailboxGuid"] = _guid_text(raw)
    parts = [f"missing {', '.join(missing)}"] if missing else []
    return failed(
        f"{ad.dn} is not prepared as the remote mailbox of {cloud_user.upn}: " + "; ".join(parts + wrong)
        + f". Add what is missing (syncready fix --select exchange-remote-mailbox, or Set-RemoteMailbox -Identity "
        f"{cloud_user.upn} -ExchangeGuid {record.exchange_guid or '<ExchangeGuid>'}"
        f" -RemoteRoutingAddress {routing or 'alias@tenant.mail.onmicrosoft.com'}); a later move on-prem needs "
        "the ExchangeGuid (KB 2956029)",
        **evidence, missing=missing, wrong=wrong, routing_address=routing)


def _guid_text(raw: bytes | None) -> str | None:
    """msExchMailboxGuid as evidence shows it: GUID text for 16 bytes, else hex."""
    return guid_bytes_to_string(raw) if raw and len(raw) == 16 else (raw.hex() if raw else None)
