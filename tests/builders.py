"""Small constructors of directory objects for tests, with uuid5 ids so runs are stable."""
from __future__ import annotations

import uuid

from syncready.config import Config, Scope
from syncready.engine import Engine
from syncready.model import CloudObject, CloudUser, Directory, Domain, OnPremObject

NS = uuid.UUID("0b8f6a4c-3d0f-4a7e-9a55-8f5a7e1c2d33")
BASE = "DC=contoso,DC=test"


def cloud(upn, mail="same", proxies=None, **kw) -> CloudUser:
    mail = upn if mail == "same" else mail
    if proxies is None:
        proxies = (f"SMTP:{mail}",) if mail else ()
    kw.setdefault("user_type", "Member")
    kw.setdefault("account_enabled", True)
    return CloudUser(id=str(uuid.uuid5(NS, "c/" + upn)), upn=upn, mail=mail, proxy_addresses=tuple(proxies), **kw)


def onprem(upn, mail="same", proxies=None, ou="OU=Staff", cn=None, object_class="user", **kw) -> OnPremObject:
    mail = upn if mail == "same" else mail
    if proxies is None:
        proxies = (f"SMTP:{mail}",) if mail else ()
    dn = f"CN={cn or (upn or 'x').split('@')[0]},{ou},{BASE}"
    kw.setdefault("uac", 512)
    return OnPremObject(dn=dn, object_class=object_class, object_guid=uuid.uuid5(NS, "a/" + dn).bytes_le,
                        upn=upn, mail=mail, proxy_addresses=tuple(proxies), **kw)


def group(mail, proxies=None) -> CloudObject:
    return CloudObject(id=str(uuid.uuid5(NS, "g/" + mail)), kind="group", display_name=mail, mail=mail,
                       proxy_addresses=tuple(proxies if proxies is not None else (f"SMTP:{mail}",)))


def contact(mail) -> CloudObject:
    return CloudObject(id=str(uuid.uuid5(NS, "k/" + mail)), kind="contact", display_name=mail, mail=mail,
                       proxy_addresses=(f"SMTP:{mail}",))


def directory(cloud_users=(), onprem_objects=(), groups=(), contacts=(), **kw) -> Directory:
    kw.setdefault("domains", [Domain("contoso.com", True), Domain("contoso.onmicrosoft.com", True, is_initial=True)])
    kw.setdefault("roles_known", True)      # complete by construction: no role unless one is given
    return Directory(cloud_users=list(cloud_users), onprem=list(onprem_objects), cloud_groups=list(groups),
                     cloud_contacts=list(contacts), **kw)


def run(d: Directory, select=None, scope=None, **config):
    cfg = Config(scope=scope or Scope(), **config)
    return Engine(d, cfg, select=select).run()


def outcome(d: Directory, check_id: str, upn: str, **kw):
    """The result of one check for the subject named upn."""
    for subject in run(d, select=[check_id], **kw).subjects:
        if subject.name.lower() == upn.lower():
            return subject.results[check_id]
    raise AssertionError(f"{upn} is not a subject")


def mailbox(upn, kind="UserMailbox", legacy="same", addresses=None, **kw):
    """A cloud/mailboxes.json record (Get-EXOMailbox) with a stable ExchangeGuid and LegacyExchangeDN."""
    from syncready.model import Mailbox

    alias = upn.split("@")[0]
    legacy = (f"/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={alias}"
              if legacy == "same" else legacy)
    if addresses is None:
        addresses = (f"SMTP:{upn}", f"smtp:{alias}@contoso.mail.onmicrosoft.com")
    kw.setdefault("exchange_guid", str(uuid.uuid5(NS, "m/" + upn)))
    return Mailbox(upn=upn, primary_smtp=upn, recipient_type_details=kind, legacy_exchange_dn=legacy,
                   email_addresses=tuple(addresses), **kw)
