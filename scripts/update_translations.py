"""Refresh the English catalogue of the public pages and compile it.

    .venv/bin/python scripts/update_translations.py          # extract, merge, compile
    .venv/bin/python scripts/update_translations.py --check  # exit 1 on untranslated strings

Only the consumer-facing sources in `portal.core.i18n.PUBLIC_SOURCES` are translated; member
and staff pages stay Dutch. Existing translations are kept; new Dutch message ids arrive with
an empty translation, which `--check` (and tests/core/test_translations.py) reports.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.core.i18n import PUBLIC_SOURCES  # noqa: E402

CATALOGUE = ROOT / "portal" / "translations" / "en" / "LC_MESSAGES"
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2),
            "count_ngettext": (1, 2)}  # fmt: skip


def public_files() -> list[Path]:
    """The files named by PUBLIC_SOURCES (glob patterns relative to the repository)."""
    found: list[Path] = []
    for pattern in PUBLIC_SOURCES:
        found.extend(sorted(ROOT.glob(pattern)))
    return found


def extract() -> Catalog:
    """Every message id of the public sources (plural ids as (singular, plural))."""
    catalog = Catalog(locale="nl", project="ledenportaal", charset="utf-8")
    for path in public_files():
        template = path.suffix in (".html", ".txt", ".svg")
        method = "jinja2.ext:babel_extract" if template else "python"
        options = {"extensions": "jinja2.ext.i18n"} if template else {}
        for lineno, message, comments, _context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            catalog.add(message, locations=[(str(path.relative_to(ROOT)), lineno)],
                        auto_comments=comments)  # fmt: skip
    return catalog


def load() -> Catalog:
    po = CATALOGUE / "messages.po"
    if not po.exists():
        return Catalog(locale="en", project="ledenportaal")
    with po.open("rb") as handle:
        return read_po(handle, locale="en")


def untranslated(catalog: Catalog, template: Catalog) -> list[str]:
    """Message ids of `template` without a complete English translation in `catalog`."""
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        strings = (found.string if found else None) or ""
        complete = all(strings) if isinstance(strings, tuple) else bool(strings)
        if found is None or not complete or found.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def main(argv: list[str]) -> int:
    template = extract()
    catalog = load()
    if "--check" in argv:
        missing = untranslated(catalog, template)
        for msgid in missing:
            print(f"untranslated: {msgid!r}")
        return 1 if missing else 0
    catalog.update(template, no_fuzzy_matching=True)
    CATALOGUE.mkdir(parents=True, exist_ok=True)
    with (CATALOGUE / "messages.po").open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False)
    with (CATALOGUE / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    missing = untranslated(catalog, template)
    print(f"{len(template)} public strings, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
