"""`flask users ...`: bootstrap accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.auth import services
from portal.extensions import db


@click.group("users")
def users_cli() -> None:
    """User account commands."""


@users_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted when not given; at least 15 characters.",
)
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create the first admin account (TOTP is set up at first login)."""
    try:
        services.create_admin(email, name, password)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Admin account created for {email}. Log in to set up two-step verification.")
