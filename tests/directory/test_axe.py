"""axe-core (vendored from its npm package, tests/browser/vendor) over the public pages: no
WCAG 2.2 A/AA violations, on a phone and a desktop viewport."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.live import connected_browser
from tests.directory.test_browser import seed

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe-core-4.14.1.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = (
    "/", "/ledenzoeker/", "/ledenzoeker/?q=bakker", "/ledenzoeker/?q=jnsn",
    "/ledenzoeker/?page=99", "/ledenzoeker/?vakgebied=x&score=1", "/ledenzoeker/bedrijf-0",
    "/ledenzoeker/over-de-scores", "/inloggen", "/privacy",
)  # fmt: skip


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.2 AA violations on the page (its context must bypass the CSP): each
    rule's id and its first three nodes."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, nodes: v.nodes.map("
        "n => n.target.join(' ')).slice(0, 3)})))",
        TAGS,
    )


def test_public_pages_have_no_axe_violations(live_server):
    problems = []
    with live_server(seed) as base, connected_browser() as browser:
        for width, height in ((390, 844), (1280, 900)):
            # The CSP forbids injected scripts; only this test's own context bypasses it.
            context = browser.new_context(
                bypass_csp=True, viewport={"width": width, "height": height}, locale="nl-NL"
            )
            page = context.new_page()
            for path in PAGES:
                page.goto(f"{base}{path}")
                problems += [f"{width}px {path}: {json.dumps(v)}" for v in axe_violations(page)]
            context.close()
    assert not problems, "\n".join(problems)
