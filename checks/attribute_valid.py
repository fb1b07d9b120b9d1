from syncready.attrrules import RULES, blocking, violations
from syncready.checkapi import CheckMeta, Reference, failed, passed
from syncready.vocab import FixAvailability, Safety, Severity, SubjectKind

from ._common import EXISTING_TENANT, PREPARE_SYNC, PROXY_CALCULATION

SHOWN = 4


def _sources() -> str:
    """Every rule the check applies, with the Microsoft line it rests on and what sync does."""
    return " ".join(f"[{r.key}, {r.severity}] {r.source.cite()} → {r.consequence}." for r in RULES.values())


META = CheckMeta(
    id="attribute-valid", order=100, needs_counterpart=True,
    inputs=("adUsers", "domains"),
    title="The on-prem user's values meet Microsoft's sync rules",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.SOMETIMES, safety=Safety.UNSAFE,
    description="Checks the counterpart's userPrincipalName, mail, proxyAddresses, mailNickname, displayName, "
                "givenName, sn and sAMAccountName against the rules Microsoft publishes, and says for each "
                "finding what sync does with the value. Severity follows that consequence: the result fails "
                "only when sync would reject the object or lose the value (an export error, a proxy address "
                "discarded by proxy calculation, a UPN Entra ID replaces); findings sync accepts (an invalid "
                "sAMAccountName beside a valid UPN, an alias synchronized with '_', duplicates, several or no "
                "SMTP: primaries) are advisories: the result is a pass whose message and evidence list them, "
                "so the user is not called blocked for them. Each entry of evidence.violations carries "
                "attribute, value, rule, source (the Microsoft line), consequence, severity and, where "
                "documented, what sync computes instead. Where Microsoft names no rule the check invents "
                "none; the one piece of syncready's own advice (several SMTP: values) is a warning. A 'must' "
                "of prepare-for-directory-synchronization with no milder outcome named is taken as a "
                "rejection. Apostrophes are allowed in UPNs and addresses, and X500, X400 and EUM addresses "
                "are checked for length only, since their valid values contain spaces, parentheses and "
                "semicolons — the false alarms IdFix raises; *.onmicrosoft.com and legacy X400/MSMAIL values "
                "that proxy calculation drops by design are not reported. The rules and their sources: "
                + _sources(),
    why="Values that break these rules are rejected or changed by sync: the object fails to export, an invalid "
        "proxy address is discarded by proxy calculation (and mail to it bounces), and a UPN with invalid "
        "characters or in a domain the tenant has not verified, such as .local, becomes "
        "<mailNickname>@<tenant>.onmicrosoft.com, so the user signs in under a different name.",
    how_to_fix="Correct the listed values in AD. `syncready fix --select attribute-valid --unsafe` corrects "
               "the values that have one obvious correction (blanks around addresses, a blank displayName, "
               "duplicates, the SMTP: primary when it is `mail`) and leaves the rest, such as a new UPN "
               "suffix, to your decision; it is unsafe because it changes values that people and applications "
               "use.",
    references=(PREPARE_SYNC, PROXY_CALCULATION, EXISTING_TENANT,
                Reference("Microsoft Entra UserPrincipalName population (plan-connect-userprincipalname)",
                          "https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-userprincipalname"),
                Reference("Exchange Online: Set-Mailbox -Alias (the mailNickname rules)",
                          "https://learn.microsoft.com/powershell/module/exchangepowershell/set-mailbox")),
)


def check(counterpart, index):
    found = violations(counterpart, index.domains or None)
    if not found:
        return passed()
    stopping = blocking(found)
    ordered = stopping + [v for v in found if not v.blocking]
    shown = "; ".join(v.describe() for v in ordered[:SHOWN])
    more = f" (and {len(found) - SHOWN} more)" if len(found) > SHOWN else ""
    evidence = {"onprem_dn": counterpart.dn, "violations": [v.to_json() for v in ordered]}
    if stopping:
        return failed(f"{len(found)} value(s) of {counterpart.dn} break Microsoft's sync rules, "
                      f"{len(stopping)} of them stopping sync or losing the value: {shown}{more}; correct them "
                      "in AD", **evidence)
    which = "1 value breaks a rule" if len(found) == 1 else f"{len(found)} values break rules"
    return passed(f"advisory: sync accepts the values of {counterpart.dn}, but {which} Microsoft states: "
                  f"{shown}{more}", **evidence)
