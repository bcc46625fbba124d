"""Mijn profiel > Beoordelingen, the changes: request the included Klantenvertellen, link an
account, report another system, cancel a switch, unlink (the company beheerder only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from portal.core import concurrency
from portal.core.access import current_company, require_user
from portal.core.forms import EmptyForm
from portal.core.htmx import render
from portal.core.logs import security_event
from portal.core.responses import done
from portal.core.security import get_owned_or_404
from portal.extensions import db, limiter
from portal.reviews import services, switching
from portal.reviews.forms import ActivateForm, LinkForm, OtherSystemForm
from portal.reviews.models import Provider, ReviewSystem, SystemStatus
from portal.reviews.routes.blueprint import beheerder_only, bp

if TYPE_CHECKING:
    from portal.members.models import Company


def _company_key() -> str:
    return f"company:{getattr(current_user, 'company_id', '')}"


def _provider_called(response: Response) -> bool:
    """Only a live provider check counts towards the per-company limit."""
    return bool(g.get("provider_called"))


@bp.get("/activeren")
@beheerder_only
def activate_confirm():
    """Confirmation page for requesting the included Klantenvertellen."""
    company = current_company()
    return _activate_page(ActivateForm(), company)


@bp.post("/activeren")
@beheerder_only
def activate():
    """Request the included Klantenvertellen (status aangevraagd)."""
    company = current_company()
    form = ActivateForm()
    current = services.current_system(company)
    form.needs_confirm = current is not None and not services.is_included_live(current)
    if form.validate_on_submit():
        try:
            services.activate_included(company, by=require_user())
        except services.ReviewSystemError as exc:
            flash(exc.message, "warning")
            return redirect(url_for("reviews.show"), 303)
        db.session.commit()
        flash(_("Klantenvertellen is aangevraagd. U krijgt binnen 2 tot 3 weken toegang."))
        return done(url_for("reviews.show"))
    return _activate_page(form, company, status=422)


def _activate_page(form: ActivateForm, company: Company, status: int = 200) -> ResponseReturnValue:
    return render(
        "reviews/activate.html",
        "reviews/_activate_form.html",
        target="review-activate-form",
        status=status,
        form=form,
        current=services.current_system(company),
        switch_waits=_switch_waits(company),
    )


def _current_state(company):
    """(version, shown values) of the company's current system, for the link and other forms.

    Both forms replace the current system, so they carry its identity and what the page shows of
    it: a save from a page that showed another current system (or none, or another status) is
    refused with 409. Not the row's version: background jobs (review sync, secret rotation) move
    it without changing anything these forms show. The replacing write still runs under the
    version of the row read in the request (`_held`).
    """
    system = services.current_system(company)
    pending = services.pending_system(company)
    label = _("Huidig beoordelingssysteem")
    if system is None and pending is None:
        return concurrency.combined_version(None), {label: ""}
    shown = f"{_label(system)} ({system.status.value})" if system else ""
    values = {label: shown}
    if pending is not None:
        values[_("Aangevraagd systeem")] = f"{_label(pending)} ({pending.status.value})"
    ids = (system.public_id if system else "", pending.public_id if pending else "")
    return concurrency.combined_version(*ids, *values.values()), values


def _replay_or_conflict(form: FlaskForm, company: Company) -> tuple[str | None, bool]:
    """(URL of a repeated submit's first result, whether the page the form came from is stale)."""
    earlier = concurrency.earlier_result()
    if earlier is not None:
        return earlier, False
    return None, concurrency.is_stale(form, *_current_state(company))


@bp.get("/koppelen")
@beheerder_only
def link_form():
    """Form to link an existing Klantenvertellen, Kiyoh or Feedback Company account."""
    company = current_company()
    form = LinkForm(data={"provider": request.args.get("platform", Provider.KIYOH.value)})
    concurrency.stamp(form, *_current_state(company))
    return _link_page(form, company)


@bp.post("/koppelen")
@limiter.limit("10/hour", key_func=_company_key, methods=["POST"], deduct_when=_provider_called)
@beheerder_only
def link():
    """Check the credentials live once, then save (verified or unchecked) or explain the failure."""
    company = current_company()
    form = LinkForm()
    _held = services.current_system(company)  # replaced under the version read here
    earlier, stale = _replay_or_conflict(form, company)
    if earlier is not None:
        return done(earlier)
    if stale:
        return _link_page(form, company, status=409)
    form.needs_confirm = _switching(company, form)
    problems: list[str] = []
    if form.validate_on_submit():
        g.provider_called = True
        try:
            url = concurrency.create_once(lambda: _link(company, form, problems))
        except (concurrency.StaleDataError, IntegrityError):  # another link won the race
            concurrency.conflict_after_race(form, lambda: _current_state(company))
            return _link_page(form, company, status=409)
        if url is not None:
            return done(url)
    return _link_page(form, company, problem="".join(problems), status=422)


def _link(company: Company, form: LinkForm, problems: list[str]) -> str | None:
    """The service call of `link`: the review page's URL, or None with the error attached."""
    token, feed_hash = form.publication_secrets()
    try:
        result = services.link_provider(
            company,
            provider=Provider(form.provider.data),
            location_id=form.location_id.data or "",
            token=token,
            feed_hash=feed_hash,
            client_id=form.client_id.data or "",
            client_secret=form.client_secret.data or "",
            by=require_user(),
        )
    except services.ReviewSystemError as exc:
        problems.append(_attach_error(form, exc))
        return None
    flash(result.message, "success" if result.checked else "warning")
    return url_for("reviews.show")


def _switching(company: Company, form: LinkForm) -> bool:
    """A new link ends the current system, unless it re-enters the same link's credentials."""
    current = services.current_system(company)
    if current is None:
        return False
    same_id = form.location_id.data or form.client_id.data or ""
    return not (
        current.provider.value == form.provider.data
        and current.location_id == (same_id or "").strip()
        and not current.included
    )


def _attach_error(form: FlaskForm, exc: services.ReviewSystemError) -> str:
    """Put a service error on its field; errors without a field show above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        return exc.message
    field.errors = [*field.errors, exc.message]
    return ""


def _link_page(
    form: LinkForm, company: Company, *, problem: str = "", status: int = 200
) -> ResponseReturnValue:
    return render(
        "reviews/link.html",
        "reviews/_link_form.html",
        target="review-link-form",
        status=status,
        form=form,
        problem=problem,
        current=services.current_system(company),
    )


def _switch_waits(company: Company) -> bool:
    """True when a request would wait next to the working current system (reviews.switching)."""
    current = services.current_system(company)
    return current is not None and current.status in switching.KEEP_DURING_SWITCH


@bp.get("/ander-systeem")
@beheerder_only
def other_form():
    """Form to report another review system for assessment."""
    company = current_company()
    form = OtherSystemForm()
    concurrency.stamp(form, *_current_state(company))
    return _other_page(form, company)


@bp.post("/ander-systeem")
@beheerder_only
def other():
    """Save another system as 'in beoordeling' (optional evidence, checked by content)."""
    company = current_company()
    form = OtherSystemForm()
    _held = services.current_system(company)  # replaced under the version read here
    earlier, stale = _replay_or_conflict(form, company)
    if earlier is not None:
        return done(earlier)
    if stale:
        return _other_page(form, company, status=409)
    form.needs_confirm = services.current_system(company) is not None
    if form.validate_on_submit():
        try:
            url = concurrency.create_once(lambda: _submit_other(company, form))
        except (concurrency.StaleDataError, IntegrityError):  # another system won the race
            concurrency.conflict_after_race(form, lambda: _current_state(company))
            return _other_page(form, company, status=409)
        return done(url)
    if form.evidence.errors:
        security_event("upload_rejected", endpoint=request.endpoint, company=company.id)
    return _other_page(form, company, status=422)


def _submit_other(company: Company, form: OtherSystemForm) -> str:
    """The service call of `other`: the review page's URL."""
    services.submit_other_system(
        company,
        name=form.name.data or "",
        url=form.url.data or "",
        description=form.description.data or "",
        evidence=form.evidence_payload,
        by=require_user(),
    )
    flash(_("Uw systeem is doorgestuurd naar ledenservice en staat op ‘in beoordeling’."))
    return url_for("reviews.show")


def _other_page(form: OtherSystemForm, company: Company, status: int = 200) -> ResponseReturnValue:
    return render(
        "reviews/other.html",
        "reviews/_other_form.html",
        target="review-other-form",
        status=status,
        form=form,
        current=services.current_system(company),
        switch_waits=_switch_waits(company),
    )


@bp.post("/overstap-annuleren")
@beheerder_only
def cancel_switch():
    """Withdraw a requested switch; the current system stays as it is."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("reviews.show"), 303)
    try:
        cancelled = switching.cancel_pending(current_company(), by=require_user())
    except services.ReviewSystemError as exc:
        flash(exc.message, "warning")
    else:
        db.session.commit()
        flash(_("Uw aanvraag voor %(name)s is geannuleerd.", name=_label(cancelled)))
    return redirect(url_for("reviews.show"), 303)


@bp.get("/ontkoppelen/<system_id>")
@beheerder_only
def unlink_confirm(system_id: str) -> ResponseReturnValue:
    """Confirmation page before ending the current system."""
    system = _current_owned(system_id)
    if system is None:
        return redirect(url_for("reviews.show"), 303)
    return render_template("reviews/unlink.html", system=system, form=EmptyForm())


@bp.post("/ontkoppelen/<system_id>")
@beheerder_only
def unlink(system_id: str) -> ResponseReturnValue:
    """End the current system; it stays in the history."""
    system = _current_owned(system_id)
    form = EmptyForm()
    if system is None:
        return redirect(url_for("reviews.show"), 303)
    if not form.validate_on_submit():
        return render_template("reviews/unlink.html", system=system, form=form), 422
    services.end_current_system(current_company(), by=require_user())
    db.session.commit()
    flash(
        _("%(name)s is ontkoppeld. U heeft nu geen klantbeoordelingssysteem.", name=_label(system))
    )
    return redirect(url_for("reviews.show"), 303)


def _current_owned(system_id: str) -> ReviewSystem | None:
    """The company's own system (404 otherwise); None with a notice when it already ended.

    :raises NotFound: unknown id or another company's system.
    """
    system = get_owned_or_404(ReviewSystem, system_id)
    if not system.is_current or system.status is SystemStatus.ENDED:
        flash(_("Dit beoordelingssysteem is al beëindigd."), "warning")
        return None
    return system


def _label(system: ReviewSystem) -> str:
    return system.other_name if system.provider is Provider.OTHER else system.provider_label
