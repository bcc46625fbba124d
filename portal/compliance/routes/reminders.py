"""Beheer > Criterium 2 > Herinneringen: bulk preview and send, editable templates."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.compliance import reminders, services
from portal.compliance.forms import TemplateForm
from portal.compliance.models import Reminder, ReminderBatch, ReminderTemplate
from portal.compliance.routes.blueprint import bp
from portal.core import concurrency, queues
from portal.core.access import require_user
from portal.core.db import utcnow
from portal.core.htmx import render
from portal.core.models import OutboxMessage, OutboxStatus
from portal.core.outbox import STATUS_LABELS as MAIL_STATUS_LABELS
from portal.core.paging import page_arg
from portal.core.responses import done
from portal.core.templating import AMSTERDAM
from portal.extensions import db, limiter
from portal.members.models import Company

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_SELECTION = 10_000
PREVIEW_ROWS = 200
SENT_PER_PAGE = 25
MAIL_WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)
MAIL_PROBLEM = (OutboxStatus.FAILED, OutboxStatus.UNKNOWN, OutboxStatus.CANCELLED)


def _sent_filters(templates: list[ReminderTemplate]) -> dict[str, tuple[str, Any]]:
    """The sent-reminders queue's filters: label and condition per choice ('' = all)."""
    filters = {
        "": (_("Alle herinneringen"), None),
        "wachtrij": (_("E-mail wacht op verzending"), OutboxMessage.status.in_(MAIL_WAITING)),
        "probleem": (
            _("E-mail mislukt, onzeker of geannuleerd"),
            OutboxMessage.status.in_(MAIL_PROBLEM),
        ),
        "medewerker": (_("Verstuurd door een medewerker"), ReminderBatch.source == "staff"),
        "automatisch": (_("Automatisch verstuurd"), ReminderBatch.source == "cron"),
    }
    for template in templates:
        filters[f"soort-{template.key}"] = (
            _("Soort: %(name)s", name=template.name),
            Reminder.kind == template.key,
        )
    return filters


@bp.get("/herinneringen")
def sent_reminders() -> ResponseReturnValue:
    """Every reminder sent to members: search, filter (mail status, who sent it, kind), sort.

    Newest first by default: it is the record of what went out, not a deadline queue (the
    members whose deadline comes first are on the overview, sorted by "termijn").
    """
    templates = reminders.ensure_templates(persist=False)
    filters = _sent_filters(templates)
    args = queues.QueueArgs.from_args(request.args, filters=filters, default_sort=queues.NEWEST)
    query = queues.apply(
        select(Reminder)
        .join(Company, Company.id == Reminder.company_id)
        .outerjoin(ReminderBatch, ReminderBatch.id == Reminder.batch_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == Reminder.outbox_message_id),
        args,
        search_columns=(
            Company.legal_name, Company.trade_name, Company.member_number, Reminder.subject,
        ),
        date_column=Reminder.sent_at,
        name_column=queues.company_name(Company),
        filters={key: condition for key, (_label, condition) in filters.items()},
    )  # fmt: skip
    page = db.paginate(query, page=page_arg(), per_page=SENT_PER_PAGE, error_out=False)
    company_ids = {r.company_id for r in page.items}
    batch_ids = {r.batch_id for r in page.items if r.batch_id}
    mail_ids = {r.outbox_message_id for r in page.items if r.outbox_message_id}
    companies = {
        c.id: c for c in db.session.scalars(select(Company).where(Company.id.in_(company_ids)))
    }
    sources = dict(
        db.session.execute(
            select(ReminderBatch.id, ReminderBatch.source).where(ReminderBatch.id.in_(batch_ids))
        )
        .tuples()
        .all()
    )
    mail = dict(
        db.session.execute(
            select(OutboxMessage.id, OutboxMessage.status).where(OutboxMessage.id.in_(mail_ids))
        )
        .tuples()
        .all()
    )
    return render(
        "compliance/reminders.html",
        "compliance/_reminders_results.html",
        target="reminders-results",
        sent=page,
        queue_args=args,
        filters={key: label for key, (label, _condition) in filters.items()},
        sorts=queues.SORTS,
        companies=companies,
        sources=sources,
        mail=mail,
        kinds={t.key: t.name for t in templates},
        mail_labels=MAIL_STATUS_LABELS,
        mail_problem=MAIL_PROBLEM,
    )


def _selected_ids() -> list[str]:
    """Public ids posted as checkboxes (`leden`) or as one comma-separated field."""
    raw = request.form.getlist("leden")
    joined = request.form.get("leden_ids", "")
    if joined:
        raw.extend(joined.split(","))
    ids = [v.strip() for v in raw[:MAX_SELECTION] if UUID_RE.match(v.strip())]
    return list(dict.fromkeys(ids))


def _selection(now: datetime) -> tuple[list[services.OverviewRow], services.Filters]:
    """The rows the staff member chose: ticked rows, or every row of the filter."""
    filters = services.parse_filters(request.form)
    if request.form.get("selectie") == "alle":
        return services.selected_rows(filters, now), filters
    wanted = set(_selected_ids())
    rows = [r for r in services.selected_rows(filters, now) if r.facts.public_id in wanted]
    if len(rows) < len(wanted):  # ticked rows that no longer match the filter still count
        known = {r.facts.public_id for r in rows}
        rows += [
            r
            for r in services.overview_rows(now)
            if r.facts.public_id in wanted and r.facts.public_id not in known
        ]
    return rows, filters


