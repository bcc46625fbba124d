"""`flask agreements publish-default`: publish the shipped standard text as the first version."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.agreements import services
from portal.extensions import db


@click.group("agreements")
def agreements_cli() -> None:
    """Processor agreement commands."""


@agreements_cli.command("publish-default")
@with_appcontext
def publish_default_command() -> None:
    """Publish the standard text, or a new version when parties or sub-processors changed.

    Idempotent; run after every deploy. A new version mails every beheerder whose company
    accepted an earlier one what changed (AVG art. 28(2) for sub-processors).
    """
    version = services.publish_default()
    db.session.commit()
    click.echo(f"current version: {version.label}")


def register(app: Flask) -> None:
    app.cli.add_command(agreements_cli)
