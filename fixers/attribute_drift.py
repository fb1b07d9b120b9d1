"""Copies the cloud values of the compared attributes into AD, as the original script did.

Safe: the AD copy takes the value users already see in the cloud, so sync changes nothing visible.
"""
from syncready.fixerapi import Change, FixContext, NotFixable, Result, Subject

from ._common import paired_elsewhere, set_single


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    ad = subject.paired
    if paired_elsewhere(subject, ctx, "copied"):
        return []
    changes = []
    for difference in (result.evidence or {}).get("differences", []):
        attribute, value = difference["ad_attribute"], difference["cloud"]
        if isinstance(value, (list, tuple)):
            raise NotFixable(f"{attribute} is multi-valued in the cloud; copy it by hand")
        current = _current(ad, attribute)
        changes += set_single("attribute-drift", subject, ctx, ad, attribute, current, value)
    return changes


def _current(ad, attribute):
    field = {"givenname": "given_name", "sn": "sn", "displayname": "display_name"}.get(attribute.lower())
    return getattr(ad, field) if field else ad.extra.get(attribute.lower())
