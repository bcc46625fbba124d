"""Backups that restore: `flask backup` and `flask restore-check`.

`flask backup` writes one consistent copy of the database plus a manifest (`<file>.manifest.json`:
row count and sha256 per table, taken from the very snapshot that was copied):
- PostgreSQL: `pg_dump --format=custom` run on a snapshot exported by a REPEATABLE READ
  transaction in which the manifest is computed, so both see exactly the same rows;
- SQLite: the sqlite3 online backup API (pages copied while the portal runs); the manifest is
  computed from the copy.
`flask restore-check <file>` restores the copy into a scratch database (PostgreSQL: a new
database on the same server, dropped afterwards; SQLite: a temporary file), boots the app on it
(readiness: schema at the migration head), compares every table's row count and checksum with
the manifest and decrypts every stored secret with the current SECRETS_KEYS. Exit 1 on any
difference. No credential ever appears on a command line: libpq gets them from the environment.

With BACKUP_AGE_RECIPIENTS set, the copy is encrypted with age to those public keys (the file
ends in `.age`); the plain copy exists only while it is being encrypted, readable by the portal
user alone. The private key stays off the portal host, and `flask restore-check --identity FILE`
takes it where the check runs. After each backup, backups in the same folder older than
BACKUP_RETENTION_DAYS (at most 30) are deleted: a backup is known by its manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from flask import Flask, current_app
from sqlalchemy import Connection, MetaData, Table, select, text
from sqlalchemy.engine import URL, make_url

from portal.core.db import utcnow
from portal.extensions import db
from portal.ops.backup_files import (
    AGE_SUFFIX,
    BackupError,
    decrypt,
    encrypt,
    encrypt_command,
    manifest_path,
    partial_name,
    private,
    prune,
    sweep_partials,
)

__all__ = ["AGE_SUFFIX", "BackupError", "backup", "manifest_path", "prune", "restore_check"]

CHUNK = 2000


def table_digests(connection: Connection) -> dict[str, dict[str, object]]:
    """Row count and sha256 per table of the models (and alembic_version), in key order."""
    metadata = MetaData()
    names = [table.name for table in db.metadata.sorted_tables] + ["alembic_version"]
    found = {}
    for name in sorted(names):
        table = Table(name, metadata, autoload_with=connection)
        order = list(table.primary_key.columns) or list(table.columns)
        digest, rows = hashlib.sha256(), 0
        result = connection.execution_options(stream_results=True, yield_per=CHUNK).execute(
            select(table).order_by(*order)
        )
        for row in result:
            digest.update(json.dumps(list(row), default=_plain, ensure_ascii=True).encode())
            digest.update(b"\n")
            rows += 1
        found[name] = {"rows": rows, "sha256": digest.hexdigest()}
    return found


def _plain(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def libpq_env(url: URL) -> dict[str, str]:
    """PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE for pg_dump, pg_restore and psql."""
    env = {"PGDATABASE": url.database or ""}
    options = dict(url.query)  # a Unix socket: postgresql://user@/db?host=/var/run/postgresql
    host = url.host or options.get("host")
    for key, value in (("PGHOST", host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password)):  # fmt: skip
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], url: URL, **env: str) -> None:
    result = subprocess.run(  # noqa: S603 - fixed programs, arguments are paths and names
        command, env={**os.environ, **libpq_env(url), **env}, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-500:]}")


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def backup(output: Path, recipients: tuple[str, ...] = ()) -> dict:
    """Write a consistent copy of the app's database to `output` and its manifest; return it.

    With age `recipients` the copy is encrypted to them: `output` must then end in `.age`, and
    no plain copy is ever written to its folder (see portal/ops/backup_files.py).
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    sweep_partials(output.parent)
    if not recipients:
        manifest = _plain_backup(output)
    else:
        if output.suffix != AGE_SUFFIX:
            raise BackupError(f"an encrypted backup's name ends in {AGE_SUFFIX}: {output}")
        partial = partial_name(output)
        try:
            with tempfile.TemporaryDirectory(prefix="portal-backup-") as scratch:
                manifest = _plain_backup(Path(scratch) / "copy", sealed=(partial, recipients))
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
        manifest["encrypted"] = "age"
    private(manifest_path(output))
    manifest_path(output).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def _plain_backup(output: Path, sealed: tuple[Path, tuple[str, ...]] | None = None) -> dict:
    """Copy the database to `output`; with `sealed` (target, recipients) encrypt it there.

    PostgreSQL's dump then goes from pg_dump's stdout straight into age and `output` is not
    written at all; SQLite's copy is made at `output` (a private temporary folder) first.
    """
    engine = db.engine
    manifest: dict[str, object] = {
        "engine": engine.dialect.name,
        "created_at": utcnow().isoformat(),
    }
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar()
                command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner",
                           "--no-privileges", f"--snapshot={snapshot}"]  # fmt: skip
                if sealed is None:
                    private(output)
                    _run([*command, f"--file={output}"], engine.url)
                else:
                    env = {**os.environ, **libpq_env(engine.url)}
                    encrypt_command(command, env, *sealed)
                manifest["tables"] = table_digests(connection)
        return manifest
    if engine.dialect.name == "sqlite":
        private(output)
        raw = engine.raw_connection()
        try:
            target = sqlite3.connect(output)
            with target:
                cast(sqlite3.Connection, raw.driver_connection).backup(target)
            target.close()
        finally:
            raw.close()
        copy = _sqlite_app(current_app, output)
        with copy.app_context():
            with db.engine.connect() as connection:
                manifest["tables"] = table_digests(connection)
            db.engine.dispose()
        _single_file(output)
        _integrity(output)
        if sealed is not None:
            encrypt(output, *sealed)
        return manifest
    raise BackupError(f"no backup procedure for {engine.dialect.name}")


