"""The catalogue of Microsoft's attribute rules: the limits, each Rule with the Microsoft line it rests
on and the consequence that page names, and the Problem and Violation values the rule functions
(`attrrules`, `addressrules`) return. Data and small helpers only; see `attrrules` for the policy.
"""
from __future__ import annotations

from dataclasses import dataclass

UPN_MAX, UPN_PREFIX_MAX, UPN_DOMAIN_MAX = 113, 64, 48
UPN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.-_!#^~")
PROXY_MAX = 256
PROXY_FORBIDDEN = frozenset('<>();,[]"')
MAIL_TYPES = frozenset({"smtp", "sip"})       # proxy types whose value is an address and gets character rules
ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
PLAIN = ATEXT | {".", "@"}
NICKNAME_MAX = 64
NICKNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#%*+-/=?^_~$&'`{}|.")
DISPLAY_NAME_MAX = 256
NAME_MAX = 64
SAM_MAX = 20
SAM_FORBIDDEN = frozenset('[]\\"|,/:<>+=;?*\'')



# sources ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Source:
    page: str      # the Microsoft page, by its Learn file name or KB number
    says: str      # the line the rule rests on, quoted

    def cite(self) -> str:
        return f"{self.page}: {self.says}" if self.page == OWN else f'{self.page}: "{self.says}"'


PREPARE = "prepare-for-directory-synchronization"
KB = "KB 3190357 proxyaddresses-attribute-populate"
ALIAS = "Exchange alias (Set-Mailbox -Alias, exchange/set-mailbox)"
UPN_PAGE = "plan-connect-userprincipalname"
ERRORS = "tshoot-connect-sync-errors"
GRAPH = "Graph user resource (graph/api/resources/user)"
OWN = "syncready's own advice; Microsoft documents no rule"

KB_DISCARD = Source(KB, "Discard malformed on-premises addresses or not compliant with RFC 5322, e.g. missing "
                        "protocol prefix \"SMTP:\", containing a space or other invalid character")


@dataclass(frozen=True, slots=True)
class Rule:
    key: str
    source: Source
    consequence: str       # what sync does with a value that breaks it
    blocking: bool         # True: sync rejects or loses the object or the value

    @property
    def severity(self) -> str:
        return "blocker" if self.blocking else "warning"


REJECTED = "rejected: the object fails to export"
DISCARDED = "discarded by proxy calculation"
REPLACED_UPN = "replaced: Entra ID calculates <mailNickname>@<initial domain> instead"
ALIAS_REWRITTEN = "synchronized with '_' in place of the invalid characters"
NOT_SUPPORTED = "not supported for Microsoft Entra Connect synchronization"
STILL_CREATED = "accepted: the account is still created while userPrincipalName is valid"
UNDOCUMENTED = "what sync does with it is not documented"


def _rule(key, page, says, consequence, blocking) -> Rule:
    return Rule(key, Source(page, says), consequence, blocking)


