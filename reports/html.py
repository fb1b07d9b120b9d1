"""The HTML readiness report: one self-contained file that an administrator can open from a share.

Header, summary, per-check cards, waivers and baseline changes are rendered by jinja2 (autoescape
on; their context is built in ``html_context``). The per-subject data is embedded once, packed
(``html_data``), and drawn by the page's own script a page of rows at a time:

* above ``COMPRESS_ABOVE`` bytes of strings the data is one binary blob, gzip'd and base64'd; the
  page inflates it with the browser's native ``DecompressionStream``. Smaller reports embed plain
  JSON, which opens in any browser;
* plain JSON is embedded in ``<script type="application/json">`` with ``<``, ``>``, ``&`` and the
  JS line separators escaped, so no value can close the element; the page builds rows with DOM
  APIs and textContent only;
* a Content-Security-Policy allows no network at all and only the report's own script (by hash),
  so even a value that slipped through could neither run nor load anything.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .html_context import page_context
from .partials import Partials
from .html_data import CLOUD_FIELDS, FORMAT, KINDS, ONPREM_FIELDS, gzipped, one_table, pack, report_checks
from .markdown import percent
from syncready.gcpause import collector_paused

__all__ = ["CLOUD_FIELDS", "COMPRESS_ABOVE", "FORMAT", "KINDS", "ONPREM_FIELDS", "TEMPLATES", "pack",
           "render_html", "render_html_string", "safe_url"]

TEMPLATES = Path(__file__).with_name("templates")
# Packed data larger than this (estimated) is gzip'd; below it plain JSON opens in any browser.
COMPRESS_ABOVE = 1_500_000

_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                 0x2028: "\\u2028", 0x2029: "\\u2029"}


def render_html(results: dict, path) -> None:
    """Write the report for a results dict (SPEC §6) to path."""
    Path(path).write_bytes(render_html_string(results).encode("utf-8", "replace"))




def render_html_string(results: dict, *, compress: bool | None = None) -> str:
    """The report as a string; compress None decides by size, True/False forces it (tests)."""
    with collector_paused():
        return _render(results, compress)


def _render(results: dict, compress: bool | None) -> str:
    checks = report_checks(results)
    partials = Partials(results)
    data, seen = pack(results, checks, partials)
    if compress is None:
        compress = sum(map(len, data["S"][1:])) + sum(map(len, data["F"][1:])) + 8 * len(data["ints"]) > COMPRESS_ABOVE
    if compress:
        payload = base64.b64encode(gzipped(data)).decode("ascii")
        encoding = "gzip-base64"
    else:
        plain = dict(data, ints=data["offsets"].tolist() + data["ints"].tolist(), S=one_table(data),
                     searched=len(data["F"]))
        del plain["offsets"], plain["F"]
        payload = json.dumps(plain, ensure_ascii=True, separators=(",", ":"), allow_nan=False).translate(_JSON_ESCAPES)
        encoding = "json"
    script = _asset("search.js") + _asset("report.js")
    css = _asset("report.css")
    context = dict(page_context(results, checks, seen), **partials.context())
    context.update(
        css=Markup(css),
        script=Markup(script),
        script_hash=base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii"),
        payload=Markup(payload),
        encoding=encoding,
    )
    return _environment().get_template("report.html.j2").render(context)


def _asset(name: str) -> str:
    """A static file inlined verbatim; one containing "</" could end its element early, so refuse it."""
    content = (TEMPLATES / name).read_text(encoding="utf-8")
    if "</" in content:
        raise ValueError(f"{name} must not contain '</'")
    return content


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda n: f"{int(n or 0):,}"
    env.filters["pct"] = percent
    env.filters["safe_url"] = safe_url
    return env


def safe_url(url) -> str | None:
    """Only http(s) references become links; anything else (javascript:, data:) is shown as text."""
    url = str(url or "").strip()
    return url if re.match(r"^https?://", url, re.IGNORECASE) else None
