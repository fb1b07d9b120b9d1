"""Makes the AD user of a cloud shared mailbox a remote shared mailbox, with KB 2710029's values.

Microsoft's supported exception for AD tools: `Set-ADUser -Replace @{msExchRemoteRecipientType=100;
msExchRecipientTypeDetails=34359738368}`, written here as two modifies that delete the exact old value
(if any) and add the new one. Unsafe: these are Exchange's own attributes, which Microsoft otherwise
wants changed through Exchange — where Exchange management tools exist, `Set-RemoteMailbox -Type
Shared` is the better way and the plan says so. Room, equipment and user mailboxes have no documented
AD-only values: their plan is the Set-RemoteMailbox command.
"""
from syncready.fixerapi import Change, FixContext, NotFixable, Result, Subject
from syncready.mailboxes import (
    CMDLET_TYPE,
    MIGRATED_SHARED,
    MailboxKind,
    RecipientTypeDetails,
    exchange,
    remote_kind,
)

from ._common import modify, ps_quote

CHECK = "exchange-recipient-type"
PREFER = ("where Exchange management tools exist (Exchange 2013 CU21+, 2016 CU10+, 2019), prefer "
          "`Set-RemoteMailbox -Identity '{upn}' -Type {kind}` to this AD write")


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    user, ad = subject.obj, subject.counterpart
    kind = exchange(ctx.index).mailbox(user).kind
    upn = ps_quote(user.upn)
    if kind is not MailboxKind.SHARED:
        cmdlet = CMDLET_TYPE.get(kind, "Regular") if kind else "Regular"
        raise NotFixable(f"no AD-only values are documented for a {kind} mailbox: run `Set-RemoteMailbox "
                         f"-Identity '{upn}' -Type {cmdlet}` (Enable-RemoteMailbox first if the AD user is no "
                         "remote mailbox) on an Exchange server")
    note = PREFER.format(upn=upn, kind="Shared")
    changes: list[Change] = []
    for attribute, current, new in (
            ("msExchRemoteRecipientType", ad.exch_remote_recipient_type, int(MIGRATED_SHARED)),
            ("msExchRecipientTypeDetails", ad.exch_recipient_type_details,
             int(RecipientTypeDetails.REMOTE_SHARED_MAILBOX))):
        now = ctx.values(ad, attribute, current)
        if [str(v) for v in now] == [str(new)]:
            continue
        if attribute == "msExchRemoteRecipientType" and len(now) == 1 and remote_kind(int(now[0])) is kind:
            continue        # already says shared (97: provisioned in the cloud): keep it
        changes.append(modify(CHECK, subject, ad, attribute, [str(v) for v in now], [str(new)], note=note))
    return changes
