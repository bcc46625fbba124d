"""Beheer > Instellingen and Vakgebieden (admin only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.admin import specialisms as specialism_services
from portal.admin.forms import EditSpecialismForm, NewSpecialismForm, SettingsForm
from portal.admin.routes.blueprint import bp
from portal.admin.specialisms import SpecialismError
from portal.core import concurrency
from portal.core.access import require_user
from portal.core.security import admin_required
from portal.core.settings import (
    DEFINITIONS,
    all_settings,
    settings_version,
    stored_settings,
    update_settings,
)
from portal.extensions import db
from portal.members.models import Specialism


@bp.get("/instellingen")
@admin_required
def settings():
    """Publication minimum, deadline period, reminder interval and signal thresholds."""
    form = SettingsForm(data=all_settings())
    concurrency.stamp(form, settings_version(), all_settings())
    return render_template("admin/settings.html", form=form, definitions=DEFINITIONS)


def _reload_settings():
    return settings_version(), all_settings()


@bp.post("/instellingen")
@admin_required
def save_settings():
    """Save the settings (audited); 409 after someone else's save, 422 with the errors otherwise."""
    form = SettingsForm()
    status = 422
    rows = stored_settings()  # held while saving: the UPDATEs check the versions read here
    if concurrency.is_stale(form, settings_version(rows), all_settings()):
        status = 409
    elif form.validate_on_submit():
        try:
            update_settings({name: form[name].data for name in DEFINITIONS}, by=require_user())
            db.session.commit()
        except (concurrency.StaleDataError, IntegrityError):  # a row changed or appeared meanwhile
            concurrency.conflict_after_race(form, _reload_settings)
            status = 409
        else:
            flash(_("De instellingen zijn opgeslagen."), "success")
            return redirect(url_for("admin.settings"), 303)
    return render_template("admin/settings.html", form=form, definitions=DEFINITIONS), status


def _specialisms_page(form: NewSpecialismForm, status: int = 200) -> ResponseReturnValue:
    items = db.session.scalars(select(Specialism).order_by(Specialism.name)).all()
    return render_template("admin/specialisms.html", form=form, items=items), status


@bp.get("/vakgebieden")
@admin_required
def specialisms():
    """The managed list of specialisms, with a form to add one."""
    return _specialisms_page(NewSpecialismForm())


@bp.post("/vakgebieden")
@admin_required
def add_specialism():
    """Add a specialism (once per form key); 422 when the name is empty or taken."""
    form = NewSpecialismForm()
    if form.validate_on_submit():
        url = concurrency.create_once(lambda: _add_specialism(form))
        if url is not None:
            return redirect(url, 303)
    return _specialisms_page(form, 422)


def _add_specialism(form: NewSpecialismForm) -> str | None:
    """The service call of `add_specialism`: the list's URL, or None with the field error."""
    try:
        specialism_services.add_specialism(
            form.name.data or "", active=form.active.data, by=require_user()
        )
    except SpecialismError as exc:
        form.name.errors = [exc.message]
        return None
    flash(_("Vakgebied %(name)s is toegevoegd.", name=form.name.data), "success")
    return url_for("admin.specialisms")


def _specialism_or_404(slug: str) -> Specialism:
    item = db.session.scalars(select(Specialism).where(Specialism.slug == slug)).first()
    if item is None:
        abort(404)
    return item


@bp.get("/vakgebieden/<slug>")
@admin_required
def edit_specialism(slug: str) -> ResponseReturnValue:
    """Rename or switch off one specialism."""
    item = _specialism_or_404(slug)
    form = EditSpecialismForm(obj=item)
    concurrency.stamp(form, item.version, concurrency.obj_values(form, item))
    return render_template("admin/specialism_edit.html", form=form, item=item)


@bp.post("/vakgebieden/<slug>")
@admin_required
def update_specialism(slug: str) -> ResponseReturnValue:
    """Save the specialism (audited); 409 after someone else's save, 422 on invalid input."""
    item = _specialism_or_404(slug)
    form = EditSpecialismForm()
    status = 422
    if concurrency.is_stale(form, item.version, concurrency.obj_values(form, item)):
        status = 409
    elif form.validate_on_submit():
        try:
            specialism_services.update_specialism(
                item, name=form.name.data or "", active=form.active.data, by=require_user()
            )
            db.session.commit()
        except SpecialismError as exc:
            form.name.errors = [exc.message]
        except concurrency.StaleDataError:
            values = concurrency.reloader(item, lambda s: concurrency.obj_values(form, s))
            concurrency.conflict_after_race(form, values)
            status = 409
        else:
            flash(_("Vakgebied %(name)s is opgeslagen.", name=item.name), "success")
            return redirect(url_for("admin.specialisms"), 303)
    return render_template("admin/specialism_edit.html", form=form, item=item), status
