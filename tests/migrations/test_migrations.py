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


def _company(n: int):
    from portal.members.models import Company, MembershipStatus

    return Company(
        member_number=f"M{n:06d}", kvk_number=f"{30000000 + n}", legal_name=f"Bedrijf {n}",
        slug=f"bedrijf-{n}", email=f"info{n}@bedrijf.example",
        membership_status=MembershipStatus.ACTIVE,
    )  # fmt: skip


def _company_row(n: int) -> dict:
    from portal.members.models import MembershipStatus

    return {
        "member_number": f"M{n:06d}", "kvk_number": f"{30000000 + n}", "legal_name": f"Bedrijf {n}",
        "slug": f"bedrijf-{n}", "email": f"info{n}@bedrijf.example",
        "membership_status": MembershipStatus.ACTIVE,
    }  # fmt: skip


# Columns added by later migrations: version (0006), pending (0013).
LATER_COLUMNS = {"version", "pending"}


def _without_version(model):
    """The model's table as it was in 0001: every column but the later ones, defaults kept."""
    from sqlalchemy import MetaData, Table

    return Table(
        model.__tablename__, MetaData(),
        *(c._copy() for c in model.__table__.c if c.name not in LATER_COLUMNS),
    )  # fmt: skip


def _entry_row(company) -> dict:
    from portal.core.db import utcnow

    return {
        "company_id": company.id, "slug": company.slug, "name": company.legal_name,
        "sort_key": company.slug, "search_text": company.slug, "city": "", "postcode": "",
        "street": "", "exact_location": False, "phone": "", "email": "", "website": "",
        "description": "", "opening_hours": "", "specialisms": [], "recognitions": [],
        "review_count": 20, "profile_url": "", "write_review_url": "", "refreshed_at": utcnow(),
    }  # fmt: skip


def test_self_reported_marks_are_cleared_unless_confirmed(migration_app):
    from decimal import Decimal

    from sqlalchemy import column, select, table, text

    from portal.compliance.models import SelfReportedScore, SubmissionStatus
    from portal.directory.models import DirectoryEntry
    from portal.members.models import Company
    from portal.reviews.models import Provider, ReviewSystem, SystemStatus

    upgrade(revision="0001_initial")
    # The 0001 shape of companies and review systems: no version column (0006) yet.
    companies, systems_table = _without_version(Company), _without_version(ReviewSystem)
    db.session.execute(companies.insert(), [_company_row(1), _company_row(2)])
    confirmed, submitted = (
        db.session.execute(select(companies.c.id, companies.c.slug, companies.c.legal_name)
                           .where(companies.c.slug == f"bedrijf-{n}")).one()
        for n in (1, 2)
    )  # fmt: skip
    for c, status in ((confirmed, SystemStatus.APPROVED), (submitted, SystemStatus.IN_REVIEW)):
        db.session.execute(systems_table.insert().values(
            company_id=c.id, provider=Provider.OTHER, status=status, self_reported=True
        ))  # fmt: skip
    systems = db.session.execute(
        select(systems_table.c.id).order_by(systems_table.c.company_id)
    ).all()
    db.session.add(
        SelfReportedScore(
            company_id=confirmed.id, review_system_id=systems[0].id, score=Decimal("8"),
            scale_max=Decimal("10"), review_count=20, evidence_name="b.png",
            evidence_mime="image/png", evidence_data=b"x", status=SubmissionStatus.CONFIRMED,
        )
    )  # fmt: skip
    # The 0001 shape of the table: every column but the new one.
    old_entries = table(
        "directory_entries",
        *(column(c.name, c.type) for c in DirectoryEntry.__table__.c if c.name != "self_reported"),
    )
    db.session.execute(old_entries.insert(), [_entry_row(c) for c in (confirmed, submitted)])
    db.session.commit()

    upgrade()

    ids = {"confirmed": confirmed.id, "submitted": submitted.id}
    db.session.remove()

    upgrade()

    expected = {ids["confirmed"]: True, ids["submitted"]: False}
    marks = db.session.execute(select(ReviewSystem.company_id, ReviewSystem.self_reported))
    assert dict(marks.all()) == expected
    rows = db.session.execute(select(DirectoryEntry.company_id, DirectoryEntry.self_reported))
    assert dict(rows.all()) == expected
    if db.engine.dialect.name == "sqlite":  # adding the column kept the full-text triggers
        names = db.session.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dir%'")
        ).all()
        assert len(names) == 3
    db.session.remove()
    downgrade(revision="0001_initial")
    if db.engine.dialect.name == "sqlite":  # the downgrade's table rebuild re-creates them
        names = db.session.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dir%'")
        ).all()
        assert len(names) == 3
    db.session.remove()
    downgrade(revision="base")


