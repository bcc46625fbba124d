"""The privacy modules share helpers through public names: none imports another module's private
(underscore) names, and the customer-data download builds the complaint register itself instead of
borrowing the personal export's internals."""

from __future__ import annotations

import ast
from pathlib import Path

import portal.privacy
from portal.privacy import customer_data, export

PACKAGE = Path(portal.privacy.__file__).parent


def test_no_private_names_imported_between_privacy_modules():
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("portal."):
                found += [(path.name, a.name) for a in node.names if a.name.startswith("_")]
    assert found == []


def test_export_and_customer_data_share_one_pick_helper():
    assert customer_data.pick is export.pick
    assert not hasattr(export, "_pick")
    assert not hasattr(export, "_complaints")  # the register is processor data, not the user's
