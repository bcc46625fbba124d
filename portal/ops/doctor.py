"""`flask doctor`: checks a production configuration and explains each problem (NL/EN).

It reuses `check_deploy`'s rules (`portal.config.deploy_problems`, the ones that stop the app
from starting) and adds what needs the running environment: SECRETS_KEYS readable and able to
decrypt every stored secret, the database reachable and at the migration head, Redis, mail,
the public base URL, proxies and the metrics token. Exit status 1 when any problem is fatal.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.config import BackupSettings, Problem, deploy_problems
from portal.core.crypto import SecretError, parse_keys
from portal.core.db import utcnow
from portal.ops.backup_files import LAST_BACKUP, backup_folder, last_backup, newest_backup
from portal.ops.health import readiness, redis_urls

MIN_METRICS_TOKEN = 32
# `flask backup` runs daily (ledenportaal-backup.timer, 02:15); a day plus two hours of slack.
BACKUP_MAX_AGE = timedelta(hours=26)
# A manifest made later than now (plus clock slack) is not trusted: a wrong clock or a foreign
# file would otherwise hide that no backup has run since.
BACKUP_FUTURE_SLACK = timedelta(minutes=5)


def diagnose(app: Flask) -> list[Problem]:
    """Every problem of the app's configuration and environment (call in its app context)."""
    config = app.config
    problems = []
    if config.get("PORTAL_ENV") != "production":
        problems.append(Problem(
            "PORTAL_ENV", "PORTAL_ENV is niet 'production': de productiecontroles staan uit.",
            "PORTAL_ENV is not 'production': the production safeguards are off",
        ))  # fmt: skip
    problems += deploy_problems(config)
    problems += _keys(config.get("SECRETS_KEYS", ""))
    problems += _database_and_redis(app)
    problems += _mail(config)
    problems += _public_url(config)
    problems += _proxies_and_metrics(config)
    if config.get("PORTAL_ENV") == "production":
        folder = backup_folder(app.instance_path, BackupSettings.of(config).folder)
        problems += _backup_age(folder, last_backup(app.instance_path))
    return problems


def _keys(raw: str) -> list[Problem]:
    if not raw:
        return []  # deploy_problems names it
    try:
        keys = parse_keys(raw)
    except (SecretError, binascii.Error, ValueError):
        return [Problem(
            "SECRETS_KEYS",
            "SECRETS_KEYS is onleesbaar: elke sleutel is <id>:<base64 van 32 bytes>, "
            "gescheiden door komma's.",
            "SECRETS_KEYS is unreadable: each key is <id>:<base64 of 32 bytes>, comma-separated",
        )]  # fmt: skip
    return [] if keys else [Problem(
        "SECRETS_KEYS", "SECRETS_KEYS bevat geen sleutel.", "SECRETS_KEYS holds no key"
    )]  # fmt: skip


def _database_and_redis(app: Flask) -> list[Problem]:
    checks = readiness(app)
    problems = []
    if checks["database"] != "ok":
        problems.append(Problem(
            "DATABASE_URL",
            "De database is niet bereikbaar met DATABASE_URL.",
            "the database is not reachable with DATABASE_URL",
        ))  # fmt: skip
    elif checks["migrations"] != "ok":
        problems.append(Problem(
            "DATABASE_URL",
            "Het databaseschema is niet bijgewerkt: voer 'flask db upgrade' uit.",
            "the database schema is not at the migration head: run 'flask db upgrade'",
        ))  # fmt: skip
    else:
        problems += _stored_secrets()
    if checks["redis"] == "unreachable":
        problems.append(Problem(
            "REDIS_URL", "Redis is ingesteld maar niet bereikbaar.",
            "Redis is configured but not reachable",
        ))  # fmt: skip
    elif not redis_urls(app.config):
        problems.append(Problem(
            "REDIS_URL",
            "Geen REDIS_URL: inlogpogingen worden per server geteld; met meer dan één server "
            "is Redis nodig.",
            "no REDIS_URL: rate limits count per host; more than one host needs Redis",
            fatal=False,
        ))  # fmt: skip
    return problems


def _stored_secrets() -> list[Problem]:
    from portal.reviews.credentials import verify_all

    try:
        report = verify_all()
    except (SecretError, binascii.Error, ValueError):
        return []  # the keys themselves are reported by _keys / deploy_problems
    if not report.failed:
        return []
    return [Problem(
        "SECRETS_KEYS",
        f"{len(report.failed)} opgeslagen geheimen zijn met SECRETS_KEYS niet te ontsleutelen "
        "(ontbreekt een oude sleutel?).",
        f"{len(report.failed)} stored secrets cannot be decrypted with SECRETS_KEYS "
        "(an old key missing?)",
    )]  # fmt: skip


def _mail(config: Mapping[str, Any]) -> list[Problem]:
    if not config.get("MAIL_SMTP_HOST"):
        return [Problem(
            "MAIL_SMTP_HOST",
            "MAIL_SMTP_HOST is leeg: er gaat geen e-mail de deur uit, ook geen herstellinks.",
            "MAIL_SMTP_HOST is not set: no mail goes out, not even password reset links",
        )]  # fmt: skip
    problems = []
    if config.get("MAIL_SMTP_TLS") == "starttls" and config.get("MAIL_SMTP_PORT") == 465:
        problems.append(Problem(
            "MAIL_SMTP_TLS", "Poort 465 spreekt direct TLS: zet MAIL_SMTP_TLS=ssl.",
            "port 465 speaks implicit TLS: set MAIL_SMTP_TLS=ssl",
        ))  # fmt: skip
    if str(config.get("MAIL_FROM", "")).endswith("@example.nl"):
        problems.append(Problem(
            "MAIL_FROM", "MAIL_FROM is nog het voorbeeldadres.",
            "MAIL_FROM is still the example address",
        ))  # fmt: skip
    return problems


