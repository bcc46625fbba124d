"""`flask doctor` warns (without failing) when the newest backup in the backup folder
(BACKUP_FOLDER, default instance/backups) is missing, older than 26 hours or dated in the future
in production, and says where to look; a fresh one is fine."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from portal.core.db import utcnow
from portal.ops.backup_files import manifest_path, newest_backup
from portal.ops.doctor import diagnose
from tests.ops.test_doctor import PRODUCTION


def _backup(folder: Path, hours_ago: float, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    made = utcnow() - timedelta(hours=hours_ago)
    copy = folder / (name or f"portal-{made:%Y%m%dT%H%M%SZ}.db")
    copy.write_bytes(b"copy")
    manifest_path(copy).write_text(json.dumps({"created_at": made.isoformat(), "tables": {}}))
    return copy


@pytest.fixture
def production(app, tmp_path):
    app.config.update(PRODUCTION)
    app.instance_path = str(tmp_path)
    return app


def _backup_problems(app) -> list:
    return [p for p in diagnose(app) if p.setting == "flask backup"]


def test_a_fresh_backup_is_fine(production, tmp_path):
    _backup(tmp_path / "backups", hours_ago=30)
    _backup(tmp_path / "backups", hours_ago=2)  # the newest counts
    assert _backup_problems(production) == []


def test_a_stale_backup_is_a_warning_that_says_where_to_look(production, tmp_path):
    _backup(tmp_path / "backups", hours_ago=27)
    _backup(tmp_path / "backups", hours_ago=50)
    (problem,) = _backup_problems(production)
    assert not problem.fatal
    assert "27 uur oud" in problem.nl and "27 hours old" in problem.en
    for text in (problem.nl, problem.en):
        assert str(tmp_path / "backups") in text and "journalctl -u ledenportaal-backup" in text


def test_a_missing_backup_is_a_warning(production, tmp_path):
    (problem,) = _backup_problems(production)  # no folder at all
    assert not problem.fatal and "geen back-up" in problem.nl and "no backup" in problem.en
    assert str(tmp_path / "backups") in problem.nl
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "los-bestand.db").write_bytes(b"no manifest")  # not a backup
    copy = _backup(folder, hours_ago=1)
    copy.unlink()  # a manifest without its backup file
    assert len(_backup_problems(production)) == 1


def test_only_production_is_checked(production):
    production.config["PORTAL_ENV"] = "development"
    assert _backup_problems(production) == []


def test_newest_backup_skips_foreign_manifests(tmp_path):
    assert newest_backup(tmp_path) is None
    (tmp_path / "x.db.manifest.json").write_text("not json")
    (tmp_path / "x.db").write_bytes(b"")
    assert newest_backup(tmp_path) is None
    _backup(tmp_path, hours_ago=5)
    newest = newest_backup(tmp_path)
    assert newest is not None and timedelta(hours=4) < utcnow() - newest < timedelta(hours=6)


def test_a_backup_dated_in_the_future_is_a_warning_not_a_fresh_backup(production, tmp_path):
    """A wrong clock or a foreign manifest must not hide that no backup ran since (review)."""
    _backup(tmp_path / "backups", hours_ago=50)
    _backup(tmp_path / "backups", hours_ago=-24)  # "made" tomorrow
    (problem,) = _backup_problems(production)
    assert not problem.fatal
    assert "in de toekomst" in problem.nl and "dated in the future" in problem.en
    assert str(tmp_path / "backups") in problem.en


def test_the_configured_backup_folder_is_checked(production, tmp_path):
    """BACKUP_FOLDER moves where `flask backup` writes; the doctor looks there (review)."""
    elsewhere = tmp_path / "elders"
    production.config["BACKUP_FOLDER"] = str(elsewhere)
    _backup(tmp_path / "backups", hours_ago=1)  # the default folder does not count then
    (problem,) = _backup_problems(production)
    assert "geen back-up" in problem.nl and str(elsewhere) in problem.nl
    _backup(elsewhere, hours_ago=1)
    assert _backup_problems(production) == []
    production.config["BACKUP_FOLDER"] = "relatief"  # under the instance folder
    _backup(tmp_path / "relatief", hours_ago=2)
    assert _backup_problems(production) == []


def test_flask_backup_writes_to_the_configured_folder(production, tmp_path):
    production.config.update(PORTAL_ENV="development", BACKUP_FOLDER=str(tmp_path / "elders"))
    result = production.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    assert newest_backup(tmp_path / "elders") is not None
    assert not (tmp_path / "backups").exists()