def test_migration_makes_the_audit_log_append_only(migration_app):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    upgrade()
    insert = text(
        "INSERT INTO audit_events (created_at, action, actor_label, subject_type, subject_id, "
        "changes, ip) VALUES (CURRENT_TIMESTAMP, 'x.done', 'systeem', '', '', '{}', '')"
    )
    with db.engine.begin() as conn:
        conn.execute(insert)
    for statement in ("UPDATE audit_events SET action = 'x.forged'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    downgrade(revision="0002_directory_self_reported")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET action = 'x.changed'"))
        conn.execute(text("DELETE FROM audit_events"))
    downgrade(revision="base")


def test_postgresql_full_text_moves_to_a_stored_vector_and_back(migration_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the stored tsvector is PostgreSQL's; SQLite keeps its FTS5 table")
    from sqlalchemy import text

    from portal.directory.models import DirectoryEntry

    def state() -> tuple[bool, set[str]]:
        found = inspect(db.engine)
        columns = {c["name"] for c in found.get_columns("directory_entries")}
        indexes = {i["name"] for i in found.get_indexes("directory_entries")}
        return "search_vector" in columns, indexes & {
            "ix_directory_entries_tsv", "ix_directory_entries_search_vector"
        }  # fmt: skip

    upgrade()
    assert state() == (True, {"ix_directory_entries_search_vector"})
    company = _company(1)
    db.session.add(company)
    db.session.flush()
    db.session.execute(DirectoryEntry.__table__.insert().values(_entry_row(company)))
    db.session.commit()
    downgrade(revision="0004_result_cache_version")  # an existing, filled directory
    assert state() == (False, {"ix_directory_entries_tsv"})
    upgrade()
    assert state() == (True, {"ix_directory_entries_search_vector"})
    matches = text(
        "SELECT count(*) FROM directory_entries "
        "WHERE search_vector @@ to_tsquery('simple', 'bedrij:*')"
    )
    assert db.session.scalar(matches) == 1  # rows that were there get their vector too
    db.session.remove()
    downgrade(revision="base")


def test_outbox_migration_scrubs_live_links_already_stored(migration_app):
    """Bodies queued before 0007 held reset/activation links in plain text: the upgrade removes them."""
    from sqlalchemy import column, select, table

    from portal.core.db import utcnow

    upgrade(revision="0006_edit_versions")
    messages = table(
        "outbox_messages", column("id"), column("created_at"), column("kind"),
        column("to_address"), column("subject"), column("body"), column("status"),
        column("attempts"), column("last_error"),
    )  # fmt: skip
    token = "Zq9" + "x" * 40
    bodies = {
        "auth.reset": f"Via deze link:\n\nhttp://127.0.0.1:5000/wachtwoord-herstellen/{token}\n\nGroet",
        "auth.activate": f"Activeer: https://leden.example/activeren/{token}-b",
        "other": "Geen link, wel /mijn-profiel/beoordelingen/ en het woord activeren.",
    }
    db.session.execute(
        messages.insert(),
        [
            {"kind": kind, "created_at": utcnow(), "to_address": "a@b.example", "subject": "S", "body": body,
             "status": "sent", "attempts": 1, "last_error": ""}
            for kind, body in bodies.items()
        ],
    )  # fmt: skip
    db.session.commit()

    upgrade()

    stored = dict(db.session.execute(select(messages.c.kind, messages.c.body)).all())
    assert token not in "".join(stored.values())
    assert stored["auth.reset"] == "Via deze link:\n\n[persoonlijke link verborgen]\n\nGroet"
    assert stored["auth.activate"] == "Activeer: [persoonlijke link verborgen]"
    assert stored["other"] == bodies["other"]
    db.session.remove()  # no open transaction may hold the table during the downgrade
    downgrade(revision="0006_edit_versions")
    assert "secret" not in {c["name"] for c in inspect(db.engine).get_columns("outbox_messages")}


def test_migrations_import_no_application_code():
    """Each revision carries its own DDL: importing live code would make 0001 build today's schema."""
    import ast
    from pathlib import Path

    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    offenders = []
    for path in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "portal"]
    assert offenders == []


