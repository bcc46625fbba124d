"""`flask compliance remind`: the scheduled reminder run (same rules as the staff bulk action).

Cron (daily, after the sync):
    30 7 * * *  cd /srv/ledenportaal && .venv/bin/flask compliance remind

Idempotent: a member never gets two reminders of the same kind within the configured
interval, so running it twice (or on two hosts at once) sends once.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.compliance import reminders, services
from portal.core.db import utcnow
from portal.extensions import db


@click.group("compliance")
def compliance_cli() -> None:
    """Criterium-2 jobs."""


def remind(kind: str, *, dry_run: bool = False) -> tuple[int, int, int]:
    """Select members for `kind` and queue their reminders; (selected, sent, skipped)."""
    now = utcnow()
    template = reminders.template_by_key(kind)
    rows = [r for r in services.overview_rows(now) if reminders.AUTO_SELECTION[kind](r)]
    if dry_run:
        planned = reminders.plan(rows, template, now=now)
        db.session.rollback()
        sending = sum(1 for p in planned if not p.skip)
        return len(rows), sending, len(rows) - sending
    batch = reminders.send(rows, template, by=None, now=now, source="cron")
    db.session.commit()
    return batch.selected, batch.sent, batch.skipped


@compliance_cli.command("remind")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(sorted(reminders.AUTO_SELECTION)),
    help="Reminder kind (repeatable); default: geen_systeem.",
)
@click.option("--dry-run", is_flag=True, help="Only count; send nothing.")
@with_appcontext
def remind_command(kinds: tuple[str, ...], dry_run: bool) -> None:
    """Queue reminders for members selected by each kind's rule (idempotent per interval)."""
    for kind in kinds or ("geen_systeem",):
        selected, sent, skipped = remind(kind, dry_run=dry_run)
        click.echo(f"{kind}: selected={selected} sent={sent} skipped={skipped}")


def register(app: Flask) -> None:
    """Add the `compliance` command group."""
    app.cli.add_command(compliance_cli)
