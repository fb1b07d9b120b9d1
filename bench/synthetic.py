"""Synthetic directories of any size for benchmarks and property tests, written as a snapshot folder.

The mix is what a real tenant looks like before its first sync: most users pair cleanly, and a few
percent show each failure mode. Deterministic for a given seed.
"""
from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

from syncready.sid import sid_from_text
from syncready.sources.ldif import write_ldif

BASE = "DC=contoso,DC=test"
DOMAIN = "contoso.com"
MOERA = "contoso.onmicrosoft.com"
OUS = [f"OU=Staff,{BASE}", f"OU=Sales,{BASE}", f"OU=Engineering,{BASE}", f"OU=Contractors,{BASE}"]
GIVEN = ["Anna", "Ben", "Chloé", "David", "Eva", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kai", "Lena",
         "Mateo", "Nora", "Omar", "Paula", "Quentin", "Rosa", "Sven", "Tara", "Ugo", "Vera", "Wim", "Yara"]
SURNAME = ["Adler", "Brandt", "Conti", "Dubois", "Eriksen", "Fontaine", "García", "Horvat", "Ivanova",
           "Jansen", "Kowalski", "Lambert", "Müller", "Nowak", "O'Neill", "Petrov", "Quist", "Rossi"]


STORIES = {"clean": 76, "no-ad": 4, "mail": 3, "alias": 3, "dup": 2, "drift": 4, "disabled": 2, "case": 2,
           "resynced": 1, "returning": 1, "shared": 1, "must-change": 1}
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"
NOW_FILETIME = 134_090_000_000_000_000       # 2025-12, 100 ns since 1601
REMOTE_USER_MAILBOX = "2147483648"
EXO_LEGACY = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"


