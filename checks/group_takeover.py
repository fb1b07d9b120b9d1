"""group-takeover: what the first sync does to cloud groups and contacts (SPEC §10, CHECK-DESIGNS §4.12).

Microsoft ("Other objects than users", existing-tenant page): mail-enabled groups and contacts
soft-match on proxyAddresses and are then managed from AD, membership included; groups that are not
mail-enabled never match, so a same-named AD group becomes a second group.

What the model has, and what is assumed: an AD object is mail-enabled when it carries an SMTP
address (`mail` or an SMTP proxyAddresses value, as Exchange stamps them); an AD group is a security
group when groupType has 0x80000000. Cloud groups come without securityEnabled or groupTypes, so a
cloud group that is not mail-enabled (mailEnabled false, or unknown with no address) is taken as a
security group, and a mail-enabled one as a distribution or mail-enabled security group (a Microsoft
365 group's address collides instead of matching; the message says so).
"""
from __future__ import annotations

import re

from syncready.checkapi import CheckMeta, failed, passed
from syncready.model import CloudObject
from syncready.vocab import FixAvailability, Severity, SubjectKind

from ._common import DUPLICATE_RESILIENCY, EXISTING_TENANT, ref

SECURITY_BIT = 0x80000000

META = CheckMeta(
    id="group-takeover", order=240,
    inputs=("adGroups", "adContacts", "groups", "groups.mail", "groups.proxyAddresses", "contacts", "contacts.mail",
            "contacts.proxyAddresses"),
    title="No AD group or contact takes over or duplicates a cloud group unnoticed",
    severity=Severity.WARNING, subject=SubjectKind.ONPREM_GROUP, fix=FixAvailability.MANUAL,
    description="For every AD group and contact inside the sync scope: a mail-enabled one (an SMTP address in "
                "mail or proxyAddresses) whose SMTP address is also a cloud group's or contact's address "
                "will take that cloud object over, and one whose address a cloud user holds collides (a "
                "group or contact never matches a user); a group that is not mail-enabled whose displayName "
                "(else cn) equals a cloud group's cannot match and becomes a second group. Groups that are "
                "neither security groups (groupType 0x80000000) nor mail-enabled are not synchronized.",
    why="After the takeover the cloud group's or contact's attributes, membership included, come from AD: "
        "members added in the cloud are replaced by the AD group's members at the first sync. A "
        "same-named second group confuses owners and access reviews, and permissions granted to the "
        "cloud group do not follow.",
    how_to_fix="For a takeover, make the AD group's members (and owner, description) what the cloud "
               "group should have before the first sync, or keep the AD group out of the sync scope. For "
               "a second group, rename one of them, or plan to move the cloud group's permissions and "
               "delete it after the cutover.",
    references=(EXISTING_TENANT, DUPLICATE_RESILIENCY),
)


def check(onprem_group, index):
    obj = onprem_group
    addresses = sorted(obj.smtp_addresses())
    kind = obj.object_class
    evidence = {"onprem_dn": obj.dn, "onprem_kind": kind, "onprem_addresses": addresses,
                "groupType": obj.group_type}
    if addresses:
        return _takeover(obj, addresses, index, evidence)
    if kind == "contact":
        return passed()                      # a contact without an address matches nothing
    if obj.group_type is not None and not obj.group_type & SECURITY_BIT:
        return passed("a distribution group without an address is not synchronized")
    name = display_name(obj)
    namesakes = list(index.cloud_groups_by_name.get(name.strip().lower(), ()))
    if not namesakes:
        return passed()
    shown = ", ".join(f"{g.display_name} ({g.id})" for g in namesakes[:3])
    unknown = " (groupType not read: taken as a security group)" if obj.group_type is None else ""
    what = "security group" if all(map(_security, namesakes)) else "group"
    return failed(f"{obj.dn} is not mail-enabled{unknown}, and cloud {what} {shown} has its name "
                  f"{name!r}: no match possible; a second group will be created beside the cloud one",
                  **evidence, displayName=name, namesakes=[ref(g) for g in namesakes])


def _takeover(obj, addresses: list[str], index, evidence: dict):
    taken: list[tuple[str, CloudObject]] = []
    collisions: list[tuple[str, CloudObject]] = []
    for address in addresses:
        for holder in index.holders(address, besides=(obj,), onprem="none"):
            # a cloud user holding it collides too: a group or contact never matches a user, and a
            # cloud-only mailbox (no AD counterpart) is seen by no user check
            (taken if _kind(holder) == obj.object_class else collisions).append((address, holder))
    if not taken and not collisions:
        return passed()
    parts = []
    seen: set[int] = set()
    for address, holder in taken:
        if id(holder) in seen:
            continue
        seen.add(id(holder))
        what = ("its attributes (membership included) will come from AD" if holder.kind == "group"
                else "its attributes will come from AD")
        unified = (" (if it is a Microsoft 365 group, the address collides instead: no match)"
                   if holder.kind == "group" else "")
        parts.append(f"will take over cloud {holder.kind} {_name(holder)} by {address}; {what}{unified}")
    for address, holder in collisions:
        kind = _kind(holder)
        parts.append(f"{address} is also cloud {kind} {_name(holder)}'s: a {obj.object_class} never "
                     f"matches a {kind}, so the address collides (duplicate attribute)")
    return failed(f"{obj.dn} " + "; ".join(parts),
                  **evidence, takes_over=[dict(ref(h), address=a) for a, h in taken],
                  collides_with=[dict(ref(h), address=a) for a, h in collisions])


def display_name(obj) -> str:
    """The name the group gets in the cloud: displayName, else the cn of its DN (an assumption about
    the sync rules, stated in the description)."""
    if obj.display_name:
        return obj.display_name
    first = re.split(r"(?<!\\),", obj.dn, maxsplit=1)[0]
    return first.split("=", 1)[1].replace("\\", "") if "=" in first else first


def _security(group: CloudObject) -> bool:
    """Not mail-enabled: a security group (cloud securityEnabled is not in the model)."""
    return group.mail_enabled is False or (group.mail_enabled is None and not group.smtp_addresses())


def _kind(holder) -> str:
    """"group" or "contact" for a cloud object, "user" for a cloud user."""
    return holder.kind if isinstance(holder, CloudObject) else "user"


def _name(holder: CloudObject) -> str:
    return f"{holder.display_name or holder.mail} ({holder.id})"
