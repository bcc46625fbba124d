"""`flask invitations send`: deliver queued invitations; safe to run in parallel."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.invitations import sending


@click.group("invitations")
def invitations_cli() -> None:
    """Review invitation commands."""


@invitations_cli.command("send")
@click.option("--batch", default=50, show_default=True, help="Rows claimed per round.")
@click.option("--loop", is_flag=True, help="Keep running and poll for new work.")
@click.option(
    "--interval", default=5.0, show_default=True, help="Seconds between polls with --loop."
)
@with_appcontext
def send_command(batch: int, loop: bool, interval: float) -> None:
    """Send pending invitations through the provider invite APIs (counts only in the output)."""
    while True:
        summary = sending.run(batch=max(1, min(batch, 500)))
        click.echo(str(summary))
        if not loop:
            return
        time.sleep(max(interval, 0.5))


def register(app: Flask) -> None:
    app.cli.add_command(invitations_cli)
