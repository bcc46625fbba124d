"""`flask backup` and `flask restore-check` on the test database (SQLite: the sqlite3 backup API;
PostgreSQL: pg_dump/pg_restore into a scratch database): a populated database restores with
the same row counts and checksums, the app boots on the copy, provider secrets still decrypt
with the same SECRETS_KEYS; a changed copy, manifest or key set fails the check."""

from __future__ import annotations

import json
import sqlite3

import pytest

from portal.core.crypto import new_key_entry
from portal.ops.backup import manifest_path


def _backup(app, tmp_path):
    suffix = ".dump" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres") else ".db"
    path = tmp_path / f"portal{suffix}"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _restore_check(app, path):
    return app.test_cli_runner().invoke(args=["restore-check", str(path)])


def test_backup_restores_completely(populated, tmp_path):
    path = _backup(populated, tmp_path)
    manifest = json.loads(manifest_path(path).read_text())
    tables = manifest["tables"]
    assert tables["companies"]["rows"] == 4 and tables["review_systems"]["rows"] == 1
    assert tables["outbox_messages"]["rows"] == 1 and tables["alembic_version"]["rows"] == 1
    result = _restore_check(populated, path)
    assert result.exit_code == 0, result.output
    assert "ok    companies: ok" in result.output
    assert (
        "not decryptable: 0" in result.output
        and "secrets decrypted with SECRETS_KEYS: 1" in result.output
    )
    assert "'migrations': 'ok'" in result.output
    assert "restore-check ok" in result.output
    assert "api-token-0123456789" not in result.output


def test_a_manifest_that_does_not_match_fails(populated, tmp_path):
    path = _backup(populated, tmp_path)
    manifest = json.loads(manifest_path(path).read_text())
    manifest["tables"]["companies"]["rows"] += 1
    manifest["tables"]["users"]["sha256"] = "0" * 64
    manifest_path(path).write_text(json.dumps(manifest))
    result = _restore_check(populated, path)
    assert result.exit_code == 1
    assert "FOUT  companies: rows 4 != 5" in result.output
    assert "FOUT  users: checksum differs" in result.output


def test_secrets_must_decrypt_with_the_same_keys(populated, tmp_path):
    path = _backup(populated, tmp_path)
    populated.config["SECRETS_KEYS"] = new_key_entry("other")
    result = _restore_check(populated, path)
    assert result.exit_code == 1
    assert "not decryptable: 1" in result.output
    assert "FOUT  secret review_systems:" in result.output


@pytest.mark.skipif(
    not __import__("os").environ.get("TEST_DATABASE_URL", "sqlite").startswith("sqlite"),
    reason="the SQLite copy is edited directly",
)
def test_a_changed_sqlite_copy_fails(populated, tmp_path):
    path = _backup(populated, tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE companies SET city = 'Elders' WHERE id = 1")
        connection.execute("DELETE FROM outbox_messages")
    connection.close()
    result = _restore_check(populated, path)
    assert result.exit_code == 1, result.output
    assert "FOUT  companies: checksum differs" in result.output
    assert "FOUT  outbox_messages: rows 0 != 1" in result.output