@bp.post("/herinneringen/voorbeeld")
def preview_reminders():
    """Show who gets which text (and who is skipped, and why) before anything is sent."""
    now = utcnow()
    rows, filters = _selection(now)
    kind = request.form.get("kind", "")
    try:
        template = reminders.template_by_key(kind)
    except services.ComplianceError:
        template = None
    if not rows or template is None:
        flash(
            _("Kies eerst een of meer leden en een soort herinnering.")
            if template is not None or not rows
            else _("Kies een soort herinnering."),
            "error",
        )
        return redirect(url_for("compliance.overview", **filters.args()), 303)
    planned = reminders.plan(rows, template, now=now)
    sending = [p for p in planned if not p.skip]
    today = now.astimezone(AMSTERDAM).date()
    samples = [reminders.render_for(template, p.row, today=today) for p in sending[:3]]
    db.session.commit()  # default templates created on first use
    return render_template(
        "compliance/preview.html",
        template=template,
        planned=planned[:PREVIEW_ROWS],
        planned_total=len(planned),
        sending=len(sending),
        skipped=len(planned) - len(sending),
        samples=samples,
        ids=",".join(r.facts.public_id for r in rows),
        filters=filters,
        skip_labels=reminders.SKIP_LABELS,
    )


@bp.post("/herinneringen/versturen")
@limiter.limit("30/hour", methods=["POST"])
def send_reminders():
    """Queue the reminders in the outbox; the interval rule is re-checked under a lock."""
    now = utcnow()
    filters = services.parse_filters(request.form)
    wanted = set(_selected_ids())
    rows = [r for r in services.overview_rows(now) if r.facts.public_id in wanted]
    try:
        template = reminders.template_by_key(request.form.get("kind", ""))
    except services.ComplianceError:
        abort(400)
    if not rows:
        flash(_("Er zijn geen leden geselecteerd."), "error")
        return redirect(url_for("compliance.overview", **filters.args()), 303)
    batch = reminders.send(rows, template, by=require_user(), now=now, source="staff")
    db.session.commit()
    flash(
        _(
            "%(sent)s herinneringen staan in de wachtrij; %(skipped)s leden overgeslagen.",
            sent=batch.sent,
            skipped=batch.skipped,
        ),
        "success",
    )
    return redirect(url_for("compliance.overview", **filters.args()), 303)


@bp.get("/herinneringen/teksten")
def templates():
    """The editable reminder texts."""
    items = reminders.ensure_templates(persist=False)
    return render_template(
        "compliance/templates.html",
        items=items,
        placeholders=reminders.PLACEHOLDERS,
    )


def _template_or_404(key: str) -> ReminderTemplate:
    for template in reminders.ensure_templates(persist=False):
        if template.key == key:
            return template
    abort(404)


def _template_page(
    template: ReminderTemplate, form: TemplateForm, status: int = 200
) -> ResponseReturnValue:
    sample = {name: f"[{name}]" for name in reminders.PLACEHOLDERS}
    return render(
        "compliance/template_edit.html",
        "compliance/_template_form.html",
        target="compliance-template-form",
        status=status,
        template=template,
        form=form,
        placeholders=reminders.PLACEHOLDERS,
        preview_subject=reminders.render_text(form.subject.data or "", sample),
        preview_body=reminders.render_text(form.body.data or "", sample),
    )


@bp.get("/herinneringen/teksten/<key>")
def edit_template(key: str) -> ResponseReturnValue:
    """Edit one reminder text."""
    template = _template_or_404(key)
    form = TemplateForm(obj=template)
    concurrency.stamp(form, template.version or 0, concurrency.obj_values(form, template))
    return _template_page(template, form)


@bp.post("/herinneringen/teksten/<key>")
def update_template(key: str) -> ResponseReturnValue:
    """Save the text; 409 after someone else's save, unknown placeholders are refused with 422."""
    template = _template_or_404(key)
    form = TemplateForm()
    status = 422
    if concurrency.is_stale(form, template.version or 0, concurrency.obj_values(form, template)):
        status = 409
    elif form.validate_on_submit():
        try:
            reminders.update_template(
                template,
                subject=form.subject.data or "",
                body=form.body.data or "",
                by=require_user(),
            )
            db.session.commit()
        except services.ComplianceError as exc:
            getattr(form, exc.field).errors = [exc.message]
        except (concurrency.StaleDataError, IntegrityError):  # saved (or first stored) meanwhile
            concurrency.conflict_after_race(form, lambda: _template_state(key, form))
            status = 409
        else:
            flash(_("De tekst is opgeslagen."), "success")
            return done(url_for("compliance.templates"))
    db.session.rollback()
    return _template_page(_template_or_404(key), form, status=status)


def _template_state(key: str, form: TemplateForm) -> tuple[int, dict[str, Any]]:
    """The stored template's version (0 while only the default exists) and values."""
    template = _template_or_404(key)
    return template.version or 0, concurrency.obj_values(form, template)
