"""The HTML "verification" view of `syncready verify`: one self-contained file, no script, no network.

A separate template from the readiness report (report.html.j2): the findings are few (the
problems of one cutover), so they are rendered as plain escaped HTML, grouped by outcome; the
counts link to their sections. The Content-Security-Policy allows no script at all and only the
page's own style sheet, by hash, so a hostile directory value can neither run nor load anything.
"""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .verify_formats import LABELS, ORDER, lead_line, objects_line, ordered, verdict_line

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_verify_html_string(doc: dict) -> str:
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["j2", "html"]),
                      trim_blocks=True, lstrip_blocks=True)
    style = (_TEMPLATES / "verify.css").read_text(encoding="utf-8")
    findings = ordered(doc["findings"])
    groups = [(outcome, LABELS[outcome], [f for f in findings if f["outcome"] == outcome]) for outcome in ORDER]
    summary = doc["summary"]
    return env.get_template("verify.html.j2").render(
        doc=doc, summary=summary, lead=lead_line(summary), verdict=verdict_line(summary),
        objects=objects_line(summary), style=Markup(style),
        style_hash=base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii"),
        groups=[g for g in groups if g[2]],
        counts=[(o.value, LABELS[o], summary["by_outcome"].get(o, 0)) for o in ORDER])


def render_verify_html(doc: dict, path) -> None:
    Path(path).write_bytes(render_verify_html_string(doc).encode("utf-8", "replace"))
