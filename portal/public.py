"""Public pages that belong to no feature: the home page."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from portal.config import ReviewSettings
from portal.core.settings import publication_min
from portal.directory.services import listed_count
from portal.extensions import db

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    """Entry page: a ledenzoeker search box and how scores are shown; members and staff go to
    their own area."""
    if current_user.is_authenticated:
        return redirect(
            url_for("staff_members.index" if current_user.is_staff else "profile.dashboard")
        )
    return render_template(
        "home.html",
        listed=listed_count(db.session),
        min_count=publication_min(),
        max_age_days=ReviewSettings.of().max_age_days,
    )
