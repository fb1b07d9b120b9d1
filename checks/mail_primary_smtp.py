from syncready.checkapi import PASS, CheckMeta, failed, skipped
from syncready.vocab import FixAvailability, Safety, Severity, SubjectKind

from ._common import EXISTING_TENANT, PROXY_CALCULATION, SOFT_MATCH_KB

META = CheckMeta(
    id="mail-primary-smtp", order=20, needs_counterpart=True,
    inputs=("users.mail", "users.proxyAddresses", "adUsers"),
    title="On-prem mail and primary SMTP equal the cloud primary SMTP address",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.ALWAYS, safety=Safety.SAFE,
    description="Compares the counterpart's `mail` and its primary SMTP address (the proxyAddresses value "
                "with prefix exactly `SMTP:`, or `mail` when proxyAddresses is empty) with the cloud "
                "user's primary SMTP address, case-insensitively.",
    why="Soft match pairs accounts by primary SMTP address first. After the match, Entra overwrites "
        "every cloud attribute that has a value in AD: a different primary address in AD changes the "
        "user's reply address, and one missing from AD leaves the match to the UPN alone.",
    how_to_fix="`syncready fix --select mail-primary-smtp` sets `mail` and makes the cloud primary the "
               "`SMTP:` value of proxyAddresses on the AD user (the old primary stays as `smtp:`).",
    references=(SOFT_MATCH_KB, EXISTING_TENANT, PROXY_CALCULATION),
)


NO_MAILBOX = skipped("the cloud user has no primary SMTP address (no mailbox); only UPN matching applies")


def check(cloud_user, counterpart):
    cloud_primary = cloud_user.primary_smtp
    if not cloud_primary:
        return NO_MAILBOX          # one frozen Result, the same for every such user
    onprem_mail = counterpart.mail
    onprem_primary = counterpart.primary_smtp
    wanted = cloud_primary.lower()
    mail_right = (onprem_mail or "").lower() == wanted
    primary_right = (onprem_primary or "").lower() == wanted
    if mail_right and primary_right:
        return PASS
    wrong = []
    if not mail_right:
        wrong.append(f"on-prem mail is {onprem_mail or '(empty)'}")
    if not primary_right:
        if counterpart.proxy_addresses and onprem_primary is None:
            wrong.append("on-prem proxyAddresses has no SMTP: primary")
        else:
            wrong.append(f"on-prem primary SMTP is {onprem_primary or '(empty)'}")
    return failed(f"{' and '.join(wrong)}, cloud primary SMTP is {cloud_primary}; "
                  "set both to the cloud primary (syncready fix --select mail-primary-smtp)",
                  cloud_primary_smtp=cloud_primary, onprem_mail=onprem_mail, onprem_primary_smtp=onprem_primary,
                  onprem_dn=counterpart.dn)
