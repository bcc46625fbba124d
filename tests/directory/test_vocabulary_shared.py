"""The forgiving search's vocabulary is built once per directory version and shared through the
page cache; a switch turns the forgiving reading off (the benchmark's baseline)."""

from __future__ import annotations

import pytest

from portal.directory import cache, id_index, vocabulary
from portal.extensions import db
from tests.directory.test_forgiving import demo, names, search  # noqa: F401  (fixture)


def forget_in_process(app) -> None:
    """What another worker sees: nothing held in this process."""
    app.extensions.pop(vocabulary.EXTENSION, None)


def test_a_second_worker_reads_the_vocabulary_instead_of_building_it(app, demo, monkeypatch):  # noqa: F811
    built = vocabulary.current(db.session)
    forget_in_process(app)

    def no_build(session):
        raise AssertionError("built again although the shared cache holds it")

    monkeypatch.setattr(vocabulary, "build", no_build)
    shared = vocabulary.current(db.session)
    assert shared.words == built.words and shared.terms == built.terms
    assert shared.places == built.places and shared.names == built.names
    assert shared.corrections("jansn", 1) == ["jansen"]


def test_the_process_that_changed_the_directory_shares_its_vocabulary(
    app,
    listed,
    demo,  # noqa: F811
    monkeypatch,
):
    listed("Zwanenburg Installaties")  # refresh: the version moves on
    assert id_index.share(wait=True) == cache.version(db.session)  # its builder, after the commit
    forget_in_process(app)

    def no_build(session):
        raise AssertionError("a worker built the vocabulary in a search")

    monkeypatch.setattr(vocabulary, "build", no_build)
    assert "zwanenburg" in vocabulary.current(db.session).words


def test_a_new_directory_version_builds_a_new_vocabulary(app, listed, demo, monkeypatch):  # noqa: F811
    assert "zwanenburg" not in vocabulary.current(db.session).words
    listed("Zwanenburg Installaties")  # refresh: the version moves on
    forget_in_process(app)
    assert "zwanenburg" in vocabulary.current(db.session).words


@pytest.mark.parametrize("forgiving", [True, False])
def test_the_switch_turns_typo_tolerance_and_trade_words_off(app, client, demo, forgiving):  # noqa: F811
    app.config["DIRECTORY_FORGIVING_SEARCH"] = forgiving
    typo = names(search(client, "instalaties"))
    trade = names(search(client, "cv ketel"))
    plain = names(search(client, "bakker"))
    assert plain == ["Bakker Installaties"]
    if forgiving:
        assert typo == ["Bakker Installaties"] and "Smit Totaal" in trade
    else:
        assert typo == [] and trade == []
