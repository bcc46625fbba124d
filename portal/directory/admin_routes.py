"""Beheer > Ledenzoeker: the admins' list of consumer words for trades (synonyms, compounds)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal.core import concurrency
from portal.core.access import require_user
from portal.core.security import admin_required
from portal.directory import synonyms
from portal.directory.forms import SearchWordsForm
from portal.extensions import db
from portal.members.models import Specialism

bp = Blueprint("directory_admin", __name__)


def _current() -> tuple[int, dict]:
    row = synonyms.current_list(db.session)
    return (row.version if row else 0), {"body": synonyms.current_body(db.session)}


def _page(form: SearchWordsForm, status: int = 200) -> ResponseReturnValue:
    names = sorted(db.session.scalars(db.select(Specialism.name).where(Specialism.active)))
    page = render_template("directory/search_words.html", form=form, specialisms=names)
    return page, status


@bp.get("/zoekwoorden")
@admin_required
def search_words():
    """The list of consumer words and the specialisms they stand for."""
    form = SearchWordsForm(data={"body": synonyms.current_body(db.session)})
    concurrency.stamp(form, *_current())
    return _page(form)


@bp.post("/zoekwoorden")
@admin_required
def save_search_words():
    """Save the list (audited); 422 with a message per bad line, 409 after someone else's save."""
    form = SearchWordsForm()
    if concurrency.is_stale(form, *_current()):
        return _page(form, 409)
    if form.validate_on_submit():
        known = set(db.session.scalars(db.select(Specialism.name).where(Specialism.active)))
        _rules, errors = synonyms.parse(form.body.data or "", known)
        if errors:
            form.body.errors = list(form.body.errors) + errors
            return _page(form, 422)
        try:
            changed = synonyms.save(db.session, form.body.data or "", by=require_user())
            db.session.commit()
        except (concurrency.StaleDataError, IntegrityError):  # saved or created meanwhile
            concurrency.conflict_after_race(form, _current)
            return _page(form, 409)
        flash(_("De zoekwoorden zijn opgeslagen.") if changed else _("Er is niets gewijzigd."),
              "success")  # fmt: skip
        return redirect(url_for("directory_admin.search_words"), 303)
    return _page(form, 422)