def _public_url(config: Mapping[str, Any]) -> list[Problem]:
    parts = urlsplit(str(config.get("PUBLIC_BASE_URL", "")))
    if parts.scheme != "https" or not parts.hostname:
        return [Problem(
            "PUBLIC_BASE_URL",
            "PUBLIC_BASE_URL moet een https-adres zijn: links in e-mails gebruiken het.",
            "PUBLIC_BASE_URL must be an https URL: links in e-mails use it",
        )]  # fmt: skip
    hosts = config.get("TRUSTED_HOSTS") or []
    if hosts and not any(_host_matches(parts.hostname, host) for host in hosts):
        return [Problem(
            "PUBLIC_BASE_URL",
            f"De host van PUBLIC_BASE_URL ({parts.hostname}) staat niet in TRUSTED_HOSTS.",
            f"the host of PUBLIC_BASE_URL ({parts.hostname}) is not in TRUSTED_HOSTS",
        )]  # fmt: skip
    return []


def _host_matches(hostname: str, allowed: str) -> bool:
    if allowed.startswith("."):
        return hostname == allowed[1:] or hostname.endswith(allowed)
    return hostname == allowed


def _proxies_and_metrics(config: Mapping[str, Any]) -> list[Problem]:
    problems = []
    if not config.get("TRUSTED_PROXIES"):
        problems.append(Problem(
            "TRUSTED_PROXIES",
            "TRUSTED_PROXIES is 0: achter nginx wordt elk verzoek aan het proxyadres "
            "toegeschreven (rate limits voor iedereen tegelijk); zet 1.",
            "TRUSTED_PROXIES is 0: behind nginx every request seems to come from the proxy "
            "(one rate limit for everyone); set 1",
            fatal=False,
        ))  # fmt: skip
    token = config.get("METRICS_TOKEN") or ""
    if token and len(token) < MIN_METRICS_TOKEN:
        problems.append(Problem(
            "METRICS_TOKEN", "METRICS_TOKEN is te kort: minstens 32 willekeurige tekens.",
            "METRICS_TOKEN is too short: at least 32 random characters",
        ))  # fmt: skip
    return problems


def _backup_age(folder: Path, last: Path | None) -> list[Problem]:
    """A warning when the newest backup (by its manifest) in `folder`, or the one this host's
    last `flask backup` wrote elsewhere (`--output`, noted in the instance folder), is missing
    or stale. Backups other hosts or tools write elsewhere are not seen: the text says so."""
    places = f"{folder}" if last is None or last.parent == folder else f"{folder}, {last}"
    where = (
        f"gekeken in {places}; een back-up die 'flask backup --output' op een andere host of "
        f"die een ander programma elders schreef, ziet deze controle niet (alleen de laatste "
        f"van deze host, genoteerd in {LAST_BACKUP}); kijk in 'journalctl -u "
        "ledenportaal-backup' (timer: 'systemctl list-timers ledenportaal-backup.timer')"
    )
    where_en = (
        f"looked in {places}; a backup written elsewhere by 'flask backup --output' on another "
        f"host or by another tool is not seen (only this host's last one, noted in "
        f"{LAST_BACKUP}); look at 'journalctl -u ledenportaal-backup' "
        "(timer: 'systemctl list-timers ledenportaal-backup.timer')"
    )
    newest = newest_backup(folder, also=last)
    if newest is None:
        return [Problem(
            "flask backup",
            f"Er is geen back-up gevonden; {where}.",
            f"no backup found; {where_en}",
            fatal=False,
        )]  # fmt: skip
    now = utcnow()
    if newest > now + BACKUP_FUTURE_SLACK:
        return [Problem(
            "flask backup",
            f"De nieuwste back-up draagt een tijd in de toekomst ({newest:%Y-%m-%d %H:%M} UTC): "
            f"de klok of het manifest klopt niet, dus is onbekend hoe oud hij is; {where}.",
            f"the newest backup is dated in the future ({newest:%Y-%m-%d %H:%M} UTC): the "
            f"clock or the manifest is wrong, so its age is unknown; {where_en}",
            fatal=False,
        )]  # fmt: skip
    age = now - newest
    if age <= BACKUP_MAX_AGE:
        return []
    hours = int(age.total_seconds() // 3600)
    return [Problem(
        "flask backup",
        f"De nieuwste back-up is {hours} uur oud (van {newest:%Y-%m-%d %H:%M} UTC); {where}.",
        f"the newest backup is {hours} hours old (from {newest:%Y-%m-%d %H:%M} UTC); {where_en}",
        fatal=False,
    )]  # fmt: skip


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check the production configuration; exit 1 with an explanation per problem."""
    problems = diagnose(current_app)
    for problem in problems:
        label = "FOUT" if problem.fatal else "LET OP"
        click.echo(f"{label}  {problem.setting}: {problem.nl}")
        click.echo(f"{' ' * len(label)}  ({problem.en})")
    fatal = sum(problem.fatal for problem in problems)
    if fatal:
        click.echo(f"{fatal} probleem/problemen gevonden ({fatal} problem(s) found).", err=True)
        raise SystemExit(1)
    click.echo("In orde: de configuratie is klaar voor productie (ready for production).")
