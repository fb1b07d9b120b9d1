"""The HTML "verification" view of `syncready verify`: one self-contained file, no script, no network.

A separate template from the readiness report (report.html.j2): the findings are few (the
problems of one cutover), so they are rendered as plain escaped HTML, grouped by outcome.
"""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .verify_formats import LABELS, ORDER, lead_line, ordered, verdict_line

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_verify_html_string(doc: dict) -> str:
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["j2", "html"]),
                      trim_blocks=True, lstrip_blocks=True)
    findings = ordered(doc["findings"])
    groups = [(outcome, LABELS[outcome], [f for f in findings if f["outcome"] == outcome]) for outcome in ORDER]
    return env.get_template("verify.html.j2").render(
        doc=doc, summary=doc["summary"], lead=lead_line(doc["summary"]), verdict=verdict_line(doc["summary"]),
        groups=[g for g in groups if g[2]], counts=[(LABELS[o], doc["summary"]["by_outcome"].get(o, 0)) for o in ORDER])


def render_verify_html(doc: dict, path) -> None:
    Path(path).write_bytes(render_verify_html_string(doc).encode("utf-8", "replace"))
