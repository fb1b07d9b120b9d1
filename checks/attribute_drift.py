import unicodedata
from functools import lru_cache

from syncready.checkapi import PASS, CheckMeta, failed
from syncready.matching import pairing, pairing_note
from syncready.vocab import FixAvailability, Safety, Severity, SubjectKind

from ._common import EXISTING_TENANT, GRAPH_USER

META = CheckMeta(
    id="attribute-drift", order=120, needs_counterpart=True,
    inputs=("adUsers", "drift"),             # "drift": users.<property> of every [drift] pair
    title="On-prem names (and configured attributes) equal the cloud values",
    severity=Severity.WARNING, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.ALWAYS, safety=Safety.SAFE,
    description="Compares the paired AD user's (the one sync is predicted to join to this cloud user — by "
                "hard, SMTP or UPN match —, else the one with its userPrincipalName) givenName, sn and "
                "displayName, and each pair configured in "
                "`[drift] attributes` of syncready.toml (AD attribute = Graph property), with the cloud "
                "user's values (Unicode-normalized, otherwise exact: a change of letter case is a visible "
                "change). A difference counts where the cloud has a value: an AD value that differs would "
                "overwrite it, and an empty AD value counts too — Microsoft documents the overwrite only "
                "for values set in AD and is silent on empty ones, and after the match the attribute is "
                "managed from AD either way. A cloud value that is empty is no drift: sync only fills it.",
    why="After the match, every attribute with a value in AD overwrites the cloud: names corrected in "
        "the cloud (in Teams, Outlook, the address book) revert to the old AD spelling, and from then on "
        "they can only be changed in AD.",
    how_to_fix="`syncready fix --select attribute-drift` copies the cloud values into the AD attributes "
               "(safe: it only changes the AD copy to what users already see). Where AD is right instead, "
               "leave the difference: sync will correct the cloud.",
    references=(EXISTING_TENANT, GRAPH_USER),
)

_AD_FIELDS = {"givenname": "given_name", "sn": "sn", "displayname": "display_name"}
_CLOUD_FIELDS = {"givenName": "given_name", "surname": "surname", "displayName": "display_name"}


def check(cloud_user, paired, config, index):
    for ad_attribute, graph_property, ad_field, cloud_field in _fields(config.drift):
        cloud_raw = getattr(cloud_user, cloud_field) if cloud_field else _cloud_extra(cloud_user, graph_property)
        if cloud_raw is None:
            continue
        onprem_raw = getattr(paired, ad_field) if ad_field else paired.extra.get(ad_attribute.lower())
        if not (type(cloud_raw) is str and type(onprem_raw) is str and cloud_raw == onprem_raw):
            return _rule(cloud_user, paired, config, index)
    return PASS     # the common case, without normalizing: the same text on both sides, or none in the cloud


def _rule(cloud_user, paired, config, index):
    """The check in full: each pair's values normalized and compared."""
    counterpart = paired
    differences = []
    for ad_attribute, graph_property in config.drift:
        cloud_value = _normal(_cloud_value(cloud_user, graph_property))
        if cloud_value is None:
            continue
        onprem_value = _normal(_onprem_value(counterpart, ad_attribute))
        if onprem_value != cloud_value:
            differences.append({"ad_attribute": ad_attribute, "graph_property": graph_property,
                                "onprem": onprem_value, "cloud": cloud_value,
                                "kind": "overwrite" if onprem_value is not None else "empty-on-prem"})
    if not differences:
        return PASS
    shown = "; ".join(
        f"{d['ad_attribute']}: AD '{d['onprem']}' would overwrite cloud '{d['cloud']}'" if d["kind"] == "overwrite"
        else f"{d['ad_attribute']}: empty in AD, cloud has '{d['cloud']}'" for d in differences)
    found = pairing(cloud_user, index)
    return failed(f"{shown}{pairing_note(found)}; copy the cloud values to AD (syncready fix --select "
                  "attribute-drift) or accept the AD values", onprem_dn=counterpart.dn, differences=differences,
                  paired_by=found.how or "upn")


@lru_cache(maxsize=8)
def _fields(drift: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, str | None, str | None], ...]:
    """Each [drift] pair with the model field that holds it on each side (None: the object's `extra`),
    decided once per configuration rather than per user (a pure function of the pairs)."""
    return tuple((ad, graph, _AD_FIELDS.get(ad.lower()), _CLOUD_FIELDS.get(graph)) for ad, graph in drift)


def _onprem_value(obj, attribute: str):
    field = _AD_FIELDS.get(attribute.lower())
    return getattr(obj, field) if field else obj.extra.get(attribute.lower())


def _cloud_value(user, prop: str):
    field = _CLOUD_FIELDS.get(prop)
    return getattr(user, field) if field else _cloud_extra(user, prop)


def _cloud_extra(user, prop: str):
    """A Graph property outside the model's fields: as spelled, else in any letter case."""
    if prop in user.extra:
        return user.extra[prop]
    low = prop.lower()
    return next((v for k, v in user.extra.items() if k.lower() == low), None)


def _normal(value):
    """One comparable form: None for empty, a single-valued list as its value, text NFC-normalized."""
    if isinstance(value, (list, tuple)):
        value = value[0] if len(value) == 1 else (tuple(value) or None)
    if value is None or value == "":
        return None
    if isinstance(value, tuple):
        return tuple(unicodedata.normalize("NFC", str(v)) for v in value)
    return unicodedata.normalize("NFC", str(value))
