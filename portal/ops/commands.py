"""The ops commands: `flask doctor`, `flask backup` and `flask restore-check`."""

from __future__ import annotations

import signal
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.core.db import utcnow


def register(app: Flask) -> None:
    """Add the ops commands to the app's CLI."""
    from portal.ops.doctor import doctor_command

    app.cli.add_command(doctor_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_check_command)


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Backup file (default: BACKUP_FOLDER or instance/backups, "
              "portal-<UTC time>.dump|.db[.age]).")  # fmt: skip
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Write a consistent copy of the database and its manifest (row counts, checksums),
    encrypted to BACKUP_AGE_RECIPIENTS when set; then delete the folder's backups older than
    BACKUP_RETENTION_DAYS."""
    from portal.config import BackupSettings
    from portal.ops.backup import AGE_SUFFIX, BackupError, backup, manifest_path, prune
    from portal.ops.backup_files import backup_folder, record_last_backup

    settings = BackupSettings.of()
    # systemd stops a job with SIGTERM (time limit, shutdown): unwind, so the temporary copy
    # and the partial file are removed instead of left behind.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if output is None:
        suffix = (
            ".dump"
            if current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres")
            else ".db"
        )
        stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
        folder = backup_folder(current_app.instance_path, settings.folder)
        output = folder / f"portal-{stamp}{suffix}"
    if settings.age_recipients and output.suffix != AGE_SUFFIX:
        output = output.with_name(output.name + AGE_SUFFIX)
    try:
        manifest = backup(output, settings.age_recipients)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    record_last_backup(current_app.instance_path, output)
    rows = sum(table["rows"] for table in manifest["tables"].values())
    state = "encrypted with age" if settings.age_recipients else "NOT encrypted"
    click.echo(f"backup: {output} ({len(manifest['tables'])} tables, {rows} rows, {state})")
    click.echo(f"manifest: {manifest_path(output)}")
    problems: list[str] = []
    removed = prune(output.parent, settings.retention_days, keep=output, problems=problems)
    click.echo(f"removed {len(removed)} backup(s) older than {settings.retention_days} days")
    for problem in problems:
        click.echo(f"not pruned: {problem}", err=True)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@click.command("restore-check")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--keep", is_flag=True, help="Keep the scratch database (PostgreSQL) for a look.")
@click.option("--identity", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="age private key file, for an encrypted (.age) backup.")  # fmt: skip
@with_appcontext
def restore_check_command(backup_file: Path, keep: bool, identity: Path | None) -> None:
    """Restore a backup into a scratch database, boot the app on it and compare with its manifest."""
    from portal.ops.backup import BackupError, restore_check

    try:
        report = restore_check(backup_file, keep=keep, identity=identity)
    except (BackupError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    for name, state in report.tables.items():
        click.echo(f"{'ok  ' if state == 'ok' else 'FOUT'}  {name}: {state}")
    click.echo(f"readiness: {report.readiness}")
    click.echo(f"secrets decrypted with SECRETS_KEYS: {report.secrets_ok}, "
               f"not decryptable: {len(report.secrets_failed)}")  # fmt: skip
    for where in report.secrets_failed:
        click.echo(f"FOUT  secret {where}")
    if not report.ok:
        click.echo("restore-check FAILED: the restored copy differs from the backup.", err=True)
        raise SystemExit(1)
    click.echo("restore-check ok: the backup restores completely.")
