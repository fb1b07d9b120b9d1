"""What the HTML report's template shows besides the packed rows: header, summary, check cards,
waivers and baseline changes, from the results document (and counts the packing saw)."""
from __future__ import annotations

import datetime as dt
import re

from syncready.summary import (
    cloud_aside,
    collection_lines,
    coverage_of,
    groups_line,
    lead_line,
    onprem_line,
    people_of,
    scope_text,
    unread_counts,
    unread_line,
)

from syncready.vocab import SubjectKind

from .html_data import KINDS, STATUSES, kind_label
from .markdown import percent

# Lists shown in full on the page; longer ones are cut (the users table filters cover the rest).
LIST_LIMIT = 200

_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@\s]*@", re.IGNORECASE)


def _bar(counts: dict, order, colors) -> list[dict]:
    """Segments of a 100-unit-wide stacked bar; tiny non-zero parts still get a visible sliver."""
    total = sum(counts.get(k, 0) for k in order)
    segments: list[dict] = []
    x = 0.0
    if not total:
        return segments
    widths = {k: (max(100.0 * counts.get(k, 0) / total, 0.6) if counts.get(k, 0) else 0.0) for k in order}
    scale = 100.0 / sum(widths.values())
    for k in order:
        if widths[k]:
            w = widths[k] * scale
            segments.append({"key": k, "x": round(x, 3), "w": round(w, 3), "n": counts.get(k, 0),
                             "color": colors[k], "pct": percent(counts.get(k, 0), total)})
            x += w
    return segments


def _clean_source(value) -> str:
    """A source as shown in the header: credentials in a URL's userinfo or query are dropped."""
    text = _USERINFO.sub(r"\1", str(value))
    return text.split("?", 1)[0]


def _when(value) -> str:
    try:
        stamp = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC)
        return stamp.strftime("%d %b %Y, %H:%M UTC")
    return stamp.strftime("%d %b %Y, %H:%M")


CHECK_COLORS = {"pass": "#2f855a", "fail": "#c53030", "error": "#742a2a", "waived": "#6b46c1", "skip": "#cbd5e0"}
WARN_COLORS = dict(CHECK_COLORS, fail="#d69e2e")
READY_COLORS = {"blocked": "#c53030", "at-risk": "#d69e2e", "ready": "#2f855a", "synced": "#a0aec0"}


def page_context(results: dict, checks: list[dict], seen: dict) -> dict:
    summary = results.get("summary") or {}
    sources = results.get("sources") or {}
    people = people_of(results)
    cloud = people["cloud_users"]
    counts = {"ready": cloud.get("ready"), "at-risk": cloud.get("at_risk"), "blocked": cloud.get("blocked"),
              "synced": cloud.get("already_synchronized")}
    counts = {k: int(v or 0) for k, v in counts.items()}
    considered = counts["ready"] + counts["at-risk"] + counts["blocked"]
    unread = unread_counts(people)
    kinds = seen["kinds"]
    given: dict = summary["by_check"] if isinstance(summary.get("by_check"), dict) else {}
    for c in checks:
        counts_given = given.get(c["id"])
        c["counts"] = ({st: int(counts_given.get(st) or 0) for st in STATUSES} if isinstance(counts_given, dict)
                       else seen["by_check"][c["id"]])
        c["bar"] = _bar(c["counts"], ("pass", "fail", "error", "waived", "skip"),
                        WARN_COLORS if c["severity"] == "warning" else CHECK_COLORS)
        c["failing"] = c["counts"]["fail"] + c["counts"]["error"]
        c["unread"] = min(unread.get(c["id"], 0), c["counts"]["error"])
        c["blocking"] = c["failing"] - c["unread"]      # failures a fix can clear, not inputs not read
        c["references"] = [r for r in c.get("references") or [] if isinstance(r, dict)]
    baseline = summary.get("baseline") if isinstance(summary.get("baseline"), dict) else None
    waivers = []
    for w in results.get("waivers") or []:
        if isinstance(w, dict):
            subjects = [str(x) for x in w.get("subjects") or []]
            waivers.append(dict(w, subjects=subjects[:20], more=max(0, len(subjects) - 20)))
    extra_sources = {k: _clean_source(v) for k, v in sources.items() if k not in ("tenant", "domain")}
    selected = results.get("selected") or [c["id"] for c in checks]
    return {
        "tenant_id": sources.get("tenant") or "",
        "domain": sources.get("domain") or "",
        "generated": results.get("generated") or "",
        "generated_text": _when(results.get("generated")),
        "version": (results.get("tool") or {}).get("version") or "",
        "sources": extra_sources,
        "selected": selected,
        "counts": counts,
        "considered": considered,
        "kinds": kinds,
        "kind_options": [(i, kind_label(k, plural=True)) for i, k in enumerate(KINDS)],
        "ready_bar": _bar(counts, ("blocked", "at-risk", "ready"), READY_COLORS),
        "checks": checks,
        "blocker_checks": [c for c in checks if c["severity"] == "blocker" and c["blocking"]
                           and c.get("subject") in (SubjectKind.CLOUD_USER, None)],
        "lead": lead_line(cloud),
        "cloud_aside": cloud_aside(cloud, summary.get("out_of_scope")),
        "onprem_line": onprem_line(people["onprem_users"]),
        "onprem": people["onprem_users"],
        "groups_line": groups_line(people["onprem_groups"]),
        "tenant": people["tenant"],
        "unread_lines": [unread_line(e) for e in people["unread_checks"]],
        "coverage": _coverage_context(results),
        "waivers": waivers,
        "baseline": baseline and {
            "file": baseline.get("file") or "",
            "new": (baseline.get("new") or [])[:LIST_LIMIT], "new_total": len(baseline.get("new") or []),
            "fixed": (baseline.get("fixed") or [])[:LIST_LIMIT], "fixed_total": len(baseline.get("fixed") or []),
        },
        "list_limit": LIST_LIMIT,
    }


def _coverage_context(results: dict) -> dict | None:
    """Config, scope, what was read and not, and notes for the header (SPEC §8)."""
    coverage = coverage_of(results)
    if coverage is None:
        return None
    read, missing = collection_lines(coverage)
    return {"config": coverage.get("config"), "scope": scope_text(coverage), "read": read, "missing": missing,
            "notes": [str(n) for n in coverage.get("notes") or ()]}
