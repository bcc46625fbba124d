"""Ledenportaal: the member portal of the installation-sector trade association."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path

from flask import Blueprint, Flask

from portal.config import (
    ConfigError,
    check_deploy,
    cli_runs_doctor,
    instance_path,
    load_config,
    validate,
)

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, commands."""
    app = Flask(
        __name__,
        # One host's private files (development secrets, local rate-limit file); see the README.
        instance_path=instance_path(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    strict = not cli_runs_doctor()  # `flask doctor` explains an unsafe configuration instead
    app.config.from_mapping(load_config(app.instance_path, strict=strict))
    if config:
        app.config.from_mapping(config)
    if strict:  # a caller's overrides are held to the same rules as the environment
        app.config.update(validate(app.config))
    if strict and app.config["PORTAL_ENV"] == "production":
        problems = check_deploy(app.config)
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems))
    app.extensions["portal.create_app"] = create_app  # ops boots a twin app (restore check)
    register_extensions(app)
    register_models()
    register_blueprints(app)
    register_listeners()
    register_commands(app)
    from portal import ops

    ops.register(app)
    from portal.core import errors, htmx, logs, security, static_files, sync_hooks, templating

    sync_hooks.register(app)
    logs.register(app)
    security.register(app)
    errors.register(app)
    templating.register(app)
    htmx.register(app)
    static_files.register(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from portal.core import i18n
    from portal.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate, oauth

    db.init_app(app)
    from portal.core.db import migration_include_name, migration_render_item

    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_name=migration_include_name,
        render_item=migration_render_item,
    )
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=i18n.babel_locale)
    i18n.register(app)
    limiter.init_app(app)
    oauth.init_app(app)
    from portal.auth import oidc

    oidc.init_app(app)  # single sign-on, only when the environment configures an IdP
    login_manager.init_app(app)
    from portal.core import compression

    compression.register(app)  # first app hook registered, so it runs last


def register_models() -> None:
    """Import every model module so metadata (and Alembic) sees all tables."""
    from portal.agreements import models as _agreements  # noqa: F401
    from portal.auth import models as _auth  # noqa: F401
    from portal.auth import passkeys as _passkeys  # noqa: F401
    from portal.complaints import models as _complaints  # noqa: F401
    from portal.complaints import models_extra as _complaints_extra  # noqa: F401
    from portal.compliance import models as _compliance  # noqa: F401
    from portal.core import concurrency as _concurrency  # noqa: F401
    from portal.core import models as _core  # noqa: F401
    from portal.directory import models as _directory  # noqa: F401
    from portal.invitations import models as _invitations  # noqa: F401
    from portal.members import models as _members  # noqa: F401
    from portal.members import models_import as _members_import  # noqa: F401
    from portal.privacy import models as _privacy  # noqa: F401
    from portal.reviews import models as _reviews  # noqa: F401


def register_blueprints(app: Flask) -> None:
    """Mount every feature's blueprints from one explicit list (URL prefix per blueprint)."""
    from portal.admin import routes as admin_routes
    from portal.agreements import routes as agreement_routes
    from portal.agreements import routes_staff as agreement_staff_routes
    from portal.auth import labels as auth_labels
    from portal.auth import passwords
    from portal.auth import routes as auth_routes
    from portal.complaints import routes as complaint_routes
    from portal.compliance import routes as compliance_routes
    from portal.directory import admin_routes as directory_admin_routes
    from portal.directory import redis_cache
    from portal.directory import routes as directory_routes
    from portal.invitations import routes as invitation_routes
    from portal.members import routes_import as member_import_routes
    from portal.members import routes_staff as member_staff_routes
    from portal.outbox import routes as outbox_routes
    from portal.privacy import routes as privacy_routes
    from portal.privacy import routes_staff as privacy_staff_routes
    from portal.profile import routes as profile_routes
    from portal.public import bp as public_bp
    from portal.reviews import routes as review_routes
    from portal.reviews import routes_staff as review_staff_routes

    # Feature settings and template helpers the blueprints' views rely on.
    app.jinja_env.globals["password_minimum"] = passwords.minimum_length
    app.jinja_env.globals["company_role_labels"] = auth_labels.COMPANY_ROLE_LABELS
    app.jinja_env.globals["staff_role_labels"] = auth_labels.STAFF_ROLE_LABELS
    redis_cache.init_app(app)
    complaint_routes.init_app(app)
    blueprints: tuple[tuple[Blueprint, str | None], ...] = (
        (public_bp, None),
        (auth_routes.bp, None),
        (profile_routes.bp, "/mijn-profiel"),
        (member_staff_routes.bp, "/beheer"),
        (member_import_routes.bp, "/beheer/leden/import"),
        (outbox_routes.bp, "/beheer/e-mail"),
        (review_routes.bp, "/mijn-profiel/beoordelingen"),
        (review_staff_routes.bp, "/beheer/beoordelingen"),
        (directory_routes.bp, "/ledenzoeker"),
        (directory_admin_routes.bp, "/beheer/ledenzoeker"),
        (agreement_routes.bp, "/mijn-profiel/verwerkersovereenkomst"),
        (agreement_staff_routes.bp, "/beheer/verwerkersovereenkomsten"),
        (invitation_routes.bp, "/mijn-profiel/uitnodigen"),
        (privacy_routes.bp, None),
        (privacy_staff_routes.bp, "/beheer/privacy"),
        (compliance_routes.bp, "/beheer/criterium-2"),
        (admin_routes.bp, "/beheer"),
        (compliance_routes.member_bp, "/mijn-profiel/criterium-2"),
        (complaint_routes.bp, "/mijn-profiel/klachten"),
        (complaint_routes.public_bp, "/ledenzoeker"),
        (complaint_routes.staff_bp, "/beheer/klachten"),
    )
    for blueprint, prefix in blueprints:
        app.register_blueprint(blueprint, url_prefix=prefix)


def register_listeners() -> None:
    """Subscribe features to other features' signals (portal/core/signals.py)."""
    from portal.directory import listeners

    listeners.connect()


def register_commands(app: Flask) -> None:
    """Add the CLI groups (`flask users`, `flask demo`, `flask reviews`, ...)."""
    from portal.auth.commands import users_cli
    from portal.core.outbox import outbox_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(outbox_cli)
    for feature in (
        "demo", "reviews", "directory", "agreements", "invitations", "privacy",
        "compliance", "complaints",
    ):  # fmt: skip
        importlib.import_module(f"portal.{feature}.commands").register(app)
