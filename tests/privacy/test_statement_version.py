"""The privacy statement's and the processing register's versions move with their text: a change
of their templates, the register's entries or their English translations without a new version
(and its recorded digest) fails here, and so does a change of what a reader sees under the
reference configuration (wording from code and configuration: LOG_DAYS, default retention
periods, sub-processors), rendered in each language. The statement cites the register's version, so a new
register version is a new statement version too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal import ROOT, create_app
from portal.config import load_config
from portal.privacy import reader_text, routes
from portal.privacy.records import RECORDS_UPDATED
from portal.privacy.versions import (
    CATALOGUE,
    RECORDS_SHOWN,
    RECORDS_SOURCES,
    RECORDS_TEXT,
    RECORDS_VERSION,
    STATEMENT_SHOWN,
    STATEMENT_SOURCES,
    STATEMENT_TEXT,
    STATEMENT_VERSION,
    records_digest,
    shown_digest,
    statement_digest,
)
from tests.conftest import base_config

HOW = (
    "the {what}'s text changed: give it a new {name} in portal/privacy/versions.py and record "
    "its digest {digest} there (keep the old ones)"
)


def test_the_text_is_the_one_recorded_for_the_current_version():
    digest = statement_digest(Path(ROOT))
    assert STATEMENT_TEXT[STATEMENT_VERSION] == digest, HOW.format(
        what="privacy statement", name="STATEMENT_VERSION", digest=digest
    )


def test_the_register_text_is_the_one_recorded_for_its_current_version():
    digest = records_digest(Path(ROOT))
    assert RECORDS_TEXT[RECORDS_VERSION] == digest, HOW.format(
        what="processing register",
        name="RECORDS_VERSION (and RECORDS_UPDATED in portal/privacy/records.py)",
        digest=digest,
    )


@pytest.mark.parametrize("recorded", [STATEMENT_TEXT, RECORDS_TEXT], ids=["statement", "register"])
def test_versions_only_move_on_and_each_has_its_own_text(recorded):
    numbers = [tuple(int(part) for part in version.split(".")) for version in recorded]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert len(set(recorded.values())) == len(recorded)


def test_the_versions_after_the_eea_sentence():
    # 31f4ca4 changed the register's transfer sentence (and 6a8313c its entries) under 2026.2;
    # citing register 2026.3 changed the statement's text, hence statement 2026.5; translating
    # the shared controller section moved both on (register 2026.4, statement 2026.6).
    assert RECORDS_VERSION == "2026.4"
    assert STATEMENT_VERSION == "2026.6"


def _copy(tmp_path: Path) -> Path:
    for name in (*STATEMENT_SOURCES, *RECORDS_SOURCES, CATALOGUE):
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


@pytest.mark.parametrize(
    ("source", "old", "new"),
    [
        ("templates/privacy/staff_register.html", "verder geen, tenzij", "en verder geen, tenzij"),
        ("portal/privacy/records.py", '"3 jaar na afhandeling"', '"5 jaar na afhandeling"'),
        ("templates/privacy/_controller.html", "KvK-nummer", "KvK"),
    ],
    ids=["template", "entry", "controller"],
)
def test_a_changed_register_text_changes_its_digest(tmp_path, source, old, new):
    root = _copy(tmp_path)
    recorded = records_digest(root)
    _edit(root / source, old, new)
    assert records_digest(root) != recorded


def test_a_new_register_version_is_a_new_statement_text():
    root = Path(ROOT)
    assert statement_digest(root, records_version="2026.2") != statement_digest(root)


def test_the_page_shows_the_current_version(client):
    page = client.get("/privacy").text
    assert f"Versie {STATEMENT_VERSION}" in page
    assert f"Register van verwerkingen: versie {RECORDS_VERSION}." in page


def test_the_register_shows_its_version_and_date(client, login, make_user):
    login(client, make_user(role="admin"))
    page = client.get("/beheer/privacy/verwerkingsregister").text
    assert f"Versie {RECORDS_VERSION} · aangelegd 2026-11-20 · bijgewerkt {RECORDS_UPDATED}" in page


# --- the documents as a reader sees them ------------------------------------------------------


def _reference_app(instance: Path):
    # Every setting at its default (none from this process's environment), the test's own
    # plumbing (keys, an unused database), then the reference's few fixed values.
    return create_app(
        {
            **load_config(str(instance), {}),
            **base_config(SQLALCHEMY_DATABASE_URI="sqlite://"),
            **reader_text.REFERENCE,
        }
    )


@pytest.fixture(scope="module")
def reference_app(tmp_path_factory):
    """An app with the reference configuration: the defaults, and no database it would use."""
    return _reference_app(tmp_path_factory.mktemp("reference"))


SHOWN = {
    "statement": (reader_text.STATEMENT, STATEMENT_SHOWN, "STATEMENT_VERSION"),
    "register": (reader_text.REGISTER, RECORDS_SHOWN, "RECORDS_VERSION"),
}


@pytest.mark.parametrize("name", list(SHOWN))
def test_what_a_reader_sees_is_recorded_for_the_current_version(reference_app, name):
    document, recorded, version_name = SHOWN[name]
    current = STATEMENT_VERSION if name == "statement" else RECORDS_VERSION
    digest = shown_digest(reader_text.reader_text(reference_app, document))
    assert recorded.get(current) == digest, HOW.format(
        what=name, name=version_name, digest=digest
    ).replace("its digest", "in the *_SHOWN table its shown digest")


def test_shown_versions_are_recorded_versions_each_with_its_own_text():
    for shown, text in ((STATEMENT_SHOWN, STATEMENT_TEXT), (RECORDS_SHOWN, RECORDS_TEXT)):
        assert list(shown) == [version for version in text if version in shown]
        assert len(set(shown.values())) == len(shown)


def test_the_log_retention_from_code_changes_the_statement_as_shown(reference_app, monkeypatch):
    # LOG_DAYS comes from portal/privacy/purges.py, not from the statement's templates: the
    # digest of the templates stays the same, what a reader sees does not.
    before = reader_text.reader_text(reference_app, reader_text.STATEMENT)
    monkeypatch.setattr(routes, "LOG_DAYS", 400)
    after = reader_text.reader_text(reference_app, reader_text.STATEMENT)
    assert all("400 " in text for text in after) and not any("400 " in t for t in before)
    assert shown_digest(after) != STATEMENT_SHOWN[STATEMENT_VERSION]
    assert statement_digest(Path(ROOT)) == STATEMENT_TEXT[STATEMENT_VERSION]


def test_a_sub_processor_or_retention_default_changes_what_is_shown(reference_app, monkeypatch):
    monkeypatch.setitem(
        reference_app.config,
        "SUBPROCESSORS",
        [{"name": "Ander Hosting BV", "service": "hosting", "location": "Nederland (EER)"}],
    )
    assert shown_digest(reader_text.reader_text(reference_app, reader_text.REGISTER)) not in (
        RECORDS_SHOWN.values()
    )
    assert shown_digest(reader_text.reader_text(reference_app, reader_text.STATEMENT)) not in (
        STATEMENT_SHOWN.values()
    )
    monkeypatch.undo()
    monkeypatch.setitem(reference_app.config, "MAIL_RETENTION_DAYS", 31)
    assert shown_digest(reader_text.reader_text(reference_app, reader_text.STATEMENT)) not in (
        STATEMENT_SHOWN.values()
    )


def test_the_text_is_the_same_in_every_run_and_both_languages_count(reference_app, tmp_path):
    first = reader_text.reader_text(reference_app, reader_text.STATEMENT)
    again = reader_text.reader_text(_reference_app(tmp_path), reader_text.STATEMENT)
    assert first == again and len(first) == 2
    assert "Privacyverklaring" in first[0] and "Privacy statement" in first[1]
    assert "<nav" not in reader_text.reader_text(reference_app, reader_text.REGISTER)[0]
