"""`flask reviews …` commands: the provider sync job and secret rotation."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db
from portal.reviews.models import Provider

reviews_cli = AppGroup("reviews", help="Review systems: provider sync and secrets.")
PROVIDER_CHOICES = [p.value for p in Provider if p is not Provider.OTHER]


@reviews_cli.command("sync")
@click.option("--company", default=None, help="Member number or company id (default: all).")
@click.option("--provider", type=click.Choice(PROVIDER_CHOICES), default=None)
def sync_command(company: str | None, provider: str | None) -> None:
    """Fetch the latest scores of every active or unchecked review-system link."""
    from portal.reviews.sync import DatabaseLost, SyncBusy, run_sync

    try:
        summary = run_sync(company=company, provider=provider)
    except SyncBusy:
        click.echo("skipped: another review sync is running")
        return
    except DatabaseLost as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    for line in summary.lines():
        click.echo(line)


@reviews_cli.command("rotate-secrets")
def rotate_secrets_command() -> None:
    """Re-encrypt every stored secret with the current key (the first in SECRETS_KEYS)."""
    from portal.reviews.credentials import rotate_all

    report = rotate_all()
    db.session.commit()
    click.echo(f"rotated: {report.rotated}, already current: {report.current}")
    if report.failed:
        click.echo(f"not decryptable ({len(report.failed)}):", err=True)
        for where in report.failed:
            click.echo(f"  {where}", err=True)
        raise SystemExit(1)


def register(app: Flask) -> None:
    """Add the `reviews` command group to the app's CLI."""
    app.cli.add_command(reviews_cli)
