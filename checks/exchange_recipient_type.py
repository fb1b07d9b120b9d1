from syncready.checkapi import CheckMeta, failed, passed, skipped
from syncready.mailboxes import (
    CMDLET_TYPE,
    REMOTE_FOR,
    MailboxKind,
    applies,
    local_mailbox,
    remote_kind,
    remote_name,
    type_name,
)
from syncready.vocab import FixAvailability, Safety, Severity, SubjectKind

from ._common import (
    EXISTING_TENANT,
    EXO_RECIPIENT_TYPES,
    EXO_SET_REMOTE_MAILBOX,
    EXO_SHARED_CONVERTED_KB,
    GRAPH_MAILBOX_SETTINGS,
)

ATTRIBUTES = ("msExchRecipientTypeDetails", "msExchRemoteRecipientType", "homeMDB")

META = CheckMeta(
    id="exchange-recipient-type", order=200, needs_counterpart=True,
    inputs=("users", "users.proxyAddresses", "adUsers"),
    title="The AD user's Exchange recipient type fits the cloud mailbox type",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.SOMETIMES, safety=Safety.UNSAFE,
    description="Compares the cloud mailbox type (Graph mailboxSettings.userPurpose, else RecipientTypeDetails "
                "of cloud/mailboxes.json) with the counterpart's msExchRecipientTypeDetails and "
                "msExchRemoteRecipientType: a user mailbox needs a remote user mailbox (2147483648) or no "
                "Exchange attributes; a shared mailbox a remote shared mailbox (34359738368) whose "
                "msExchRemoteRecipientType has the SharedMailbox bits (100 = Migrated, SharedMailbox); a room "
                "or equipment mailbox a remote room (8589934592) or remote equipment (17179869184) mailbox. "
                "Skipped when AD has no Exchange attributes at all (no Exchange schema), when the cloud user "
                "has no mailbox, or when the AD user has its own on-prem mailbox (exchange-duplicate-mailbox). "
                "An error when the mailbox type or the AD Exchange attributes were not read.",
    why="After the match Exchange Online takes the recipient type from AD: a shared mailbox whose AD user "
        "lacks the remote-shared values is converted back to a user mailbox ('Couldn't convert the mailbox "
        "because the mailbox is already of the type Regular'); without a licence it is disconnected after "
        "the 30-day grace period, which can lose its content (KB 2710029).",
    how_to_fix="Where Exchange management tools exist (Exchange 2013 CU21+, 2016 CU10+, 2019): "
               "`Set-RemoteMailbox -Identity <upn> -Type Shared` (or Room, Equipment, Regular; "
               "`Enable-RemoteMailbox` first if the AD user is no remote mailbox). Without them, Microsoft's "
               "supported exception for the shared case: `Set-ADUser -Identity <sam> -Replace "
               "@{msExchRemoteRecipientType=100;msExchRecipientTypeDetails=34359738368}` — what "
               "`syncready fix --select exchange-recipient-type --unsafe` writes.",
    references=(EXO_SHARED_CONVERTED_KB, EXO_SET_REMOTE_MAILBOX, EXO_RECIPIENT_TYPES, GRAPH_MAILBOX_SETTINGS,
                EXISTING_TENANT),
)


def check(cloud_user, counterpart, index):
    box, gate = applies(index, cloud_user, ATTRIBUTES)
    if gate is not None:
        return gate
    kind = box.kind
    ad = counterpart
    details, remote = ad.exch_recipient_type_details, ad.exch_remote_recipient_type
    want = REMOTE_FOR.get(kind)
    if want is not None and not local_mailbox(ad):
        if kind in (MailboxKind.USER, MailboxKind.LINKED):
            fits = details in (None, want) and remote_kind(remote) in (None, MailboxKind.USER)
        else:
            fits = details == want and remote_kind(remote) == kind
        if fits:
            return passed()      # the common case, decided before any evidence is built
    evidence = {**box.evidence(), "onprem_dn": ad.dn, "msExchRecipientTypeDetails": details,
                "msExchRemoteRecipientType": remote}
    if local_mailbox(ad):
        return skipped(f"{ad.dn} has its own on-prem mailbox ({type_name(details)}, homeMDB "
                       f"{ad.home_mdb or 'not set'}): exchange-duplicate-mailbox reports it", **evidence)
    if want is None:
        return skipped(f"the cloud mailbox type is {kind} (no remote mailbox type of its own in AD)", **evidence)
    evidence["expected_msExchRecipientTypeDetails"] = int(want)
    return failed(_message(cloud_user.upn, kind, ad, details, remote, want), **evidence)


def _message(upn, kind, ad, details, remote, want) -> str:
    have = (f"AD user {ad.dn} has msExchRecipientTypeDetails {type_name(details)} and msExchRemoteRecipientType "
            f"{remote_name(remote)}")
    fix = f"`Set-RemoteMailbox -Identity {upn} -Type {CMDLET_TYPE[kind]}`"
    if kind is MailboxKind.SHARED:
        return (f"{upn} is a shared mailbox in Exchange Online, but {have}: after the first sync Exchange Online "
                "converts it to a user mailbox, and unlicensed it is disconnected after the 30-day grace period "
                f"(KB 2710029). Make it a remote shared mailbox: {fix} where Exchange tools exist, else "
                "`Set-ADUser -Replace @{msExchRemoteRecipientType=100;msExchRecipientTypeDetails=34359738368}` "
                "(syncready fix --select exchange-recipient-type --unsafe)")
    return (f"{upn} is a {kind} mailbox in Exchange Online, but {have} (expected {type_name(want)}): after the "
            f"first sync Exchange Online takes the recipient type from AD. Make the AD user a remote {kind} "
            f"mailbox: {fix} (`Enable-RemoteMailbox` first if it is none)")

