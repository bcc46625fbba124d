"""`flask directory ...`: maintenance of the precomputed public rows."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.directory import cache, id_index, redis_cache
from portal.directory.entries import refresh_all
from portal.extensions import db

directory_cli = AppGroup("directory", help="Ledenzoeker maintenance.")


@directory_cli.command("reindex")
def reindex() -> None:
    """Rebuild every public directory row and its full-text index."""
    listed = refresh_all()
    db.session.commit()
    click.echo(f"{listed} listed members indexed.")


@directory_cli.command("build-sets")
@click.option(
    "--force", is_flag=True, help="Build them even if a copy of this version is shared already."
)
def build_sets(force: bool) -> None:
    """Build and share the ledenzoeker's matching sets of the current directory version.

    With Redis, first publish the database's generation: after a restore Redis may hold one of
    the lost history (a higher number, or the same one bumped at another time), whose pages
    would be served until it expired.
    """
    redis_cache.publish(
        cache.committed_generation(db.session), lambda: cache.committed_generation(db.session)
    )
    built = id_index.share(wait=True, force=force)
    click.echo("Matching sets already shared." if built is None else f"Built version {built}.")


def register(app: Flask) -> None:
    """Add the `directory` command group."""
    app.cli.add_command(directory_cli)