def _schema_objects(engine) -> set[tuple[str, str]]:
    """What compare_metadata cannot see: triggers, virtual tables, functions, every index."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                "AND name != 'alembic_version'"
            )
            return {(kind, name) for kind, name in rows}
        triggers = conn.exec_driver_sql(
            "SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal"
        )
        indexes = conn.exec_driver_sql(
            "SELECT 'index', indexname FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename != 'alembic_version'"
        )
        functions = conn.exec_driver_sql(
            "SELECT 'function', p.proname FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
        )
        generated = conn.exec_driver_sql(
            "SELECT 'generated', table_name || '.' || column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND is_generated = 'ALWAYS'"
        )
        return {tuple(r) for result in (triggers, indexes, functions, generated) for r in result}


def test_head_has_the_same_triggers_and_indexes_as_create_all(migration_app, tmp_path):
    """Upgrade from empty builds what the models build, including the DDL the ORM cannot express."""
    upgrade()
    migrated = _schema_objects(db.engine)
    url = database_url_for_tests()
    if url.startswith("postgresql"):
        url = f"{url}_ref"
        _ensure_postgres_database(url)
        reference = create_engine(url)
        with reference.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        reference = create_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    try:
        db.metadata.create_all(reference)
        expected = _schema_objects(reference)
    finally:
        reference.dispose()
    assert migrated == expected
    assert ("trigger", "audit_events_append_only") in migrated or (
        "trigger", "audit_events_no_delete") in migrated


def test_pending_switch_column_and_its_downgrade_ends_pending_requests(migration_app):
    from sqlalchemy import inspect, select, text

    from portal.members.models import Company
    from portal.reviews.models import ReviewSystem

    upgrade(revision="0012_i15_retention")
    db.session.execute(Company.__table__.insert(), [_company_row(1)])
    company_id = db.session.execute(text("SELECT id FROM companies")).scalar()
    db.session.commit()
    upgrade(revision="0013_i20_pending_switch")
    for current, pending, status in ((True, False, "ACTIVE"), (False, True, "REQUESTED")):
        db.session.execute(
            text(
                "INSERT INTO review_systems (public_id, company_id, provider, status, is_current,"
                " pending, included, location_id, secret_hint, other_name, other_url,"
                " other_description, evidence_name, evidence_mime, self_reported,"
                " decision_reason, location_name, review_count, profile_url, write_review_url,"
                " last_outcome, last_error_message, consecutive_failures, created_at, version)"
                " VALUES (:pid, :cid, 'KLANTENVERTELLEN', :status, :cur, :pen, true, '', '', '',"
                " '', '', '', '', false, '', '', 0, '', '', '', '', 0, CURRENT_TIMESTAMP, 1)"
            ),
            {"pid": f"p-{status}", "cid": company_id, "status": status, "cur": current,
             "pen": pending},
        )  # fmt: skip
    db.session.commit()
    db.session.remove()
    downgrade(revision="0012_i15_retention")
    columns = {c["name"] for c in inspect(db.engine).get_columns("review_systems")}
    assert "pending" not in columns
    indexes = {i["name"] for i in inspect(db.engine).get_indexes("review_systems")}
    assert "uq_review_systems_current_company" in indexes
    statuses = db.session.execute(
        text("SELECT public_id, status FROM review_systems ORDER BY public_id")
    ).all()
    assert [tuple(r) for r in statuses] == [("p-ACTIVE", "ACTIVE"), ("p-REQUESTED", "ENDED")]
    db.session.remove()
    upgrade()
    assert db.session.scalars(select(ReviewSystem.pending)).all() == [False, False]
    db.session.remove()
    downgrade(revision="base")
