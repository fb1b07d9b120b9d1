"""Sets `mail` and the `SMTP:` primary of the AD user to the cloud primary SMTP address.

The old primary stays as a secondary `smtp:` value, so no address is lost; an existing secondary
equal to the new primary is promoted rather than duplicated. Refused while another object holds the
address (the write would make the two clash: proxy-unique decides first).
"""
from syncready.fixerapi import Change, FixContext, NotFixable, Result, Subject

from ._common import modify, set_single


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    user, ad = subject.obj, subject.counterpart
    new = user.primary_smtp
    others = ctx.index.holders(new, besides=(user, ad))
    if others:
        held = others[0]
        name = getattr(held, "dn", None) or getattr(held, "upn", None) or held.id
        raise NotFixable(f"{new} is also held by {name}: two objects would then hold it (proxy-unique); decide whose "
                         "address it is first")
    changes = []
    mail = ctx.values(ad, "mail", ad.mail)
    if not (len(mail) == 1 and mail[0].lower() == new.lower()):
        changes += set_single("mail-primary-smtp", subject, ctx, ad, "mail", ad.mail, new)
    proxies = ctx.values(ad, "proxyAddresses", ad.proxy_addresses)
    if not proxies:
        old = mail[0] if len(mail) == 1 else None
        if old and old.lower() != new.lower():
            # `mail` was the primary (proxyAddresses empty): keep it as a secondary, or it is lost
            changes.append(modify("mail-primary-smtp", subject, ad, "proxyAddresses", [],
                                  [f"SMTP:{new}", f"smtp:{old}"], note="old primary (mail) kept as a secondary"))
        return changes
    primaries = [p for p in proxies if p.startswith("SMTP:")]
    if len(primaries) == 1 and primaries[0][5:].lower() == new.lower():
        return changes
    promoted = [p for p in proxies if not p.startswith("SMTP:") and p.lower() == f"smtp:{new}".lower()]
    demoted = [f"smtp:{p[5:]}" for p in primaries if p[5:].lower() != new.lower()]
    changes.append(modify("mail-primary-smtp", subject, ad, "proxyAddresses", primaries + promoted,
                          demoted + [f"SMTP:{new}"], note="old primary kept as a secondary"))
    return changes
