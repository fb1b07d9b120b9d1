"""Writes examples/contoso/: a small tenant and domain where every failure mode sits next to users that pass.

Run `python examples/make_contoso.py` after changing a story; the output is committed so the demo
needs no generation step. GUIDs and ids are derived from names (uuid5), so the output is stable.
"""
from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

from syncready.sid import sid_from_text
from syncready.sources.graphmap import USER_SELECT_2026
from syncready.sources.ldif import write_ldif

HERE = Path(__file__).resolve().parent / "contoso"
BASE = "DC=contoso,DC=test"
DOMAIN = "contoso.com"
MOERA = "contoso.onmicrosoft.com"
NS = uuid.UUID("6f1c3f4e-8d1e-4b5a-9c51-2f0d2c6b7a10")
TENANT_ID = str(uuid.uuid5(NS, "tenant"))
DOMAIN_SID = "S-1-5-21-2846137511-1193460315-3412680075"
PWD_SET = 133_985_088_000_000_000       # 2025-08-01 UTC as FILETIME (100 ns since 1601)
LAST_LOGON = 134_083_584_000_000_000    # 2025-11-23 UTC

STAFF = f"OU=Staff,{BASE}"
CONTRACTORS = f"OU=Contractors,{BASE}"
LEAVERS = f"OU=Leavers,{BASE}"
SERVICE = f"OU=Service Accounts,{BASE}"


def gid(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NS, "/".join(parts))


def sid_of(dn: str) -> str:
    """The objectSid (text) of the AD object at dn: the domain's SID and a RID derived from the name."""
    return f"{DOMAIN_SID}-{1000 + gid('rid', dn).int % 100_000}"


def anchor_of(dn: str) -> str:
    """The ImmutableID of the AD user at dn (its objectGUID, as ad_user derives it)."""
    return base64.b64encode(gid("ad", dn).bytes_le).decode("ascii")


class Builder:
    def __init__(self):
        self.cloud: list[dict] = []
        self.groups: list[dict] = []
        self.contacts: list[dict] = []
        self.ad: list[tuple[str, dict]] = []
        self.roles: list[dict] = []
        self.eligible: list[dict] = []

    def cloud_user(self, upn, given, surname, *, mail="default", proxies=None, nickname=None, **extra):
        local = upn.split("@")[0]
        if mail == "default":
            mail = upn
        if proxies is None:
            proxies = [f"SMTP:{mail}", f"smtp:{local}@{MOERA}"] if mail else []
        user = {"id": str(gid("cloud", upn)), "userPrincipalName": upn, "mail": mail,
                "mailNickname": nickname or local, "givenName": given, "surname": surname,
                "displayName": f"{given} {surname}", "proxyAddresses": proxies,
                "onPremisesImmutableId": None, "onPremisesSyncEnabled": None, "accountEnabled": True,
                "userType": "Member", **dict.fromkeys(USER_SELECT_2026),
                # read per user (SPEC §10): null = read, no mailbox
                "mailboxSettings": None}
        user.update(extra)
        self.cloud.append(user)
        return user

    def ad_user(self, ou, cn, upn, given, surname, *, mail="default", proxies=None, sam=None, uac=512, **extra):
        dn = f"CN={cn},{ou}"
        local = (upn or cn).split("@")[0]
        if mail == "default":
            mail = upn
        if proxies is None:
            proxies = [f"SMTP:{mail}"] if mail else []
        attrs = {"objectClass": ["top", "person", "organizationalPerson", "user"],
                 "cn": [cn], "objectGUID": [gid("ad", dn).bytes_le], "objectSid": [sid_from_text(sid_of(dn))],
                 "sAMAccountName": [sam or local[:20]], "userAccountControl": [str(uac)],
                 # password set 2025-09-01, last logon 2026-11-20, never expires (FILETIME)
                 "pwdLastSet": [str(PWD_SET)], "lastLogonTimestamp": [str(LAST_LOGON)],
                 "accountExpires": ["9223372036854775807"]}
        if given:
            attrs.update(givenName=[given], sn=[surname], displayName=[f"{given} {surname}"])
        if upn:
            attrs["userPrincipalName"] = [upn]
        if mail:
            attrs["mail"] = [mail]
        if proxies:
            attrs["proxyAddresses"] = proxies
        for key, value in extra.items():
            attrs[key] = value if isinstance(value, list) else [value]
        self.ad.append((dn, attrs))
        return attrs

    def pair(self, upn, given, surname, ou=STAFF, ad=None, **cloud_extra):
        """A cloud user and its correct AD counterpart; `ad` holds further AD attributes."""
        user = self.cloud_user(upn, given, surname, **cloud_extra)
        self.ad_user(ou, f"{given} {surname}", upn, given, surname, mail=user["mail"],
                     proxies=[p for p in user["proxyAddresses"] if MOERA not in p.lower()], **(ad or {}))
        return user

    def role(self, user, name, eligible=False):
        """A directory role assignment (or PIM eligibility) as Graph returns it with $expand=roleDefinition."""
        definition = str(gid("role", name))
        record = {"id": str(gid("assignment", user["id"], name)), "principalId": user["id"],
                  "roleDefinitionId": definition, "directoryScopeId": "/",
                  "roleDefinition": {"id": definition, "displayName": name}}
        if eligible:
            record.update(memberType="Direct", status="Provisioned",
                          scheduleInfo={"startDateTime": "2026-01-05T09:00:00Z",
                                        "expiration": {"type": "noExpiration"}})
        (self.eligible if eligible else self.roles).append(record)


