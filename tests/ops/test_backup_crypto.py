"""Backups are encrypted with age when BACKUP_AGE_RECIPIENTS is set, restore only with the
private key, never leave a plain copy behind, and are deleted after BACKUP_RETENTION_DAYS."""

from __future__ import annotations

import json
import os
import stat
import time
from datetime import timedelta

import pyrage
import pytest

from portal.config import BackupSettings, ConfigError, deploy_problems
from portal.core.db import utcnow
from portal.ops import backup as backup_module
from portal.ops import backup_files
from portal.ops.backup import manifest_path

AGE_MAGIC = b"age-encryption.org/v1"


@pytest.fixture
def key(tmp_path):
    """An age key pair: the public key in the config, the private key in a file elsewhere."""
    identity = pyrage.x25519.Identity.generate()
    folder = tmp_path / "offline"
    folder.mkdir()
    path = folder / "key.txt"
    path.write_text(f"# created: test\n# public key: {identity.to_public()}\n{identity}\n")
    return str(identity.to_public()), path


def _suffix(app):
    return ".dump" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres") else ".db"


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_an_encrypted_backup_holds_no_plain_data_and_restores_with_the_key(
    populated,
    tmp_path,
    key,
):
    public, identity = key
    populated.config["BACKUP_AGE_RECIPIENTS"] = [public]
    folder = tmp_path / "backups"
    result = _invoke(populated, "backup", "--output", str(folder / f"portal{_suffix(populated)}"))
    assert result.exit_code == 0, result.output
    assert "encrypted with age" in result.output
    encrypted = folder / f"portal{_suffix(populated)}.age"
    data = encrypted.read_bytes()
    assert data.startswith(AGE_MAGIC)
    assert b"api-token" not in data and b"Hallo" not in data and b"CREATE TABLE" not in data
    # Nothing else in the folder: the plain copy is gone.
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [encrypted.name, manifest_path(encrypted).name]
    )
    for path in (encrypted, manifest_path(encrypted)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    manifest = json.loads(manifest_path(encrypted).read_text())
    assert manifest["encrypted"] == "age" and manifest["tables"]["companies"]["rows"] == 4

    refused = _invoke(populated, "restore-check", str(encrypted))
    assert refused.exit_code != 0 and "--identity" in refused.output

    checked = _invoke(populated, "restore-check", str(encrypted), "--identity", str(identity))
    assert checked.exit_code == 0, checked.output
    assert "ok    companies: ok" in checked.output and "restore-check ok" in checked.output


def test_another_key_cannot_restore_it(populated, tmp_path, key):
    public, _identity = key
    populated.config["BACKUP_AGE_RECIPIENTS"] = [public]
    result = _invoke(populated, "backup", "--output", str(tmp_path / f"p{_suffix(populated)}"))
    assert result.exit_code == 0, result.output
    stranger = tmp_path / "stranger.txt"
    stranger.write_text(f"{pyrage.x25519.Identity.generate()}\n")
    checked = _invoke(
        populated, "restore-check", str(tmp_path / f"p{_suffix(populated)}.age"),
        "--identity", str(stranger),
    )  # fmt: skip
    assert checked.exit_code != 0 and "does not decrypt" in checked.output
    empty = tmp_path / "empty.txt"
    empty.write_text("# no key here\n")
    checked = _invoke(
        populated, "restore-check", str(tmp_path / f"p{_suffix(populated)}.age"),
        "--identity", str(empty),
    )  # fmt: skip
    assert checked.exit_code != 0 and "no age private key" in checked.output


def _break_encryption(monkeypatch, folder, error):
    """Make the encryption step write some bytes and then fail with `error`; while it runs,
    check that no plain copy of the database sits in the backup folder."""

    def check_and_fail(*args):
        target = args[-2]  # the encrypted output, in the backup folder
        target.write_bytes(b"age-encryption.org/v1 half written")
        for path in folder.iterdir():
            head = path.read_bytes()[:16]
            assert not head.startswith((b"SQLite format 3", b"PGDMP")), path.name
        raise error

    monkeypatch.setattr(backup_module, "encrypt", check_and_fail)
    monkeypatch.setattr(backup_module, "encrypt_command", check_and_fail)


@pytest.mark.parametrize(
    "error", [backup_module.BackupError("disk full"), SystemExit(143)], ids=["error", "sigterm"]
)
def test_a_failed_or_killed_encryption_leaves_nothing_behind(
    populated, tmp_path, key, monkeypatch, error
):
    public, _identity = key
    populated.config["BACKUP_AGE_RECIPIENTS"] = [public]
    folder = tmp_path / "b"
    _break_encryption(monkeypatch, folder, error)
    result = _invoke(populated, "backup", "--output", str(folder / "portal.db"))
    assert result.exit_code != 0
    assert list(folder.iterdir()) == []  # no plain copy, no half .age, no manifest


def test_partials_left_by_a_killed_run_are_swept(populated, tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    old = folder / ".portal-1.db.age.0a0b0c0d.partial"
    old.write_bytes(b"left by a killed run")
    os.utime(old, (time.time() - 13 * 3600,) * 2)
    fresh = folder / ".portal-2.db.age.01020304.partial"  # a run still busy: not touched
    fresh.write_bytes(b"busy")
    result = _invoke(populated, "backup", "--output", str(folder / "portal-3.db"))
    assert result.exit_code == 0, result.output
    assert not old.exists() and fresh.exists()


def _old_backup(folder, name, age_days):
    copy = folder / name
    copy.write_bytes(b"old backup")
    created = (utcnow() - timedelta(days=age_days)).isoformat()
    manifest_path(copy).write_text(json.dumps({"engine": "sqlite", "created_at": created}))
    return copy


def test_backups_older_than_the_retention_are_deleted(populated, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    expired = _old_backup(folder, "portal-old.db", 31)
    kept = _old_backup(folder, "portal-recent.db", 29)
    stranger = folder / "notes.txt"  # no manifest: not a backup of ours
    stranger.write_text("keep me")
    broken = folder / "odd.db"
    broken.write_text("x")
    manifest_path(broken).write_text("not json")

    result = _invoke(populated, "backup", "--output", str(folder / "portal-new.db"))
    assert result.exit_code == 0, result.output
    assert "removed 1 backup(s) older than 30 days" in result.output
    assert not expired.exists() and not manifest_path(expired).exists()
    assert kept.exists() and stranger.exists() and broken.exists()
    assert (folder / "portal-new.db").exists()

    populated.config["BACKUP_RETENTION_DAYS"] = 7
    result = _invoke(populated, "backup", "--output", str(folder / "portal-newer.db"))
    assert "removed 1 backup(s) older than 7 days" in result.output
    assert not kept.exists() and (folder / "portal-new.db").exists()


def test_the_settings_are_checked():
    good = str(pyrage.x25519.Identity.generate().to_public())
    assert BackupSettings.read({"BACKUP_AGE_RECIPIENTS": f"{good}, {good}"}).age_recipients == (
        good,
        good,
    )
    with pytest.raises(ConfigError, match="BACKUP_AGE_RECIPIENTS"):
        BackupSettings.read({"BACKUP_AGE_RECIPIENTS": "age1notakey"})
    with pytest.raises(ConfigError, match="BACKUP_AGE_RECIPIENTS"):
        BackupSettings.read({"BACKUP_AGE_RECIPIENTS": str(pyrage.x25519.Identity.generate())})
    with pytest.raises(ConfigError, match="BACKUP_RETENTION_DAYS"):
        BackupSettings.read({"BACKUP_RETENTION_DAYS": "31"})
    assert BackupSettings.read({}).retention_days == 30


def test_doctor_warns_about_plain_backups_in_production():
    config = {"PORTAL_ENV": "production", "BACKUP_AGE_RECIPIENTS": []}
    found = [p for p in deploy_problems(config) if p.setting == "BACKUP_AGE_RECIPIENTS"]
    assert len(found) == 1 and not found[0].fatal
    config["BACKUP_AGE_RECIPIENTS"] = ["age1..."]
    assert not [p for p in deploy_problems(config) if p.setting == "BACKUP_AGE_RECIPIENTS"]


def test_a_damaged_sqlite_copy_fails_the_integrity_check(populated, tmp_path):
    if _suffix(populated) != ".db":
        pytest.skip("SQLite's integrity_check")
    path = tmp_path / "portal.db"
    assert _invoke(populated, "backup", "--output", str(path)).exit_code == 0
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 3 : page * 3 + 200] = b"\xff" * 200  # overwrite part of a b-tree page
    path.write_bytes(bytes(data))
    result = _invoke(populated, "restore-check", str(path))
    assert result.exit_code != 0
    assert "database disk image is malformed" in result.output


def test_prune_skips_what_it_cannot_delete_and_goes_on(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    odd = folder / "a-folder.db"
    odd.mkdir()  # a folder where a backup file would be
    created = (utcnow() - timedelta(days=40)).isoformat()
    manifest_path(odd).write_text(json.dumps({"engine": "sqlite", "created_at": created}))
    future = _old_backup(folder, "b-future.db", -400)
    expired = _old_backup(folder, "c-old.db", 40)
    problems: list[str] = []
    removed = backup_files.prune(folder, 30, keep=folder / "new.db", problems=problems)
    assert removed == [expired] and not expired.exists()
    assert odd.is_dir() and future.exists()
    assert any("a-folder.db" in p and "folder" in p for p in problems)
    assert any("b-future.db" in p and "future" in p for p in problems)
