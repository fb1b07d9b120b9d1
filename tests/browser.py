"""Headless Chromium for the HTML tests of pages that carry no script of their own (the verify view).

Shared so a new page's test launches Chromium, watches the page and runs axe-core the way
tests/test_report_browser.py does for the readiness report: the same binary and flags
(resultsgen.CHROMIUM), the same axe-core build (build/npm, installed by tools/setup.sh), the same
"serious or critical" bar. A watched page records console errors, uncaught errors, dialogs, every
request and every Content-Security-Policy violation, so a test asserts the page did nothing else.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import resultsgen
from playwright import sync_api

AXE = Path(__file__).resolve().parent.parent / "build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE_SERIOUS = """async (sel) => (await axe.run(sel ? document.querySelector(sel) : document)).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary).join(' | '))"""
# Runs before the page, outside its CSP (an init script): collects the violations the page causes.
_RECORD_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
                          e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


@contextmanager
def chromium() -> Iterator[sync_api.Browser]:
    if not Path(resultsgen.CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {resultsgen.CHROMIUM}; tools/setup.sh installs Debian's chromium")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=resultsgen.CHROMIUM, args=resultsgen.CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page opened from a file, with everything it said or tried."""

    def __init__(self, browser: sync_api.Browser, path: Path, *, width: int = 1280, scheme: str = "light",
                 bypass_csp: bool = False):
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                           bypass_csp=bypass_csp)
        self.context.add_init_script(_RECORD_CSP)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_load_state("load")

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__csp")

    def axe_serious(self, selector: str | None = None) -> list[str]:
        """axe-core's serious and critical violations (needs bypass_csp=True to load axe into the page)."""
        if not AXE.exists():
            raise AssertionError(f"axe-core is missing at {AXE}: run tools/setup.sh")
        self.page.add_script_tag(path=str(AXE))
        return self.page.evaluate(AXE_SERIOUS, selector)

    def screenshot(self, name: str, full_page: bool = False) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)

    def close(self) -> None:
        self.context.close()
