"""--baseline: which failures are new since a previous results file, and which were fixed."""
from __future__ import annotations

from dataclasses import replace

from .engine import Run
from .results import read_results
from .vocab import FAILING


def apply_baseline(run: Run, path) -> dict:
    """Marks each failing result new/unchanged (a new, marked Result in its place) and records what the
    previous run failed that now passes."""
    previous = read_results(path)
    before: dict[tuple[str, str], str] = {}
    for entry in previous.get("subjects", []):
        for check_id, result in entry.get("results", {}).items():
            before[(entry["subject"].lower(), check_id)] = result.get("status", "")
    new, fixed, now_failing = [], [], set()
    for subject in run.subjects:
        results = subject.results
        for check_id, result in results.items():
            key = (subject.name.lower(), check_id)
            if result.status in FAILING:
                now_failing.add(key)
                if before.get(key) in FAILING:
                    results[check_id] = replace(result, baseline="unchanged")
                else:
                    results[check_id] = replace(result, baseline="new")
                    new.append({"check": check_id, "subject": subject.name})
    selected = {c.id for c in run.checks}
    names = {s.name.lower(): s.name for s in run.subjects}
    for (name, check_id), status in before.items():
        if status in FAILING and check_id in selected and (name, check_id) not in now_failing:
            fixed.append({"check": check_id, "subject": names.get(name, name), "gone": name not in names})
    run.baseline = {"file": str(path), "new": new, "fixed": fixed}
    return run.baseline