def _single_file(path: Path) -> None:
    """Fold a write-ahead log back into the file: the backup is one self-contained file."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()


def _integrity(path: Path) -> None:
    """SQLite's own consistency check of a copy (pages, indexes, constraints)."""
    connection = sqlite3.connect(path)
    try:
        found = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path.name} is not a readable SQLite database: {exc}") from exc
    finally:
        connection.close()
    if found != ["ok"]:
        raise BackupError(f"integrity_check failed: {'; '.join(found[:5])}")


def _sqlite_app(app: Flask, path: Path) -> Flask:
    return _app_on(app, f"sqlite:///{path}")


def _app_on(app: Flask, url: str) -> Flask:
    """The portal booted on another database, with the running app's settings otherwise.

    The factory comes from the running app (`create_app` puts itself there), so ops does not
    import the package that registers it.
    """
    create_app = app.extensions["portal.create_app"]
    config = {key: value for key, value in app.config.items() if key.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}, SERVER_NAME=None)
    return create_app(config)


@dataclass
class RestoreReport:
    """What `restore_check` found: differing tables, undecryptable secrets, readiness."""

    tables: dict[str, str] = field(default_factory=dict)  # table -> "ok" or what differs
    secrets_ok: int = 0
    secrets_failed: list[str] = field(default_factory=list)
    readiness: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            all(state == "ok" for state in self.tables.values())
            and not self.secrets_failed
            and self.readiness.get("database") == "ok"
            and self.readiness.get("migrations") == "ok"
        )


def restore_check(
    backup_file: Path, *, keep: bool = False, identity: Path | None = None
) -> RestoreReport:
    """Restore `backup_file` into a scratch database and compare it with its manifest.

    An encrypted backup is first decrypted, with the age private key in `identity`, into a
    private temporary folder that is removed afterwards.
    """
    manifest = json.loads(manifest_path(backup_file).read_text())
    if manifest.get("encrypted") != "age":
        return _check(backup_file, manifest, keep=keep)
    if identity is None:
        raise BackupError(f"{backup_file} is encrypted: give its age key with --identity FILE")
    with tempfile.TemporaryDirectory(prefix="restore-check-") as scratch:
        plain = Path(scratch) / backup_file.name[: -len(AGE_SUFFIX)]
        decrypt(backup_file, plain, identity)
        return _check(plain, manifest, keep=keep)


def _check(backup_file: Path, manifest: dict, *, keep: bool) -> RestoreReport:
    with _restored(current_app, backup_file, manifest["engine"], keep=keep) as url:
        app = _app_on(current_app, url)
        with app.app_context():
            try:
                return _compare(app, manifest)
            finally:
                db.session.remove()
                db.engine.dispose()


def _compare(app: Flask, manifest: dict) -> RestoreReport:
    from portal.ops.health import readiness
    from portal.reviews.credentials import verify_all

    report = RestoreReport(readiness=readiness(app))
    with db.engine.connect() as connection:
        restored = table_digests(connection)
    for name, expected in sorted(manifest["tables"].items()):
        got = restored.get(name)
        if got is None:
            report.tables[name] = "missing"
        elif got["rows"] != expected["rows"]:
            report.tables[name] = f"rows {got['rows']} != {expected['rows']}"
        elif got["sha256"] != expected["sha256"]:
            report.tables[name] = "checksum differs"
        else:
            report.tables[name] = "ok"
    secrets_report = verify_all()
    report.secrets_ok, report.secrets_failed = secrets_report.current, secrets_report.failed
    db.session.rollback()
    return report


@contextmanager
def _restored(app: Flask, backup_file: Path, engine: str, *, keep: bool) -> Iterator[str]:
    if engine == "sqlite":
        with tempfile.TemporaryDirectory(prefix="restore-check-") as scratch:
            path = Path(scratch) / "restored.db"
            shutil.copyfile(backup_file, path)
            _integrity(path)
            yield f"sqlite:///{path}"
        return
    if engine != "postgresql":
        raise BackupError(f"no restore procedure for {engine}")
    source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{source.database}_restorecheck_{secrets.token_hex(4)}"
    target = source.set(database=name)
    admin = source.set(database="postgres")
    _run([_pg_tool("psql"), "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{name}"'], admin)
    try:
        _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
              f"--dbname={name}", str(backup_file)], target)  # fmt: skip
        yield target.render_as_string(hide_password=False)
    finally:
        if not keep:
            _run([_pg_tool("psql"), "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                 admin)  # fmt: skip
