from syncready.addresses import is_onmicrosoft, proxy_key, split_proxy
from syncready.checkapi import PASS, CheckMeta, failed
from syncready.matching import pairing, pairing_note
from syncready.vocab import FixAvailability, Safety, Severity, SubjectKind

from ._common import EXISTING_TENANT, PROXY_CALCULATION

META = CheckMeta(
    id="proxy-superset", order=30, needs_counterpart=True,
    inputs=("users.proxyAddresses", "adUsers"),
    title="Every cloud proxy address is also on the on-prem user",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.ALWAYS, safety=Safety.SAFE,
    description="Every value of the cloud user's proxyAddresses, except addresses in *.onmicrosoft.com "
                "domains, must be present on the paired AD user (the one sync is predicted to join to this "
                "cloud user — by hard, SMTP or UPN match —, else the one with its userPrincipalName; type prefix "
                "and address compared case-insensitively; SIP, X500 and other types included).",
    why="When AD proxyAddresses is empty, sync takes the primary SMTP address from `mail`, so that "
        "address counts as present. Once synchronized, proxyAddresses is recalculated from AD: "
        "aliases that exist only in the cloud are removed, and mail sent to them bounces. "
        "*.onmicrosoft.com addresses are excluded because "
        "proxy calculation discards them from AD and re-adds the MOERA itself.",
    how_to_fix="`syncready fix --select proxy-superset` adds each missing value to the AD user's "
               "proxyAddresses (as a secondary, never removing a value).",
    references=(EXISTING_TENANT, PROXY_CALCULATION),
)


def check(cloud_user, paired, index):
    counterpart = paired
    onprem = {proxy_key(v) for v in _effective(counterpart)}
    missing = [v for v in cloud_user.proxy_addresses
               if proxy_key(v) not in onprem and not is_onmicrosoft(split_proxy(v)[1])]
    if not missing:
        return PASS
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    found = pairing(cloud_user, index)
    return failed(f"{len(missing)} cloud address(es) missing on-prem and lost at sync: {shown}{pairing_note(found)}; "
                  "add them to proxyAddresses (syncready fix --select proxy-superset)", paired_by=found.how or "upn",
                  missing=missing, cloud_proxy_addresses=list(cloud_user.proxy_addresses),
                  onprem_proxy_addresses=list(counterpart.proxy_addresses), onprem_dn=counterpart.dn)


def _effective(counterpart) -> tuple[str, ...]:
    """The proxies sync will compute from AD: proxyAddresses, or SMTP:mail when it is empty."""
    if counterpart.proxy_addresses:
        return counterpart.proxy_addresses
    return (f"SMTP:{counterpart.mail}",) if counterpart.mail else ()
