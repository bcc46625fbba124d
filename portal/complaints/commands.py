"""`flask complaints …`: reminders and escalation, retention purge, negative-review fetch."""

from __future__ import annotations

import logging
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup

from portal.config import ComplaintSettings
from portal.core.db import utcnow
from portal.extensions import db

complaints_cli = AppGroup("complaints", help="Complaint register: reminders, retention, reviews.")
log = logging.getLogger("portal.complaints")


def _today(value: str | None) -> date:
    from portal.complaints.services import now_local_date

    if not value:
        return now_local_date()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD") from exc


@complaints_cli.command("remind")
@click.option("--today", "today_text", default=None, help="Pretend it is this day (YYYY-MM-DD).")
def remind_command(today_text: str | None) -> None:
    """Send due reminders and escalations once each (safe to run repeatedly)."""
    from portal.complaints.actions import run_action_reminders
    from portal.complaints.reminders import run_reminders

    today = _today(today_text)
    counts = run_reminders(today=today) | run_action_reminders(today=today)
    db.session.commit()
    click.echo(" ".join(f"{kind}={n}" for kind, n in counts.items()))


@complaints_cli.command("purge")
@click.option("--days", type=int, default=None, help="Retention after closing (default setting).")
def purge_command(days: int | None) -> None:
    """Delete complaints closed longer ago than the retention period; logs counts only."""
    from portal.complaints.retention import purge_expired

    retention = days if days is not None else ComplaintSettings.of().retention_days
    if retention < 1:
        raise click.BadParameter("retention must be at least one day", param_hint="--days")
    counts = purge_expired(now=utcnow(), retention_days=retention)
    db.session.commit()
    line = " ".join(f"{k}={v}" for k, v in counts.items())
    log.info("complaints purge: %s", line)
    click.echo(line)


@complaints_cli.command("fetch-reviews")
@click.option("--company", default=None, help="Member number or company id (default: all).")
def fetch_reviews_command(company: str | None) -> None:
    """Fetch recent reviews from the providers, for the one-click complaint from a review."""
    from portal.complaints.review_fetch import fetch_all

    counts = fetch_all(company=company)
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


def register(app: Flask) -> None:
    """Add the `complaints` command group to the app's CLI."""
    app.cli.add_command(complaints_cli)
