"""probable_duplicates agrees with a scan of every cloud user, whichever AD users ask and in what order.

Once every AD user's prediction is made, the Index builds its name-key table only for the keys of
the AD users predicted to join nobody (the ones orphan-onprem asks about), and for every key once
someone else asks, or when asked before the predictions; the reference below builds nothing: it
scans all cloud users for each key.
"""
from hypothesis import given, settings, strategies as st

from builders import cloud, directory, onprem
from syncready.index import Index
from syncready.matching import _LIKENESS, _landings, name_keys, predict_match, probable_duplicates
from syncready.model import CloudUser, Directory, OnPremObject

GIVEN = ["John", "Jane", "Zoë", None]
SURNAMES = ["Smith", "Müller", "O'Brien", None]
LOCALS = ["john.smith", "j.smith", "jsmith", "zoe.muller", "jane_doe", "hr"]
DOMAINS = ["contoso.com", "fabrikam.com"]

names = st.tuples(st.sampled_from(GIVEN), st.sampled_from(SURNAMES), st.sampled_from([0, 1, 2]))
addresses = st.builds(lambda local, n, domain: f"{local}{n or ''}@{domain}",
                      st.sampled_from(LOCALS), st.integers(0, 2), st.sampled_from(DOMAINS))


def _display(given: str | None, surname: str | None, form: int) -> str | None:
    if form == 0 or not (given and surname):
        return None if form == 0 else (given or surname)
    return f"{given} {surname}" if form == 1 else f"{surname}, {given}"


@st.composite
def directories(draw) -> Directory:
    upns = draw(st.lists(addresses, min_size=1, max_size=8, unique_by=str.lower))
    # sometimes a common name many cloud users share: past probable_duplicates' cap of 5 per key
    upns += [f"namesake{n}@contoso.com" for n in range(draw(st.sampled_from([0, 0, 7])))]
    users = []
    for upn in upns:
        given, surname, form = ("John", "Smith", 1) if upn.startswith("namesake") else draw(names)
        users.append(cloud(upn, given_name=given, surname=surname, display_name=_display(given, surname, form),
                           user_type="Guest" if draw(st.integers(0, 6)) == 0 else "Member"))
    ad = []
    for n in range(draw(st.integers(1, 6))):
        given, sn, form = draw(names)
        # an AD user's UPN is sometimes a cloud user's (so it is matched) and sometimes a new one
        upn = draw(st.sampled_from(upns) | addresses.map(lambda a: a.replace("@", "x@")))
        ad.append(onprem(upn, cn=f"u{n}", given_name=given, sn=sn, display_name=_display(given, sn, form)))
    return directory(users, ad)


def reference(obj: OnPremObject, users: list[CloudUser], limit: int = 5) -> tuple[list[tuple[str, str]], int]:
    found: dict[str, tuple[int, str, str]] = {}
    total = 0
    for key in sorted(name_keys(obj)):
        rank, why = _LIKENESS[key[0]]
        holders = [u for u in users if not u.is_guest and key in name_keys(u)]
        total = max(total, len(holders))
        for user in holders[:limit]:
            if user.id not in found or rank < found[user.id][0]:
                found[user.id] = (rank, user.upn, why)
    ranked = sorted(found.values(), key=lambda item: (item[0], item[1].lower()))
    return [(upn, why) for _, upn, why in ranked[:limit]], max(total, len(found))


@settings(max_examples=300, deadline=None)
@given(directories(), st.data())
def test_probable_duplicates_agree_with_a_scan_of_every_cloud_user(d, data):
    index = Index(d)
    askers = data.draw(st.permutations(d.onprem))
    if data.draw(st.booleans()):
        # a run's order: every prediction made (the cloud users' pairing), then orphan-onprem asks
        # about the unmatched, whose keys are then all the table holds
        _landings(index)
        unmatched = [o for o in d.onprem if predict_match(o, index).user is None]
        for obj in unmatched:
            found, count = probable_duplicates(obj, index)
            assert ([(u.upn, why) for u, why in found], count) == reference(obj, d.cloud_users)
        if unmatched:
            covered = index._name_keys[0]
            assert covered is not None and covered == set().union(*(name_keys(o) for o in unmatched))
    for obj in askers:
        found, count = probable_duplicates(obj, index)
        assert ([(u.upn, why) for u, why in found], count) == reference(obj, d.cloud_users)
