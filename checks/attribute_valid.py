from syncready.attrrules import violations
from syncready.checkapi import CheckMeta, failed, passed

from ._common import EXISTING_TENANT, PREPARE_SYNC, PROXY_CALCULATION

META = CheckMeta(
    id="attribute-valid", order=100, needs_counterpart=True,
    title="The on-prem user's values meet Microsoft's sync rules",
    severity="blocker", subject="cloud-user", fix="sometimes", safety="unsafe",
    description="Checks the counterpart against the rules of prepare-for-directory-synchronization: "
                "userPrincipalName (at most 113 characters, 64 before and 48 after @; letters, digits and "
                "' . - _ ! # ^ ~ only; no spaces; not ending in '.' before @; a verified domain of the "
                "tenant), mail and SMTP/SIP proxyAddresses (no spaces, none of < > ( ) ; , [ ] \", ASCII "
                "only, name@domain), every proxyAddresses value at most 256 characters with a type prefix, "
                "exactly one primary SMTP: value, mailNickname (at most 64, not beginning with '.'), "
                "displayName (at most 256, not blank), givenName and sn (at most 64) and sAMAccountName "
                "(at most 20, none of [ ] \\ \" | , / : < > + = ; ? *). Apostrophes are allowed, and X500, "
                "X400 and EUM addresses are checked for length only, since their valid values contain "
                "spaces, parentheses and semicolons — the false alarms IdFix raises. Every violation is "
                "listed in one result.",
    why="Values that break these rules are rejected or rewritten by sync: the object fails to export, "
        "an invalid proxy address is dropped (and mail to it bounces), and a UPN in a domain the tenant "
        "has not verified, such as .local, becomes <mailNickname>@<tenant>.onmicrosoft.com, so the user "
        "signs in under a different name.",
    how_to_fix="Correct the listed values in AD. `syncready fix --select attribute-valid --unsafe` "
               "corrects the values that have one obvious correction and leaves the rest, such as a new "
               "UPN suffix, to your decision; it is unsafe because it changes values that people and "
               "applications use.",
    references=(PREPARE_SYNC, PROXY_CALCULATION, EXISTING_TENANT),
)


def check(counterpart, index):
    found = violations(counterpart, index.domains or None)
    if not found:
        return passed()
    shown = "; ".join(f"{v.attribute} '{v.value}' {v.rule}" for v in found[:4])
    more = f" (and {len(found) - 4} more)" if len(found) > 4 else ""
    return failed(f"{len(found)} value(s) of {counterpart.dn} break Microsoft's sync rules: {shown}{more}; "
                  "correct them in AD", onprem_dn=counterpart.dn,
                  violations=[v.to_json() for v in found])
