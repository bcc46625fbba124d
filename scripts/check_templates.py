"""Static safety gate for code and templates (SECURITY.md §4.1), run by the test command.

Fails on: render_template_string, Markup(), a class's own `__html__` (it marks its text safe as
Markup does), |safe, autoescape off, inline scripts, event-handler
attributes and inline styles (CSP), requests calls without timeout=, allow_redirects=True,
debug=True, and the unscoped `.query.get(` loader in member-facing code. Also (WCAG 2.1.1) a
scrolling `.table-wrap` box that a keyboard cannot reach or a screen reader cannot name.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Reviewed, constant-only uses (path: reason).
ALLOWLIST: dict[str, str] = {}
# Reviewed single patterns in one file ((path, label): reason); the file's other checks still run.
REVIEWED: dict[tuple[str, str], str] = {
    ("portal/directory/cards.py", "__html__"): (
        "ListItem only ever joins the card macros' autoescaped output, the escaped back-link "
        "and a formatted number"
    ),
}

CODE_PATTERNS = (
    (r"render_template_string\(", "render_template_string"),
    (r"Markup\(", "Markup()"),
    (r"def\s+__html__\s*\(", "__html__"),
    (r"allow_redirects\s*=\s*True", "allow_redirects=True"),
    (r"debug\s*=\s*True", "debug=True"),
    (r"\.query\.get\(", ".query.get( (use get_owned_or_404 or a scoped select)"),
)
TABLE_WRAP = re.compile(r"<[a-z]+\b[^>]*\bclass=\"(?:[^\"]*\s)?table-wrap(?:\s[^\"]*)?\"[^>]*>")
REQUESTS_WITHOUT_TIMEOUT = re.compile(
    r"requests\.(get|post|put|patch|delete|head|request)\((?![^)]*timeout=)"
)


def scan(root: Path) -> list[str]:
    """Every violation under root/portal and root/templates, as 'path: reason' lines."""
    problems: list[str] = []
    for path in sorted((root / "portal").rglob("*.py")):
        rel = str(path.relative_to(root))
        if rel in ALLOWLIST:
            continue
        text = path.read_text(encoding="utf-8")
        problems += [
            f"{rel}: {label}"
            for pattern, label in CODE_PATTERNS
            if re.search(pattern, text) and (rel, label) not in REVIEWED
        ]
        problems += [
            f"{rel}: requests call without timeout= near offset {m.start()}"
            for m in REQUESTS_WITHOUT_TIMEOUT.finditer(text)
        ]
    for path in sorted((root / "templates").rglob("*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(root))
        if rel in ALLOWLIST:
            continue
        problems += [f"{rel}: {reason}" for reason in _template_problems(path.read_text("utf-8"))]
    return problems


def _template_problems(text: str) -> list[str]:
    found = []
    if re.search(r"\|\s*safe\b", text):
        found.append("|safe in a template")
    if "autoescape false" in text:
        found.append("autoescape switched off")
    if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)", text):
        found.append("inline <script>")
    if re.search(r"\son[a-z]+\s*=", text) or "hx-on" in text:
        found.append("inline event handler")
    if re.search(r"\sstyle\s*=", text):
        found.append("inline style attribute (CSP forbids it)")
    for tag in TABLE_WRAP.findall(text):
        named = "aria-label=" in tag or "aria-labelledby=" in tag
        if 'tabindex="0"' not in tag or 'role="region"' not in tag or not named:
            found.append('.table-wrap without tabindex="0", role="region" and an aria-label(ledby)')
    return found


def main() -> int:
    problems = scan(ROOT)
    if problems:
        print("Template/code safety gate failed:")
        print("\n".join(problems))
        return 1
    print("template safety gate: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
