"""The privacy statement's version moves with its text: a change of its templates or of their
English translations without a new version (and its recorded digest) fails here."""

from __future__ import annotations

import shutil
from pathlib import Path

from portal import ROOT
from portal.privacy.versions import (
    CATALOGUE,
    STATEMENT_SOURCES,
    STATEMENT_TEXT,
    STATEMENT_VERSION,
    statement_digest,
)

HOW = (
    "the privacy statement's text changed: give it a new STATEMENT_VERSION in "
    "portal/privacy/versions.py and record its digest {digest} there (keep the old ones)"
)


def test_the_text_is_the_one_recorded_for_the_current_version():
    digest = statement_digest(Path(ROOT))
    assert STATEMENT_TEXT[STATEMENT_VERSION] == digest, HOW.format(digest=digest)


def test_versions_only_move_on_and_each_has_its_own_text():
    numbers = [tuple(int(part) for part in version.split(".")) for version in STATEMENT_TEXT]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert len(set(STATEMENT_TEXT.values())) == len(STATEMENT_TEXT)
    assert STATEMENT_VERSION == "2026.4"  # the EEA sentence of 31f4ca4 made a new version


def _copy(tmp_path: Path) -> Path:
    for name in (*STATEMENT_SOURCES, CATALOGUE):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(ROOT) / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_changed_sentence_or_translation_changes_the_digest(tmp_path):
    root = _copy(tmp_path)
    recorded = statement_digest(root)
    _edit(root / STATEMENT_SOURCES[0], "Wij verkopen geen gegevens", "Wij verkopen gegevens")
    assert statement_digest(root) != recorded
    root = _copy(tmp_path / "en")
    _edit(root / CATALOGUE, 'msgstr "Privacy statement"', 'msgstr "Privacy notice"')
    assert statement_digest(root) != recorded


def test_the_page_shows_the_current_version(client):
    assert f"Versie {STATEMENT_VERSION}" in client.get("/privacy").text
