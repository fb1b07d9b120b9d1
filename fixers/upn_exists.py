"""Creates the missing AD user for a cloud user — opt-in, as the original script's -CreateUsers did.

Enabled by `[fix.create]` in syncready.toml: `enabled = true`, `ou = "OU=...,DC=..."` (inside the
sync scope), `sam_template = "{given}.{surname}"` or `"{upn_prefix}"`. The account gets a random
password meeting AD complexity, written only to the owner-only file named by `password_file`
(never printed or journaled); without a password file the account is created disabled.
Refused when an AD user for the person probably exists already (it carries the cloud address, or
has the UPN outside the scope): creating a second one would make the duplicate this tool prevents.
"""
from __future__ import annotations

import re
import unicodedata

from ldap3.utils.dn import escape_rdn

from syncready.addresses import is_onmicrosoft, split_proxy
from syncready.config import normalize_dn
from syncready.fixerapi import Change, FixContext, NotFixable, Operation, Result, Subject, Target
from syncready.matching import pairing

SAM_FORBIDDEN = re.compile(r'[\[\]\\"|,/:<>+=;?*\s@]')
SPECIAL = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "þ": "th", "œ": "oe"}
SAM_MAX = 20
CN_MAX = 64                        # rangeUpper of cn in the AD schema


def ascii_fold(text: str) -> str:
    text = "".join(SPECIAL.get(c, c) for c in text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def sam_from_template(template: str, user) -> str:
    values = {"given": user.given_name or "", "surname": user.surname or "",
              "upn_prefix": user.upn.split("@")[0], "nickname": user.mail_nickname or ""}
    try:
        raw = template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise NotFixable(f"[fix.create] sam_template {template!r} is invalid ({exc}); use {{given}}, "
                         "{surname}, {upn_prefix} or {nickname}") from None
    sam = SAM_FORBIDDEN.sub("", ascii_fold(raw)).strip(".").lower()
    if not sam:
        raise NotFixable(f"sam_template {template!r} gives an empty sAMAccountName for {user.upn}")
    return sam[:SAM_MAX]


def unique_sam(base: str, taken: set[str]) -> str:
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        suffix = str(number)
        candidate = base[:SAM_MAX - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def unique_dn(name: str, sam: str, ou: str, ctx: FixContext) -> str:
    """CN=<name> in the OU; when that DN exists or is already planned, CN=<name> (<sAMAccountName>), as
    AD refuses a second object of one DN (the sAMAccountName is unique, so that form is too)."""
    taken = ctx.options.setdefault("_dns", {normalize_dn(o.dn) for o in ctx.index.directory.onprem})
    for cn in (name, f"{name} ({sam})"):
        dn = f"CN={escape_rdn(cn[:CN_MAX])},{ou}"
        if normalize_dn(dn) not in taken:
            taken.add(normalize_dn(dn))
            return dn
    raise NotFixable(f"CN={name} and CN={name} ({sam}) both exist in {ou}; create this user by hand")


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    evidence = result.evidence or {}
    if evidence.get("onprem_dns"):
        raise NotFixable(f"{evidence['onprem_dns'][0]} has this UPN outside the sync scope; move it into a "
                         "synchronized OU instead of creating a second account")
    if evidence.get("candidates"):
        raise NotFixable(f"{evidence['candidates'][0]['dn']} carries this user's address; set its UPN to "
                         f"{subject.name} instead of creating a duplicate")
    joining = pairing(subject.obj, ctx.index)
    if joining.onprem is not None or joining.contenders:
        dn = joining.onprem.dn if joining.onprem is not None else joining.contenders[0].dn
        raise NotFixable(f"{dn} is predicted to join this cloud user already; a new AD user with its UPN would "
                         "match nobody and become a duplicate: decide which AD user is this person's (single-match)")
    options = ctx.options.get("create", {})
    if not options.get("enabled"):
        raise NotFixable("creating AD users is opt-in: set [fix.create] enabled = true and ou = \"OU=...\" "
                         "in syncready.toml")
    ou = options.get("ou")
    if not ou:
        raise NotFixable("[fix.create] needs ou = \"OU=...\" (an OU inside the sync scope)")
    if not ctx.index.config.scope.contains(ou):
        raise NotFixable(f"[fix.create] ou {ou} is outside the sync scope; the new user would not sync")
    user = subject.obj
    taken = ctx.options.setdefault("_sams", {o.sam.lower() for o in ctx.index.directory.onprem if o.sam})
    sam = unique_sam(sam_from_template(options.get("sam_template", "{upn_prefix}"), user), taken)
    name = user.display_name or " ".join(p for p in (user.given_name, user.surname) if p) or sam
    attributes = {"objectClass": ["top", "person", "organizationalPerson", "user"], "sAMAccountName": sam,
                  "userPrincipalName": user.upn, "displayName": name}
    for attribute, value in (("givenName", user.given_name), ("sn", user.surname), ("mail", user.mail)):
        if value:
            attributes[attribute] = value
    proxies = [p for p in user.proxy_addresses if not is_onmicrosoft(split_proxy(p)[1])]
    if proxies:
        attributes["proxyAddresses"] = proxies
    return [Change(check="upn-exists", subject=subject.name, target=Target.ONPREM, op=Operation.CREATE,
                   object=unique_dn(name, sam, ou, ctx), attributes=attributes,
                   note="random password to the password file" if ctx.options.get("password_file")
                   else "created disabled (no password_file configured)")]
