"""`flask doctor` sees the backup `flask backup --output` wrote outside the backup folder (the
README's nightly command does so): the command notes its last backup in the instance folder,
and the doctor's warning says which places it looked at and what it cannot see."""

from __future__ import annotations

import json
from datetime import timedelta

from portal.core.db import utcnow
from portal.ops.backup_files import LAST_BACKUP, manifest_path
from tests.ops.test_doctor import PRODUCTION
from tests.ops.test_doctor_backups import _backup, _backup_problems, production  # noqa: F401


def test_a_backup_written_with_output_elsewhere_is_seen(app, tmp_path):
    app.instance_path = str(tmp_path)
    elsewhere = tmp_path / "var-backups" / "portal-2026-12-06.db"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(elsewhere)])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / LAST_BACKUP).read_text()) == {"backup": str(elsewhere)}
    app.config.update(PRODUCTION)  # the doctor looks at backups in production only
    assert _backup_problems(app) == []


def test_the_warning_names_both_places_and_what_it_cannot_see(production, tmp_path):  # noqa: F811
    elsewhere = _backup(tmp_path / "var-backups", hours_ago=30)
    (tmp_path / LAST_BACKUP).write_text(json.dumps({"backup": str(elsewhere)}))
    (problem,) = _backup_problems(production)
    assert "30 hours old" in problem.en and "30 uur oud" in problem.nl
    assert f"{tmp_path / 'backups'}, {elsewhere}" in problem.en
    assert "another host or by another tool is not seen" in problem.en
    made = utcnow() - timedelta(hours=1)
    manifest_path(elsewhere).write_text(json.dumps({"created_at": made.isoformat()}))
    assert _backup_problems(production) == []


def test_an_unreadable_note_is_ignored(production, tmp_path):  # noqa: F811
    _backup(tmp_path / "backups", hours_ago=1)
    (tmp_path / LAST_BACKUP).write_text("{not json")
    assert _backup_problems(production) == []