def build() -> Builder:
    b = Builder()
    # Users that pass: a plain pair each, in both synchronized OUs.
    for given, surname in [("Alice", "Johnson"), ("Bob", "Smith"), ("Chloe", "Wright"), ("Daniel", "Ortiz"),
                           ("Emma", "Fischer"), ("Felix", "Berg"), ("Hannah", "Novak"), ("Isaac", "Green"),
                           ("Julia", "Costa"), ("Kevin", "Moore"), ("Laura", "Stein"), ("Marco", "Bianchi")]:
        b.pair(f"{given.lower()}.{surname.lower()}@{DOMAIN}", given, surname)
    for given, surname in [("Nadia", "Haddad"), ("Oscar", "Lind"), ("Priya", "Raman")]:
        b.pair(f"{given.lower()}.{surname.lower()}@{DOMAIN}", given, surname, ou=CONTRACTORS)
    b.pair(f"sam.o'brien@{DOMAIN}", "Sam", "O'Brien")                       # apostrophe: allowed
    b.pair(f"tomas.lopez@{DOMAIN}", "Tomás", "López")                        # non-ASCII names
    b.pair(f"zoe.muller@{DOMAIN}", "Zoë", "Müller")

    # upn-exists
    b.cloud_user(f"carol.white@{DOMAIN}", "Carol", "White")                 # no AD user at all
    b.cloud_user(f"dave.brown@{DOMAIN}", "Dave", "Brown")                   # AD user under a .test UPN
    b.ad_user(STAFF, "Dave Brown", "dave.brown@contoso.test", "Dave", "Brown", mail=f"dave.brown@{DOMAIN}")
    erin = b.cloud_user(f"erin.davis@{DOMAIN}", "Erin", "Davis")            # AD user outside the scope
    b.ad_user(LEAVERS, "Erin Davis", erin["userPrincipalName"], "Erin", "Davis", uac=514)
    b.cloud_user("Frank.Miller@Contoso.com", "Frank", "Miller", mail="Frank.Miller@Contoso.com")
    b.ad_user(STAFF, "Frank Miller", f"frank.miller@{DOMAIN}", "Frank", "Miller", mail=f"frank.miller@{DOMAIN}")

    # mail-primary-smtp
    b.cloud_user(f"grace.lee@{DOMAIN}", "Grace", "Lee")                     # AD mail and proxies empty
    b.ad_user(STAFF, "Grace Lee", f"grace.lee@{DOMAIN}", "Grace", "Lee", mail=None)
    b.cloud_user(f"henry.wilson@{DOMAIN}", "Henry", "Wilson")               # AD still has the old address
    b.ad_user(STAFF, "Henry Wilson", f"henry.wilson@{DOMAIN}", "Henry", "Wilson", mail=f"henry.w@{DOMAIN}")
    b.cloud_user(f"ivy.chen@{DOMAIN}", "Ivy", "Chen")                       # AD proxies without SMTP:
    b.ad_user(STAFF, "Ivy Chen", f"ivy.chen@{DOMAIN}", "Ivy", "Chen", proxies=[f"smtp:ivy.chen@{DOMAIN}"])
    b.cloud_user(f"jack.taylor@{DOMAIN}", "Jack", "Taylor", mail=f"Jack.Taylor@{DOMAIN}")
    b.ad_user(STAFF, "Jack Taylor", f"jack.taylor@{DOMAIN}", "Jack", "Taylor",  # case only: passes
              mail=f"JACK.TAYLOR@{DOMAIN}", proxies=[f"SMTP:jack.taylor@{DOMAIN}"])
    b.cloud_user(f"kim.nguyen@{DOMAIN}", "Kim", "Nguyen", mail=None)        # no mailbox: skipped
    b.ad_user(STAFF, "Kim Nguyen", f"kim.nguyen@{DOMAIN}", "Kim", "Nguyen", mail=None)
    b.cloud_user(f"leo.martin@{DOMAIN}", "Leo", "Martin", proxies=[f"SMTP:leo.martin@{DOMAIN}"])
    b.ad_user(STAFF, "Leo Martin", f"leo.martin@{DOMAIN}", "Leo", "Martin", proxies=[])  # mail only: passes

    # proxy-superset
    b.cloud_user(f"mia.garcia@{DOMAIN}", "Mia", "Garcia",
                 proxies=[f"SMTP:mia.garcia@{DOMAIN}", f"smtp:mia@{DOMAIN}", f"smtp:sales@{DOMAIN}"])
    b.ad_user(STAFF, "Mia Garcia", f"mia.garcia@{DOMAIN}", "Mia", "Garcia")  # aliases only in the cloud
    b.cloud_user(f"noah.kim@{DOMAIN}", "Noah", "Kim",
                 proxies=[f"SMTP:noah.kim@{DOMAIN}", f"SIP:noah.kim@{DOMAIN}"])
    b.ad_user(STAFF, "Noah Kim", f"noah.kim@{DOMAIN}", "Noah", "Kim",        # prefix case differs: passes
              proxies=[f"SMTP:noah.kim@{DOMAIN}", f"sip:NOAH.KIM@{DOMAIN}"])
    x500 = "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=olivia.rossi"
    b.cloud_user(f"olivia.rossi@{DOMAIN}", "Olivia", "Rossi", proxies=[f"SMTP:olivia.rossi@{DOMAIN}", x500])
    b.ad_user(STAFF, "Olivia Rossi", f"olivia.rossi@{DOMAIN}", "Olivia", "Rossi")  # X500 missing
    b.pair(f"paul.schmidt@{DOMAIN}", "Paul", "Schmidt")                     # only the MOERA differs: passes

    # upn-unique
    quinn = b.cloud_user(f"quinn.baker@{DOMAIN}", "Quinn", "Baker")          # same UPN on two AD users
    b.ad_user(STAFF, "Quinn Baker", quinn["userPrincipalName"], "Quinn", "Baker")
    b.ad_user(CONTRACTORS, "Quinn Baker (contractor)", quinn["userPrincipalName"], "Quinn", "Baker",
              sam="quinn.baker.c", mail=None)
    b.pair(f"rachel.adams@{DOMAIN}", "Rachel", "Adams")                     # a cloud group holds her UPN
    b.groups.append({"id": str(gid("group", "sales")), "displayName": "Sales", "mailEnabled": True,
                     "mail": f"sales-team@{DOMAIN}",
                     "proxyAddresses": [f"SMTP:sales-team@{DOMAIN}", f"smtp:rachel.adams@{DOMAIN}"]})
    b.pair(f"uma.patel@{DOMAIN}", "Uma", "Patel")                           # another user has her UPN as alias
    b.pair(f"umar.patel@{DOMAIN}", "Umar", "Patel",
           proxies=[f"SMTP:umar.patel@{DOMAIN}", f"smtp:uma.patel@{DOMAIN}"])
    b.pair(f"wendy.hall@{DOMAIN}", "Wendy", "Hall")                         # a cloud contact uses her UPN
    b.contacts.append({"id": str(gid("contact", "wendy")), "displayName": "Wendy Hall (old agency)",
                       "mail": f"wendy.hall@{DOMAIN}", "proxyAddresses": [f"SMTP:wendy.hall@{DOMAIN}"]})

    # proxy-unique / single-match: AD mail still names the team's shared mailbox, so SMTP soft match
    # would merge Chris into the "support" cloud user.
    b.cloud_user(f"support@{DOMAIN}", "Support", "Desk", displayName="Support Desk")
    b.cloud_user(f"chris.evans@{DOMAIN}", "Chris", "Evans")
    b.ad_user(STAFF, "Chris Evans", f"chris.evans@{DOMAIN}", "Chris", "Evans", mail=f"support@{DOMAIN}")

    # cloud-only: a stale ImmutableID left by an earlier forest; a user already stamped with the right anchor.
    b.pair(f"nina.petrova@{DOMAIN}", "Nina", "Petrova",
           onPremisesImmutableId=base64.b64encode(gid("old forest", "nina").bytes_le).decode("ascii"))
    b.pair(f"sofia.russo@{DOMAIN}", "Sofia", "Russo", onPremisesImmutableId=anchor_of(f"CN=Sofia Russo,{STAFF}"))

    # no-admin-role: an active and a PIM-eligible directory role; Entra won't match either.
    b.role(b.pair(f"xavier.dupont@{DOMAIN}", "Xavier", "Dupont"), "Helpdesk Administrator")
    b.role(b.pair(f"yara.said@{DOMAIN}", "Yara", "Said"), "User Administrator", eligible=True)

    # attribute-valid: a space in an AD alias and a 22-character sAMAccountName; next to it an X500
    # address with parentheses and spaces on both sides, which IdFix would flag and sync accepts.
    b.pair(f"tom.becker@{DOMAIN}", "Tom", "Becker",
           ad={"proxyAddresses": [f"SMTP:tom.becker@{DOMAIN}", f"smtp:tom becker@{DOMAIN}"],
               "sAMAccountName": "tom.becker.staff.2019"})
    x500 = "X500:/o=Contoso/ou=First Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=Yusuf Demir"
    b.pair(f"yusuf.demir@{DOMAIN}", "Yusuf", "Demir",
           proxies=[f"SMTP:yusuf.demir@{DOMAIN}", x500, f"smtp:yusuf.demir@{MOERA}"])

    # account-enabled: the AD account is disabled while the cloud user works every day.
    b.pair(f"ben.carter@{DOMAIN}", "Ben", "Carter", ad={"userAccountControl": "514"})

    # attribute-drift: a name changed in the cloud only; a department AD lacks or spells differently.
    b.pair(f"lucy.gray@{DOMAIN}", "Lucy", "Gray", displayName="Lucy Gray-Hughes", department="Finance",
           ad={"department": "Accounts"})
    b.pair(f"owen.price@{DOMAIN}", "Owen", "Price", department="Finance")
    b.pair(f"ruth.klein@{DOMAIN}", "Ruth", "Klein", department="Legal", ad={"department": "Legal"})

    # anchor-ready: an old test account was stamped with Hugo's anchor, so hard match would land there.
    b.pair(f"hugo.lambert@{DOMAIN}", "Hugo", "Lambert")
    b.cloud_user(f"hugo.test@{DOMAIN}", "Hugo", "Test", onPremisesImmutableId=anchor_of(f"CN=Hugo Lambert,{STAFF}"))

    # orphan-onprem: Bob Smith's old second AD account, and a scanner under a .local UPN suffix.
    b.ad_user(STAFF, "Bob Smith (old account)", f"bsmith@{DOMAIN}", "Bob", "Smith", mail=None, sam="bsmith")
    b.ad_user(STAFF, "Scanner", "scanner@contoso.local", "", "", mail=None, sam="scanner")

    # previously-synced: Henri's AD account was deleted and recreated after an earlier sync; the cloud
    # user still carries the old object's SID (from 2026-07-01 Entra refuses the hard match).
    b.pair(f"henri.leclerc@{DOMAIN}", "Henri", "Leclerc", onPremisesSyncEnabled=False,
           onPremisesSecurityIdentifier=f"{DOMAIN_SID}-4711", onPremisesLastSyncDateTime="2024-05-17T06:12:00Z",
           onPremisesSamAccountName="hleclerc", onPremisesSyncBehavior={"isCloudManaged": False})

    # upn-exists skip: a shared mailbox with no AD account stays cloud-only (sign-in blocked, as Exchange sets it).
    b.cloud_user(f"info@{DOMAIN}", "Info", "Mailbox", displayName="Contoso Info", accountEnabled=False,
                 mailboxSettings={"userPurpose": "shared"})

    # password-cutover: Ingrid's AD account must change its password at next logon (help desk reset),
    # and the tenant will not sync that flag (userForcePasswordChangeOnLogonEnabled off).
    b.pair(f"ingrid.holm@{DOMAIN}", "Ingrid", "Holm", ad={"pwdLastSet": "0"})

    # group-takeover: the AD "All Staff" list will take over the cloud list of the same address; an AD
    # security group named like a cloud security group cannot match and becomes a second group.
    b.groups.append({"id": str(gid("group", "all staff")), "displayName": "All Staff", "mailEnabled": True,
                     "mail": f"allstaff@{DOMAIN}", "proxyAddresses": [f"SMTP:allstaff@{DOMAIN}"]})
    b.groups.append({"id": str(gid("group", "finance")), "displayName": "Finance Team", "mailEnabled": False,
                     "mail": None, "proxyAddresses": []})
    b.ad.append((f"CN=Finance Team,{STAFF}", {"objectClass": ["top", "group"], "cn": ["Finance Team"],
                                                "objectGUID": [gid("ad", "finance group").bytes_le],
                                                "sAMAccountName": ["Finance Team"], "groupType": ["-2147483646"]}))

    # Not subjects: a guest, an onmicrosoft.com admin, an already synchronized user.
    b.cloud_user(f"partner_fabrikam.com#EXT#@{MOERA}", "Pat", "Partner", mail="partner@fabrikam.com",
                 proxies=["SMTP:partner@fabrikam.com"], userType="Guest")
    b.role(b.cloud_user(f"admin@{MOERA}", "Tenant", "Admin", mail=None), "Global Administrator")
    b.cloud_user(f"victor.hugo@{DOMAIN}", "Victor", "Hugo", onPremisesSyncEnabled=True,
                 onPremisesImmutableId=anchor_of(f"CN=Victor Hugo,{STAFF}"))
    b.ad_user(STAFF, "Victor Hugo", f"victor.hugo@{DOMAIN}", "Victor", "Hugo")

    # AD objects that are not subjects of cloud-user checks.
    b.ad_user(f"CN=Users,{BASE}", "Administrator", None, "", "", mail=None, sam="Administrator",
              isCriticalSystemObject="TRUE")
    b.ad_user(SERVICE, "svc-backup", f"svc-backup@{DOMAIN}", "svc", "backup", mail=None)
    b.ad.append((f"CN=All Staff,{STAFF}", {"objectClass": ["top", "group"], "cn": ["All Staff"],
                                             "objectGUID": [gid("ad", "group").bytes_le],
                                             "sAMAccountName": ["All Staff"], "mail": [f"allstaff@{DOMAIN}"],
                                             "proxyAddresses": [f"SMTP:allstaff@{DOMAIN}"]}))
    b.ad.append((f"CN=Supplier Desk,{STAFF}", {"objectClass": ["top", "person", "organizationalPerson", "contact"],
                                                 "cn": ["Supplier Desk"], "objectGUID": [gid("ad", "contact").bytes_le],
                                                 "mail": ["desk@supplier.example"],
                                                 "proxyAddresses": ["SMTP:desk@supplier.example"]}))
    return b


