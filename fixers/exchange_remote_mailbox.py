"""Adds what the AD user lacks to be the remote mailbox of its cloud mailbox; never replaces a value.

- targetAddress, when empty: `SMTP:` + the mailbox's own address in the tenant's routing domain
  (alias@tenant.mail.onmicrosoft.com, else its onmicrosoft.com address), as Enable-RemoteMailbox
  -RemoteRoutingAddress sets it;
- msExchMailboxGuid, when empty: the 16 bytes of the cloud ExchangeGuid in AD's byte order (.NET
  Guid.ToByteArray(), as objectGUID), what `Set-RemoteMailbox -ExchangeGuid` writes (KB 2956029);
- `X500:<cloud LegacyExchangeDN>` added to proxyAddresses. When proxyAddresses is empty, sync derives
  the primary SMTP from `mail` (KB 3190357), so `SMTP:<mail>` is added first to keep that primary.
A value that is there but different (another routing address, another mailbox GUID) is left alone and
named: which one is right needs a person.
"""
from syncready.fixerapi import Change, FixContext, Result, Subject
from syncready.mailboxes import exchange, has_proxy, mailbox_guid_bytes, x500

from ._common import modify

CHECK = "exchange-remote-mailbox"


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    user, ad = subject.obj, subject.counterpart
    helper = exchange(ctx.index)
    record = helper.mailbox(user).record
    if record is None:
        return []
    changes: list[Change] = []
    if not ctx.values(ad, "targetAddress", ad.target_address):
        routing = helper.routing_address(user, record)
        if routing:
            changes.append(modify(CHECK, subject, ad, "targetAddress", [], [f"SMTP:{routing}"],
                                  note="routes on-prem mail to the Exchange Online mailbox"))
        else:
            ctx.refuse(f"{user.upn} has no address in the tenant's routing domain (alias@tenant.mail."
                       "onmicrosoft.com): add one to the mailbox, then set targetAddress (Enable-RemoteMailbox "
                       "-RemoteRoutingAddress)")
    if record.exchange_guid and not ctx.values(ad, "msExchMailboxGuid", ad.exch_mailbox_guid):
        changes.append(modify(CHECK, subject, ad, "msExchMailboxGuid", [], [mailbox_guid_bytes(record.exchange_guid)],
                              note=f"ExchangeGuid {record.exchange_guid} of the cloud mailbox"))
    proxies = ctx.values(ad, "proxyAddresses", ad.proxy_addresses)
    if record.legacy_exchange_dn and not has_proxy(proxies, x500(record.legacy_exchange_dn)):
        add = [x500(record.legacy_exchange_dn)]
        mail = ctx.values(ad, "mail", ad.mail)
        if not proxies and mail:
            add.insert(0, f"SMTP:{mail[0]}")
        changes.append(modify(CHECK, subject, ad, "proxyAddresses", [], add,
                              note="X500 of the cloud LegacyExchangeDN" +
                                   (", after the primary sync derives from mail" if len(add) > 1 else "")))
    for problem in (result.evidence or {}).get("wrong", ()):
        ctx.refuse(f"left alone: {problem}; decide which value is right and change it by hand")
    return changes
