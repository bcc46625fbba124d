"""`flask doctor`: each check of a production configuration, explained in Dutch and English,
exit 1 on a fatal problem, 0 on a good configuration (PostgreSQL at head), no secret printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import check_deploy, cli_runs_doctor, deploy_problems
from portal.core.crypto import new_key_entry
from portal.extensions import db
from portal.ops.doctor import diagnose
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, SystemStatus
from tests.conftest import ROOT, _ensure_postgres_database

FLASK = Path(sys.executable).with_name("flask")
GOOD_SECRET = "doctor-test-secret-key-0123456789-abcdefghijkl"
KEYS = new_key_entry("k2026")

PRODUCTION = {
    "PORTAL_ENV": "production",
    "RATELIMIT_ENABLED": True,
    "TRUSTED_HOSTS": ["leden.example.org"],
    "SESSION_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_SECURE": True,
    "PUBLIC_BASE_URL": "https://leden.example.org",
    "TRUSTED_PROXIES": 1,
    "MAIL_SMTP_HOST": "smtp.example.org",
    "MAIL_FROM": "ledenservice@vereniging.example.org",
    # The association's identity as a configured production environment has it (issue 15).
    "ASSOCIATION_MISSING": [],
    "SUBPROCESSORS_SET": True,
}


def settings(problems) -> set[str]:
    return {problem.setting for problem in problems if problem.fatal}


def test_check_deploy_keeps_its_messages_and_every_problem_has_both_languages():
    config = {"SECRET_KEY": "dev", "SQLALCHEMY_DATABASE_URI": "sqlite://", "DEBUG": True,
              "MAIL_SMTP_HOST": "x", "MAIL_SMTP_TLS": "none"}  # fmt: skip
    problems = deploy_problems(config)
    assert check_deploy(config) == [problem.en for problem in problems]
    assert "SECRET_KEY is weak" in check_deploy(config)
    assert len(problems) == 8
    for problem in problems:
        assert problem.nl and problem.en and problem.nl != problem.en


def test_a_production_like_app_passes_except_on_sqlite(app):
    app.config.update(PRODUCTION)
    on_sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    assert settings(diagnose(app)) == ({"DATABASE_URL"} if on_sqlite else set())


@pytest.mark.parametrize(
    ("override", "setting"),
    [
        ({"PORTAL_ENV": "development"}, "PORTAL_ENV"),
        ({"SECRET_KEY": "kort"}, "SECRET_KEY"),
        ({"TRUSTED_HOSTS": None}, "TRUSTED_HOSTS"),
        ({"SECRETS_KEYS": ""}, "SECRETS_KEYS"),
        ({"SECRETS_KEYS": "k1:dit-is-geen-sleutel"}, "SECRETS_KEYS"),
        ({"MAIL_SMTP_HOST": ""}, "MAIL_SMTP_HOST"),
        ({"MAIL_SMTP_TLS": "none"}, "MAIL_SMTP_TLS"),
        ({"MAIL_SMTP_PORT": 465}, "MAIL_SMTP_TLS"),
        ({"MAIL_FROM": "ledenservice@example.nl"}, "MAIL_FROM"),
        ({"PUBLIC_BASE_URL": "http://leden.example.org"}, "PUBLIC_BASE_URL"),
        ({"PUBLIC_BASE_URL": "https://andere.example.org"}, "PUBLIC_BASE_URL"),
        ({"METRICS_TOKEN": "kort"}, "METRICS_TOKEN"),
        ({"DIRECTORY_CACHE_REDIS_URL": "redis://127.0.0.1:1/0"}, "REDIS_URL"),
    ],
)
def test_each_check_names_its_setting(app, override, setting):
    app.config.update(PRODUCTION)
    app.config.update(override)
    assert settings(diagnose(app)) - {"DATABASE_URL"} == {setting}


def test_warnings_do_not_fail(app, tmp_path):
    app.config.update(PRODUCTION, TRUSTED_PROXIES=0)
    app.instance_path = str(tmp_path)  # no backups there
    warnings = {p.setting for p in diagnose(app) if not p.fatal}
    assert warnings == {"TRUSTED_PROXIES", "REDIS_URL", "BACKUP_AGE_RECIPIENTS", "flask backup"}
    app.config.update(RATELIMIT_ENABLED=False)  # e.g. a typo once read as "off"
    assert "RATELIMIT_ENABLED" in {p.setting for p in diagnose(app) if not p.fatal}


def test_doctor_names_a_setting_it_cannot_read_instead_of_a_traceback(tmp_path):
    from portal.config import load_config

    env = {"PORTAL_ENV": "production", "SYNC_ATTEMPTS": "0", "MAIL_SMTP_TLS": "tls"}
    config = load_config(str(tmp_path), env, strict=False)
    assert config["SYNC_ATTEMPTS"] == 3 and config["MAIL_SMTP_TLS"] == "starttls"
    named = {p.setting for p in deploy_problems(config) if p.fatal}
    assert {"SYNC_ATTEMPTS", "MAIL_SMTP_TLS"} <= named


def test_schema_behind_and_secrets_that_do_not_decrypt(app, make_company):
    app.config.update(PRODUCTION)
    system = ReviewSystem(company_id=make_company().id, provider=Provider.KIYOH,
                          status=SystemStatus.ACTIVE, location_id="1")  # fmt: skip
    db.session.add(system)
    db.session.flush()
    credentials.store_credentials(system, {"token": "geheim-token-123"})
    db.session.commit()
    assert settings(diagnose(app)) - {"DATABASE_URL"} == set()
    app.config["SECRETS_KEYS"] = KEYS  # the key that wrote them is gone
    problems = [p for p in diagnose(app) if p.setting == "SECRETS_KEYS"]
    assert len(problems) == 1 and "1 stored secrets cannot be decrypted" in problems[0].en


def test_cli_runs_doctor():
    assert cli_runs_doctor(["/srv/.venv/bin/flask", "doctor"])
    assert cli_runs_doctor(["flask", "--app", "wsgi", "-e", ".env", "doctor"])
    assert not cli_runs_doctor(["flask", "db", "upgrade"])
    assert not cli_runs_doctor(["flask", "--app", "doctor", "run"])
    assert not cli_runs_doctor(["gunicorn", "doctor"])


def _doctor(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([FLASK, "doctor"], cwd=ROOT, env={**os.environ, "FLASK_APP": "wsgi",
                          **env}, capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.own_database  # a PostgreSQL address that is never reached (tests/halves.py)
def test_flask_doctor_explains_an_unsafe_production_configuration():
    weak = "geheim"
    result = _doctor({"PORTAL_ENV": "production", "SECRET_KEY": weak,
                      "DATABASE_URL": "postgresql://lp:wachtwoord-123@127.0.0.1:1/lp"})  # fmt: skip
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "FOUT  SECRET_KEY: SECRET_KEY is zwak" in out and "(SECRET_KEY is weak)" in out
    for setting in ("TRUSTED_HOSTS", "SECRETS_KEYS", "MAIL_SMTP_HOST", "PUBLIC_BASE_URL"):
        assert f"FOUT  {setting}:" in out
    assert "De database is niet bereikbaar" in out
    assert "problem(s) found" in result.stderr
    assert "wachtwoord-123" not in out + result.stderr
    assert f"={weak}" not in out and f" {weak} " not in out


@pytest.mark.own_database  # refused before any database is opened (tests/halves.py)
def test_flask_run_still_refuses_the_same_configuration():
    result = subprocess.run(
        [FLASK, "routes"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "FLASK_APP": "wsgi", "PORTAL_ENV": "production", "SECRET_KEY": "x"},
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="a good production configuration needs PostgreSQL",
)
def test_flask_doctor_passes_a_good_configuration():
    url = os.environ["TEST_DATABASE_URL"] + "_doctor"
    _ensure_postgres_database(url)
    env = {
        "PORTAL_ENV": "production", "SECRET_KEY": GOOD_SECRET, "DATABASE_URL": url,
        "SECRETS_KEYS": KEYS, "TRUSTED_HOSTS": "leden.example.org", "TRUSTED_PROXIES": "1",
        "PUBLIC_BASE_URL": "https://leden.example.org", "MAIL_SMTP_HOST": "smtp.example.org",
        "MAIL_FROM": "ledenservice@vereniging.example.org",
        "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "ASSOCIATION_NAME": "Vereniging van Installatiebedrijven", "ASSOCIATION_KVK": "40000000",
        "ASSOCIATION_ADDRESS": "Voorbeeldweg 1, 1234 AB Voorbeeldstad",
        "ASSOCIATION_SIGNATORY_NAME": "Naam Bestuurder", "ASSOCIATION_SIGNATORY_FUNCTION": "directeur",
        "PRIVACY_CONTACT_EMAIL": "privacy@vereniging.example.org",
        "SUBPROCESSORS": "Hosting B.V.|hosting|Nederland (EU);Mail B.V.|e-mail|Nederland (EU)",
    }  # fmt: skip
    upgrade = subprocess.run([FLASK, "db", "upgrade"], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "FLASK_APP": "wsgi", **env}, timeout=300)  # fmt: skip
    assert upgrade.returncode == 0, upgrade.stderr
    result = _doctor(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "In orde" in result.stdout
    assert GOOD_SECRET not in result.stdout


def test_doctor_names_a_missing_association_identity(app):
    app.config.update(PRODUCTION, ASSOCIATION_MISSING=["ASSOCIATION_KVK"], SUBPROCESSORS_SET=False)
    assert {"ASSOCIATION_KVK", "SUBPROCESSORS"} <= settings(diagnose(app))
