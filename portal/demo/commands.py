"""`flask demo seed` and `flask demo totp`: a plausible development data set (never production)."""

from __future__ import annotations

import click
import pyotp
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.auth.models import User
from portal.core import crypto
from portal.demo import seed as demo_seed
from portal.extensions import db

DEFAULT_COMPANIES = 6300


def register(app: Flask) -> None:
    """Add the `demo` command group."""
    app.cli.add_command(demo_cli)


@click.group("demo")
def demo_cli() -> None:
    """Demo data for development (refused when PORTAL_ENV=production)."""


def _refuse_in_production() -> None:
    if current_app.config.get("PORTAL_ENV") == "production":
        raise click.ClickException("Demo commands are disabled in production.")


@demo_cli.command("seed")
@click.option(
    "--companies", default=DEFAULT_COMPANIES, show_default=True, type=click.IntRange(4, 100_000)
)
@click.option("--reset", is_flag=True, help="Delete existing demo data first.")
@click.option("--seed", "seed_value", default=2026, show_default=True, help="Random seed.")
@with_appcontext
def seed_command(companies: int, reset: bool, seed_value: int) -> None:
    """Create demo companies, review systems and demo logins (idempotent without --reset)."""
    _refuse_in_production()
    if reset:
        removed = demo_seed.reset()
        db.session.commit()
        click.echo(f"Removed {removed} demo companies and the demo logins.")
    existing = demo_seed.company_count()
    if existing:
        click.echo(
            f"{existing} companies already exist; nothing seeded. Use --reset to start over."
        )
        _print_logins()
        return
    result = demo_seed.seed(companies, seed_value=seed_value)
    db.session.commit()
    listed = "" if result.listed is None else f", {result.listed} listed in the ledenzoeker"
    click.echo(
        f"Seeded {result.companies} companies, {result.review_systems} review systems and "
        f"{result.users} logins in {result.seconds:.1f} s{listed}."
    )
    _print_logins()


def _print_logins() -> None:
    base = current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    click.echo(f"\nOpen {base}/ (start the portal with `make run` or `flask run`).\nDemo logins:")
    for user in demo_seed.DEMO_USERS:
        role = user.role.value + (f" / {user.company_role.value}" if user.company_role else "")
        click.echo(f"  {user.email:<24} {user.password:<38} {role}")
        if user.totp_secret:
            click.echo(
                f"  {'':<24} TOTP secret {user.totp_secret}  (code: flask demo totp {user.email})"
            )


@demo_cli.command("fetch-reviews")
@with_appcontext
def fetch_reviews_command() -> None:
    """Fetch the recent reviews of the demo logins' companies (`make run` does this after the
    sync), so the negative-review follow-up of the complaint register shows something."""
    from portal.complaints.review_fetch import fetch_all

    _refuse_in_production()
    emails = [u.email for u in demo_seed.DEMO_USERS if u.company_role]
    found = db.session.scalars(select(User.company_id).where(User.email.in_(emails)))
    company_ids = sorted({company_id for company_id in found if company_id is not None})
    totals = {"links": 0, "new": 0, "failed": 0}
    for company_id in company_ids:
        for key, value in fetch_all(company=str(company_id)).items():
            totals[key] += value
    click.echo(" ".join(f"{k}={v}" for k, v in totals.items()))


@demo_cli.command("totp")
@click.argument("email")
@with_appcontext
def totp_command(email: str) -> None:
    """Print the current TOTP code of a demo staff or admin login."""
    _refuse_in_production()
    if email.lower() not in {u.email for u in demo_seed.DEMO_USERS if u.totp_secret}:
        raise click.ClickException("Only the demo staff and admin logins have a known TOTP secret.")
    user = db.session.scalars(select(User).where(User.email == email.lower())).first()
    if user is None or not user.totp_secret_enc:
        raise click.ClickException("That demo login does not exist; run `flask demo seed` first.")
    secret = crypto.decrypt(user.totp_secret_enc, aad=f"users:{user.id}:totp_secret_enc")
    click.echo(pyotp.TOTP(secret).now())
