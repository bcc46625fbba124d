"""WCAG 1.4.11 / 2.4.13: the focus ring contrasts at least 3:1 with what surrounds it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static" / "portal.css"


def _variables() -> dict[str, str]:
    found = re.findall(r"--([\w-]+):\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", CSS.read_text())
    return {
        name: "#" + (value if len(value) == 6 else "".join(c * 2 for c in value))
        for name, value in found
    }


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#ffbf47", "#f6f7f9") < 3  # the old yellow ring on the page: too faint


@pytest.mark.parametrize(
    ("ring", "background"),
    [("focus-ring", "bg"), ("focus-ring", "card"), ("focus", "brand")],
)
def test_focus_ring_contrast_at_least_3_to_1(ring, background):
    colours = _variables()
    assert contrast(colours[ring], colours[background]) >= 3


def test_rules_use_the_contrasting_ring():
    css = CSS.read_text()
    assert ":focus-visible { outline: 3px solid var(--focus-ring)" in css
    assert ".site-header :focus-visible { outline-color: var(--focus); }" in css  # blue header
    for sheet in CSS.parent.glob("*.css"):
        assert not re.search(r"outline:[^;]*var\(--focus\)", sheet.read_text()), sheet.name