RULES: dict[str, Rule] = {r.key: r for r in (
    _rule("upn.length", PREPARE, "The maximum number of characters for the userPrincipalName attribute is 113. "
          "... Maximum number of characters for the username that is in front of the at sign (@): 64 ... "
          "Maximum number of characters for the domain name following the at sign (@): 48", REJECTED, True),
    _rule("upn.characters", PREPARE, "Characters allowed: A – Z, a - z, 0 – 9, ' . - _ ! # ^ ~",
          "rejected (IdentityDataValidationFailed, tshoot-connect-sync-errors) or replaced by "
          "<mailNickname>@<initial domain> (plan-connect-userprincipalname: \"Any invalid characters ... "
          "invalidates the synchronized UPN value\")", True),
    _rule("upn.space", PREPARE, "The username can't contain any spaces.",
          "rejected or replaced by <mailNickname>@<initial domain> (plan-connect-userprincipalname)", True),
    _rule("upn.at", PREPARE, "The @ character is required in each userPrincipalName value. The @ character "
          "can't be the first character in each userPrincipalName value.",
          "rejected (IdentityDataValidationFailed: \"UserPrincipalName attribute doesn't follow the required "
          "format\", tshoot-connect-sync-errors)", True),
    _rule("upn.end", PREPARE, "The username can't end with a period (.), an ampersand (&), a space, or an at "
          "sign (@).", "rejected (IdentityDataValidationFailed, tshoot-connect-sync-errors)", True),
    _rule("upn.domain", UPN_PAGE, "If the on-premises UserPrincipalName attribute/Alternate login ID suffix isn't "
          "verified with Microsoft Entra tenant, then the Microsoft Entra UserPrincipalName attribute value "
          "can't have this domain suffix.", REPLACED_UPN, True),
    _rule("upn.empty", PREPARE, "Update blank and invalid userPrincipalName attributes with valid "
          "userPrincipalName attributes.", REJECTED, True),
    _rule("address.space", PREPARE, "The attribute value must not contain a space.", DISCARDED, True),
    _rule("address.forbidden", PREPARE, "Invalid characters: < > ( ) ; , [ ] \"", DISCARDED, True),
    _rule("address.diacritics", PREPARE, "Letters with diacritical marks, such as umlauts, accents, and tildes, "
          "are invalid characters.", DISCARDED, True),
    _rule("address.colon", PREPARE, "The invalid characters apply to the characters following the type delimiter "
          "and \":\", such that SMTP:User@contso.com is allowed, but SMTP:user:M@contoso.com isn't.",
          DISCARDED, True),
    _rule("address.rfc5322", KB, KB_DISCARD.says, DISCARDED, True),
    _rule("proxy.length", PREPARE, "Maximum number of characters per value: 256", DISCARDED, True),
    _rule("proxy.prefix", KB, KB_DISCARD.says, DISCARDED, True),
    _rule("proxy.duplicate", PREPARE, "Remove any duplicate values in the proxyAddresses attribute.",
          UNDOCUMENTED, False),
    _rule("proxy.primaries", OWN, "a recipient has one primary SMTP address (KB 3190357, Terminology), and no "
          "Microsoft page says which of several SMTP: values Entra ID keeps",
          UNDOCUMENTED, False),
    _rule("proxy.no-primary", KB, "Scenario 4: AD:proxyAddresses {smtp:user4new@Contoso.com} ... Add the "
          "secondary smtp address in the proxyAddresses attribute. Add the UPN as a secondary smtp address",
          "accepted: no primary SMTP address comes from AD", False),
    _rule("mail.rfc5322", KB, KB_DISCARD.says, DISCARDED, True),
    _rule("nickname.period", PREPARE, "The attribute value can't begin with a period (.).", REJECTED, True),
    _rule("nickname.ampersand", ALIAS, "The & character is not supported in the Alias value for Microsoft Entra "
          "Connect synchronization.", NOT_SUPPORTED, True),
    _rule("nickname.characters", PREPARE, "Underscores (\"_\") in the synchronized name indicates that the original "
          "value of this attribute contains invalid characters.", ALIAS_REWRITTEN, False),
    _rule("nickname.periods", ALIAS, "Periods (.) must be surrounded by other valid characters (for example, "
          "help.desk).", UNDOCUMENTED, False),
    _rule("nickname.length", ALIAS, "The maximum length is 64 characters.", UNDOCUMENTED, False),
    _rule("displayName.length", PREPARE, "Maximum number of characters: 256", REJECTED, True),
    _rule("displayName.blank", PREPARE, "If this attribute exists in the user object, there must be a value for it. "
          "That is, the attribute must not be blank.", REJECTED, True),
    _rule("givenName.length", PREPARE, "Maximum number of characters: 64", REJECTED, True),
    _rule("sn.length", GRAPH, "surname: The user's surname (family name or last name). Maximum length is 64 "
          "characters.", REJECTED, True),
    _rule("sam.length", PREPARE, "Maximum number of characters: 20", STILL_CREATED, False),
    _rule("sam.characters", PREPARE, "Invalid characters: [ \\ \" | , / : < > + = ; ? * ']", STILL_CREATED, False),
)}


@dataclass(frozen=True, slots=True)
class Problem:
    text: str          # what is wrong with the value, e.g. "contains a space"
    rule: Rule

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Violation:
    attribute: str
    value: str
    problem: Problem
    instead: str | None = None     # what sync computes in its place, where Microsoft documents it

    @property
    def rule(self) -> str:
        return self.problem.text

    @property
    def blocking(self) -> bool:
        return self.problem.rule.blocking

    def to_json(self) -> dict:
        r = self.problem.rule
        out = {"attribute": self.attribute, "value": self.value, "rule": self.problem.text, "rule_id": r.key,
               "source": r.source.cite(), "consequence": r.consequence, "severity": r.severity}
        if self.instead:
            out["instead"] = self.instead
        return out

    def describe(self) -> str:
        """One line for messages: attribute, value (control characters escaped), problem, consequence."""
        text = f"{self.attribute} '{show(self.value)}' {self.problem.text} — {self.problem.rule.consequence}"
        return text + (f"; {self.instead}" if self.instead else "")


def rule_problem(text: str, key: str) -> Problem:
    return Problem(text, RULES[key])


def show(value: str) -> str:
    """A value with control characters spelled out, so a message cannot hide or rewrite a line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)


def chars_text(chars) -> str:
    return " ".join(repr(c) if c != " " else "space" for c in sorted(set(chars)))


def control_chars(value: str) -> list[str]:
    return sorted({c for c in value if ord(c) < 32 or ord(c) == 127})


def control_text(chars: list[str]) -> str:
    return "contains control character(s) " + " ".join(f"U+{ord(c):04X}" + (" (tab)" if c == "\t" else "")
                                                        for c in chars)