def generate(folder, users: int, onprem_only: int | None = None, seed: int = 1, stories: dict | None = None) -> dict:
    """Writes cloud/*.json and onprem/ad.ldif under folder; returns counts of each story."""
    rng = random.Random(seed)
    folder = Path(folder)
    (folder / "cloud").mkdir(parents=True, exist_ok=True)
    (folder / "onprem").mkdir(parents=True, exist_ok=True)
    onprem_only = users // 20 if onprem_only is None else onprem_only
    weights = stories or STORIES
    stories = {}
    cloud, ad, mailboxes = [], [], []
    for i in range(users):
        given, surname = GIVEN[i % len(GIVEN)], SURNAME[(i // len(GIVEN)) % len(SURNAME)]
        local = f"user{i:06d}"
        upn = f"{local}@{DOMAIN}"
        story = rng.choices(list(weights), list(weights.values()))[0]
        stories[story] = stories.get(story, 0) + 1
        proxies = [f"SMTP:{upn}", f"smtp:{local}@{MOERA}"]
        if story == "alias":
            proxies.append(f"smtp:{local}.alias@{DOMAIN}")
        if story == "dup" and i:
            proxies.append(f"smtp:user{i - 1:06d}@{DOMAIN}")
        guid = rng.randbytes(16)
        exchange_guid = uuid.UUID(int=rng.getrandbits(128), version=4)
        mailboxes.append({"UserPrincipalName": upn, "PrimarySmtpAddress": upn,
                          "RecipientTypeDetails": "SharedMailbox" if story == "shared" else "UserMailbox",
                          "ExchangeGuid": str(exchange_guid),
                          "LegacyExchangeDN": f"{EXO_LEGACY}/cn=Recipients/cn={local}",
                          "EmailAddresses": [f"SMTP:{upn}", f"smtp:{local}@contoso.mail.onmicrosoft.com"]})
        sid = f"{DOMAIN_SID}-{1100 + i}"
        earlier = story in ("resynced", "returning")
        cloud.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "userPrincipalName": upn,
                      "mail": upn, "mailNickname": local, "givenName": given, "surname": surname,
                      "displayName": f"{given} {surname}", "proxyAddresses": proxies,
                      "onPremisesImmutableId": None, "onPremisesSyncEnabled": False if earlier else None,
                      "onPremisesSecurityIdentifier": None if not earlier else
                      sid if story == "returning" else f"{DOMAIN_SID}-{500_000_000 + i}",
                      "onPremisesLastSyncDateTime": "2024-03-01T10:00:00Z" if earlier else None,
                      "onPremisesSyncBehavior": {"isCloudManaged": False} if earlier else None,
                      "mailboxSettings": {"userPurpose": "shared" if story == "shared" else "user"},
                      "accountEnabled": True, "userType": "Member", "jobTitle": "Clerk"})
        if story == "no-ad":
            continue
        ad_upn = upn.upper() if story == "case" else upn
        mail = f"old.{upn}" if story == "mail" else upn
        attrs = {"objectClass": ["top", "person", "organizationalPerson", "user"], "cn": [f"{given} {surname} {i}"],
                 "objectGUID": [guid], "objectSid": [sid_from_text(sid)], "sAMAccountName": [local],
                 "userPrincipalName": [ad_upn],
                 "mail": [mail],
                 "proxyAddresses": [f"SMTP:{mail}", f"X500:{EXO_LEGACY}/cn=Recipients/cn={local}"],
                 "givenName": [given], "sn": [surname],
                 "displayName": [f"{given} {surname}" + (" (old)" if story == "drift" else "")],
                 "userAccountControl": ["514" if story == "disabled" else "512"], "title": ["Clerk"],
                 "pwdLastSet": ["0" if story == "must-change" else str(NOW_FILETIME - i)],
                 "lastLogonTimestamp": [str(NOW_FILETIME - 7 * i)], "accountExpires": ["9223372036854775807"],
                 "msExchRecipientTypeDetails": [REMOTE_USER_MAILBOX], "msExchRemoteRecipientType": ["4"],
                 "msExchMailboxGuid": [exchange_guid.bytes_le],
                 "legacyExchangeDN": [f"/o=Contoso/ou=Exchange Administrative Group/cn=Recipients/cn={local}"],
                 "targetAddress": [f"SMTP:{local}@contoso.mail.onmicrosoft.com"]}
        ad.append((f"CN={given} {surname} {i},{OUS[i % len(OUS)]}", attrs))
    for j in range(onprem_only):
        local = f"adonly{j:06d}"
        ad.append((f"CN=AD Only {j},{OUS[j % len(OUS)]}", {
            "objectClass": ["top", "person", "organizationalPerson", "user"], "cn": [f"AD Only {j}"],
            "objectGUID": [rng.randbytes(16)], "sAMAccountName": [local], "userPrincipalName": [f"{local}@{DOMAIN}"],
            "userAccountControl": ["512"], "givenName": ["AD"], "sn": [f"Only {j}"]}))
    # an arbitration mailbox, as every Exchange forest has: the only object with homeMDB
    ad.append((f"CN=SystemMailbox{{1f05a927-0000-0000-0000-000000000001}},CN=Users,{BASE}", {
        "objectClass": ["top", "person", "organizationalPerson", "user"], "objectGUID": [rng.randbytes(16)],
        "sAMAccountName": ["SM_0001"], "userAccountControl": ["514"], "msExchRecipientTypeDetails": ["8388608"],
        "homeMDB": [f"CN=Mailbox Database 01,CN=Databases,CN=Exchange,{BASE}"],
        "userPrincipalName": [f"SystemMailbox{{1f05a927}}@{DOMAIN}"]}))
    groups = [{"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "displayName": f"Group {g}",
               "mailEnabled": True, "mail": f"group{g}@{DOMAIN}", "proxyAddresses": [f"SMTP:group{g}@{DOMAIN}"]}
              for g in range(max(1, users // 100))]
    with open(folder / "cloud" / "users.json", "w", encoding="utf-8") as fp:
        fp.write("[\n" + ",\n".join(json.dumps(u, ensure_ascii=False) for u in cloud) + "\n]\n")
    (folder / "cloud" / "groups.json").write_text(json.dumps(groups), encoding="utf-8")
    (folder / "cloud" / "contacts.json").write_text("[]", encoding="utf-8")
    with open(folder / "cloud" / "mailboxes.json", "w", encoding="utf-8") as fp:
        fp.write("[\n" + ",\n".join(json.dumps(m) for m in mailboxes) + "\n]\n")
    (folder / "cloud" / "domains.json").write_text(json.dumps([
        {"id": DOMAIN, "isVerified": True, "authenticationType": "Managed", "isInitial": False},
        {"id": MOERA, "isVerified": True, "authenticationType": "Managed", "isInitial": True}]), encoding="utf-8")
    (folder / "cloud" / "sync.json").write_text(json.dumps({"id": "synthetic", "features": {
        "softMatchOnUpnEnabled": True, "blockSoftMatchEnabled": False,
        "blockCloudObjectTakeoverThroughHardMatchEnabled": False, "passwordSyncEnabled": True,
        "userForcePasswordChangeOnLogonEnabled": False}}), encoding="utf-8")
    (folder / "cloud" / "roleAssignments.json").write_text("[]", encoding="utf-8")
    (folder / "cloud" / "roleEligibilitySchedules.json").write_text("[]", encoding="utf-8")
    with open(folder / "onprem" / "ad.ldif", "w", encoding="utf-8") as fp:
        write_ldif(fp, ad)
    stories["onprem-only"] = onprem_only
    return stories