def write(b: Builder, folder: Path = HERE) -> None:
    (folder / "cloud").mkdir(parents=True, exist_ok=True)
    (folder / "onprem").mkdir(parents=True, exist_ok=True)

    def dump(name, data):
        (folder / "cloud" / name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    dump("users.json", {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": b.cloud})
    dump("groups.json", b.groups)
    dump("contacts.json", b.contacts)
    dump("domains.json", [{"id": DOMAIN, "isVerified": True, "authenticationType": "Managed", "isInitial": False},
                          {"id": MOERA, "isVerified": True, "authenticationType": "Managed", "isInitial": True}])
    dump("sync.json", {"id": TENANT_ID, "features": {
        "softMatchOnUpnEnabled": True, "blockSoftMatchEnabled": False,
        "blockCloudObjectTakeoverThroughHardMatchEnabled": False, "synchronizeUpnForManagedUsersEnabled": True,
        "passwordSyncEnabled": False, "userForcePasswordChangeOnLogonEnabled": False,
        "cloudPasswordPolicyForPasswordSyncedUsersEnabled": False,
        "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled": False}})
    dump("roleAssignments.json", b.roles)
    dump("roleEligibilitySchedules.json", b.eligible)
    ous = [(dn, {"objectClass": ["top", "organizationalUnit"], "ou": [dn.split(",")[0][3:]]})
           for dn in (STAFF, CONTRACTORS, LEAVERS, SERVICE)]
    with open(folder / "onprem" / "ad.ldif", "w", encoding="utf-8", newline="\n") as fp:
        fp.write("# Example domain contoso.test (UPN suffix contoso.com), written by examples/make_contoso.py\n")
        write_ldif(fp, ous + b.ad)
    (folder / "syncready.toml").write_text(
        "# Sync scope of the example: Staff and Contractors are synchronized, Leavers and Service Accounts are not.\n"
        "[scope]\n"
        f'include = ["{STAFF}", "{CONTRACTORS}"]\n'
        "\n# The cutover turns on password hash sync (Entra Connect's express settings): check passwords against it.\n"
        "[sync]\n"
        "password_hash_sync = true\n"
        "\n# Compared by attribute-drift besides givenName, sn and displayName (AD attribute = Graph property).\n"
        "[drift]\n"
        'attributes = { department = "department" }\n', encoding="utf-8")


if __name__ == "__main__":
    write(build())
    print(f"wrote {HERE}")
