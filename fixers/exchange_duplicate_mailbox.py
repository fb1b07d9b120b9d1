"""The steps to leave the person one mailbox (manual: Microsoft's recovery disables a mailbox and
restores its content, which no directory write can do)."""
from syncready.fixerapi import FixContext, Result, Subject
from syncready.mailboxes import exchange

from ._common import ps_quote


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    user, ad = subject.obj, subject.counterpart
    upn, dn = ps_quote(user.upn), ps_quote(ad.dn)
    record = exchange(ctx.index).mailbox(user).record
    cloud_guid = (record.exchange_guid if record else None) or "<ExchangeGuid from Get-EXOMailbox>"
    routing = exchange(ctx.index).routing_address(user, record) or "alias@tenant.mail.onmicrosoft.com"
    return (
        f"Decide which mailbox of {user.upn} stays, before the first sync "
        "(Microsoft: 'How to recover when a mailbox exists in both Exchange Online and on-premises').\n"
        "Keep the Exchange Online mailbox (Exchange Management Shell on-prem):\n"
        f"  1. $formatenumerationlimit = -1; Get-Mailbox '{dn}' | Format-List > mailboxinfo.txt  "
        "(addresses, LegacyExchangeDN, ExchangeGuid, Database)\n"
        f"  2. Disable-Mailbox '{dn}'\n"
        f"  3. Enable-RemoteMailbox '{dn}' -RemoteRoutingAddress '{routing}'\n"
        "  4. restore the custom proxy addresses from mailboxinfo.txt, and add the old LegacyExchangeDN: "
        f"Set-RemoteMailbox '{dn}' -EmailAddresses @{{add='x500:<LegacyExchangeDN from mailboxinfo.txt>'}}\n"
        f"  5. Set-RemoteMailbox '{dn}' -ExchangeGuid {cloud_guid}\n"
        "  6. from Exchange Online PowerShell: New-MailboxRestoreRequest -RemoteHostName <on-prem EWS host> "
        "-RemoteCredential (Get-Credential) -SourceStoreMailbox <old ExchangeGuid> -TargetMailbox "
        f"{cloud_guid} -RemoteDatabaseGuid <database GUID> -RemoteRestoreType DisconnectedMailbox "
        "(Exchange 2013 or later; a final RecipientNotFoundPermanentException is expected when every item was copied)\n"
        "Or keep the on-prem mailbox: remove the Exchange Online mailbox's data (remove its licence, then "
        f"Set-User '{upn}' -PermanentlyClearPreviousMailboxInfo in Exchange Online) and move it later with a "
        "hybrid migration batch."
    )
