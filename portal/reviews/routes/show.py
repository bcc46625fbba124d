"""Mijn profiel > Beoordelingen: the company's review system, its figures, sync log and badge."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from flask import current_app, request, url_for
from flask_login import current_user

from portal.core.access import current_company
from portal.core.forms import EmptyForm
from portal.core.htmx import render
from portal.directory.badge import BadgeOptions, snippet
from portal.providers.errors import OK
from portal.reviews import dashboard, services
from portal.reviews.card import attempt_label
from portal.reviews.forms import ActivateForm
from portal.reviews.models import Provider, ReviewSystem
from portal.reviews.routes.blueprint import bp

if TYPE_CHECKING:
    from portal.members.models import Company


class AttemptRow(NamedTuple):
    """One line of the member's sync log."""

    started_at: datetime
    label: str
    ok: bool


class BadgeView(NamedTuple):
    """The badge section: chosen options, preview URL and the snippet to copy."""

    options: BadgeOptions
    listed: bool
    preview_url: str
    snippet: str


BADGE_TARGET = "reviews-badge"


def _badge_view(company: Company, options: BadgeOptions) -> BadgeView:
    """Preview and snippet for the company's badge, with absolute public URLs in the snippet."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    badge_path = url_for("directory.badge_svg", slug=company.slug, **options.url_args())
    html = snippet(
        detail_url=base + url_for("directory.detail", slug=company.slug),
        badge_url=base + badge_path,
        association=current_app.config["ASSOCIATION_NAME"],
    )
    return BadgeView(options, company.is_listed, badge_path, html)


@bp.get("/")
def show():
    """Current system, figures, chart, last sync attempts and history."""
    company = current_company()
    system = services.current_system(company)
    return render(
        "reviews/show.html",
        "reviews/_badge.html",
        target=BADGE_TARGET,
        badge=_badge_view(company, BadgeOptions.from_args(request.args)),
        company=company,
        system=system,
        pending=services.pending_system(company),
        cancel_form=EmptyForm(),
        card=services.criterion_card(company),
        attempts=_attempt_rows(system),
        past=services.history(company),
        can_edit=current_user.is_company_admin,
        excluded=services.excluded_from_kv_delivery(company),
        dashboard_url=(
            dashboard.dashboard_url(current_app.config, system.provider, system.location_id)
            if system
            else None
        ),
        activate_form=ActivateForm(),
    )


def _attempt_rows(system: ReviewSystem | None) -> list[AttemptRow]:
    """Member view of the sync log: time and a plain Dutch result, no technical detail."""
    if system is None or system.provider is Provider.OTHER:
        return []
    return [
        AttemptRow(a.started_at, attempt_label(a.outcome), a.outcome == OK)
        for a in services.recent_attempts(system)
    ]
