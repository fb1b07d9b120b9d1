"""The predictions of a saved pre-cutover run, read back from its results JSON (SPEC §6).

Results written since `verify` exists carry, per AD user, a `prediction` (anchor, predicted cloud
user id and how). Older files do not: their predictions are rebuilt from the cloud users'
single-match results and the AD users' orphan-onprem results, and an AD user whose target
cannot be told is marked `known=False` (verify then says "matched, target not recorded").
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import SourceError
from .vocab import Status, SubjectKind

WARNED = (Status.FAIL, Status.WAIVED, Status.ERROR)


@dataclass(frozen=True, slots=True)
class Prediction:
    dn: str
    anchor: str | None
    cloud_id: str | None          # None: a new cloud user is predicted (when `known`)
    cloud_upn: str | None = None
    how: str | None = None        # "hard" | "smtp" | "upn"
    known: bool = True
    contested: str | None = None  # a cloud user other AD users were predicted onto too: it may join it or not


@dataclass
class Expected:
    predictions: list[Prediction]
    cloud: dict[str, dict]                     # in-scope, not yet synchronized cloud users by id: their entries
    twins: dict[str, str] = field(default_factory=dict)   # AD DN (lower) -> id of the cloud user with its UPN
    selected: frozenset[str] = frozenset()
    generated: str | None = None
    tenant: str | None = None

    def predicted_ids(self) -> set[str]:
        return {p.cloud_id for p in self.predictions if p.cloud_id}

    def warned(self, cloud_id: str, check_id: str) -> bool | None:
        """Whether the run's `check_id` failed (or was waived) for this cloud user; None when not run."""
        entry = self.cloud.get(cloud_id)
        if entry is None or check_id not in self.selected:
            return None
        result = entry["results"].get(check_id)
        return result is not None and result.get("status") in WARNED


    def status(self, cloud_id: str, check_id: str) -> str | None:
        """The run's status of `check_id` for this cloud user, or None when it has none."""
        result = (self.cloud.get(cloud_id) or {}).get("results", {}).get(check_id)
        return result.get("status") if result else None

    def reason(self, cloud_id: str) -> str | None:
        """The run's single-match message for this cloud user (why no match, or another one, was predicted)."""
        entry = self.cloud.get(cloud_id) or {}
        return (entry.get("results", {}).get("single-match") or {}).get("message")


def read_expected(doc: dict, source: str) -> Expected:
    """The predictions of a results document; one that predicts nothing is an input error."""
    cloud: dict[str, dict] = {}
    twins: dict[str, str] = {}
    rebuilt: dict[str, Prediction] = {}
    onprem: list[dict] = []
    for entry in doc["subjects"]:
        kind = entry.get("kind")
        if kind == SubjectKind.CLOUD_USER and not entry.get("already_synchronized") and entry.get("id"):
            cloud[entry["id"]] = entry
            counterpart = entry.get("onprem") or {}
            if counterpart.get("dn"):
                twins[counterpart["dn"].lower()] = entry["id"]
                if entry["results"].get("single-match", {}).get("status") == Status.PASS:
                    rebuilt[counterpart["dn"].lower()] = Prediction(
                        counterpart["dn"], counterpart.get("anchor"), entry["id"],
                        (entry.get("cloud") or {}).get("upn"))
        elif kind == SubjectKind.ONPREM_USER:
            onprem.append(entry)
    predictions = [_prediction(e, rebuilt) for e in onprem]
    if not predictions:
        predictions = list(rebuilt.values())
    if not predictions:
        raise SourceError(f"{source}: the results predict no match (no AD user in scope and no single-match "
                          "result): run syncready check with orphan-onprem and single-match selected")
    return Expected(predictions, cloud, twins, frozenset(doc.get("selected") or ()), doc.get("generated"),
                    (doc.get("sources") or {}).get("tenant"))


def _prediction(entry: dict, rebuilt: dict[str, Prediction]) -> Prediction:
    dn = entry["subject"]
    saved = entry.get("prediction")
    if isinstance(saved, dict):
        return Prediction(dn, saved.get("anchor"), saved.get("cloud_id"), saved.get("cloud_upn"), saved.get("how"),
                          contested=saved.get("contested_id"))
    known = rebuilt.get(dn.lower())
    if known is not None:
        return known
    orphan = entry["results"].get("orphan-onprem", {})
    anchor = (entry.get("onprem") or {}).get("anchor") or (orphan.get("evidence") or {}).get("onprem_anchor")
    if orphan.get("status") in (Status.FAIL, Status.WAIVED):
        return Prediction(dn, anchor, None)
    return Prediction(dn, anchor, None, known=False)
