"""`flask privacy purge` (alias `flask purge-expired`): the daily retention job."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.privacy.retention import purge_expired


@click.group("privacy")
def privacy_cli() -> None:
    """Privacy (AVG) commands."""


def _purge() -> None:
    result = purge_expired()
    mail = " ".join(f"{key}={value}" for key, value in result.mail.items())
    periods = " ".join(f"{key}={value}" for key, value in result.periods.items())
    click.echo(
        f"purged uploads={result.uploads} invitations={result.invitations} {mail} "
        f"idempotency_keys={result.keys} {periods}"
    )


@privacy_cli.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete everything past its stated retention period (counts only; idempotent)."""
    _purge()


@click.command("purge-expired")
@with_appcontext
def purge_expired_command() -> None:
    """Alias of `flask privacy purge` (SECURITY.md §2 name)."""
    _purge()


def register(app: Flask) -> None:
    app.cli.add_command(privacy_cli)
    app.cli.add_command(purge_expired_command)
