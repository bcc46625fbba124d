"""Alembic migrations: upgrade from empty to head, models match, downgrade to base; on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from portal import create_app
from portal.core.db import migration_include_name
from portal.extensions import db
from tests.conftest import _ensure_postgres_database, base_config, database_url_for_tests


def _fresh_database_url(tmp_path) -> str:
    url = database_url_for_tests()
    if url.startswith("postgresql"):
        url = f"{url}_mig"
        _ensure_postgres_database(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path / 'migrations.db'}"


@pytest.fixture
def migration_app(tmp_path):
    config = base_config(SQLALCHEMY_DATABASE_URI=_fresh_database_url(tmp_path))
    config.pop("SQLALCHEMY_ENGINE_OPTIONS", None)
    app = create_app(config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _diff():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": migration_include_name}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_matches_models_and_downgrade_cleans_up(migration_app):
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"companies", "users", "review_systems", "audit_events"} <= tables
    assert _diff() == []
    downgrade(revision="base")
    remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()


def test_each_revision_downgrades_and_upgrades_again(migration_app):
    from alembic.script import ScriptDirectory

    migrate_ext = migration_app.extensions["migrate"]
    config = migrate_ext.migrate.get_config(migrate_ext.directory)
    revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
    assert revisions, "no migrations found"
    for revision in revisions:
        upgrade(revision=revision.revision)
        downgrade(revision=revision.down_revision or "base")
        upgrade(revision=revision.revision)
    assert _diff() == []
