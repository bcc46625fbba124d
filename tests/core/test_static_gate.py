"""The static safety gate really fails on each forbidden pattern (and passes on the real tree)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "check_templates", ROOT / "scripts/check_templates.py"
)
gate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gate)


def _tree(tmp_path: Path, *, code: str = "", template: str = "") -> Path:
    (tmp_path / "portal").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "portal" / "mod.py").write_text(code)
    (tmp_path / "templates" / "page.html").write_text(template)
    return tmp_path


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (
            "from flask import render_template_string\nrender_template_string(x)",
            "render_template_string",
        ),
        ("from markupsafe import Markup\nMarkup(name)", "Markup()"),
        ("class Item:\n    def __html__(self):\n        return self.text", "__html__"),
        ("requests.get(url, allow_redirects=True, timeout=5)", "allow_redirects=True"),
        ("app.run(debug=True)", "debug=True"),
        ("Company.query.get(company_id)", ".query.get("),
        ("requests.get(url)", "without timeout="),
        ("requests.post(url, data=body)", "without timeout="),
    ],
)
def test_code_patterns_fail(tmp_path, code, reason):
    problems = gate.scan(_tree(tmp_path, code=code))
    assert len(problems) == 1 and reason in problems[0]


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{{ company.description|safe }}", "|safe"),
        ("{% autoescape false %}{{ x }}{% endautoescape %}", "autoescape"),
        ("<script>alert(1)</script>", "inline <script>"),
        ('<a href="#" onclick="go()">x</a>', "event handler"),
        ('<button hx-on:click="go()">x</button>', "event handler"),
        ('<p style="color:red">x</p>', "inline style"),
        ('<div class="table-wrap"><table></table></div>', "table-wrap"),
        ('<div class="table-wrap rv-table" tabindex="0" role="region">', "table-wrap"),
        ('<div class="x table-wrap" role="region" aria-label="T">', "table-wrap"),
        ('<div class="table-wrap" tabindex="0" aria-labelledby="h">', "table-wrap"),
    ],
)
def test_template_patterns_fail(tmp_path, template, reason):
    problems = gate.scan(_tree(tmp_path, template=template))
    assert len(problems) == 1 and reason in problems[0]


def test_clean_code_and_the_real_tree_pass(tmp_path):
    clean = _tree(
        tmp_path,
        code="requests.get(url, timeout=5)\n",
        template='<script src="/static/x.js" defer></script>{{ name }}'
        '<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h"></div>'
        '<div class="table-wrapper"></div>',
    )
    assert gate.scan(clean) == []
    assert gate.scan(ROOT) == []


def test_a_reviewed_pattern_is_allowed_in_its_own_file_only(tmp_path):
    code = "class Item:\n    def __html__(self):\n        return self.text"
    root = _tree(tmp_path, code=code)
    (root / "portal" / "directory").mkdir()
    (root / "portal" / "directory" / "cards.py").write_text(code + "\nMarkup(x)")
    problems = gate.scan(root)
    assert problems == ["portal/directory/cards.py: Markup()", "portal/mod.py: __html__"]
