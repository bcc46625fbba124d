"""Public pages that belong to no feature: the home page."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    """Entry page: consumers to the ledenzoeker, members and staff to their area."""
    if current_user.is_authenticated:
        return redirect(
            url_for("staff_members.index" if current_user.is_staff else "profile.dashboard")
        )
    return render_template("home.html")
