"""No module in portal/ imports another module's private name (`from x import _name`), read
from the source with ast: a name shared between modules is public (or lives where both can
reach it), so renaming a private helper never breaks a sibling module. Imports inside functions
count too; a module imported under a private alias (`import x as _x`) is fine."""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(source: str, where: str = "<source>") -> list[str]:
    """Every `from x import _name` and every import of a `_module` in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if any(_private(part) for part in (node.module or "").split(".")):
                found.append(f"{where}:{node.lineno} from {module} (a private module)")
            found += [
                f"{where}:{node.lineno} from {module} import {alias.name}"
                for alias in node.names
                if _private(alias.name)
            ]
        elif isinstance(node, ast.Import):
            found += [
                f"{where}:{node.lineno} import {alias.name} (a private module)"
                for alias in node.names
                if any(_private(part) for part in alias.name.split("."))
            ]
    return found


def test_the_check_finds_what_it_forbids():
    source = (
        "from portal.core.crypto import _parse_keys\n"
        "from .cases import show_page, _show_page as shown\n"
        "import portal.core._hidden\n"
        "def f():\n    from portal.x import _late\n"
    )
    assert len(private_imports(source)) == 4
    allowed = (
        "from portal.ops import health as _health\n"
        "from flask_babel import lazy_gettext as _l\n"
        "from __future__ import annotations\nfrom x import __version__\n"
    )
    assert private_imports(allowed) == []


def test_no_module_imports_a_private_name_of_another():
    found = []
    for path in sorted(PORTAL.rglob("*.py")):
        found += private_imports(path.read_text(), str(path.relative_to(PORTAL.parent)))
    assert not found, "make the name public or move it:\n" + "\n".join(found)
