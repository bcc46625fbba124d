"""Every kind of complaint history line has a Dutch text in the labels module (issue 16): the
kinds are read from the code that writes them, so a new kind without a label fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal import ROOT
from portal.complaints.labels import HISTORY_LABELS, history_text
from portal.complaints.models import ComplaintEvent


def _written_kinds() -> set[str]:
    """The kinds passed to `add_event(complaint, kind, …)` anywhere in portal/."""
    kinds: set[str] = set()
    for path in Path(ROOT, "portal").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            if name != "add_event":
                continue
            kind = node.args[1]
            options = [kind.body, kind.orelse] if isinstance(kind, ast.IfExp) else [kind]
            for option in options:
                assert isinstance(option, ast.Constant), f"{path}: kind must be a literal"
                kinds.add(option.value)
    return kinds


def test_every_written_history_kind_has_a_label():
    kinds = _written_kinds()
    assert {"transition", "created", "letter", "deadline_late", "escalated"} <= kinds
    assert kinds - set(HISTORY_LABELS) == set()
    assert set(HISTORY_LABELS) - kinds == set()  # no label for a kind nothing writes


@pytest.mark.parametrize("kind", sorted(HISTORY_LABELS))
def test_each_label_renders_dutch_text(app, kind):
    event = ComplaintEvent(kind=kind, note="2026-03-16", to_status="closed")
    with app.test_request_context():
        text = history_text(event)
    assert text and text != kind


def test_history_texts_fill_in_the_note(app):
    with app.test_request_context():
        assert history_text(ComplaintEvent(kind="deadline", note="2026-03-16")) == (
            "termijn verlengd tot 16 maart 2026"
        )
        assert history_text(ComplaintEvent(kind="letter", note="interim:x")) == (
            "brief verstuurd (Tussenbericht)"
        )
        assert history_text(ComplaintEvent(kind="severity", note="critical")) == (
            "ernst: Zeer ernstig"
        )
        assert history_text(ComplaintEvent(kind="transition", to_status="closed")) == "Afgehandeld"
        assert history_text(ComplaintEvent(kind="transition", to_status="")) == "transition"
        assert history_text(ComplaintEvent(kind="related", note="")) == "koppeling verwijderd"
        assert history_text(ComplaintEvent(kind="onbekend")) == "onbekend"
