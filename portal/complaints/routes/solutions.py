"""Solutions offered to the customer on a complaint, and the customer's choice."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.complaints import services, solutions
from portal.complaints.forms_extra import SolutionForm
from portal.complaints.models import Complaint
from portal.complaints.models_extra import ComplaintSolution
from portal.complaints.routes.blueprint import bp
from portal.complaints.routes.cases import show_page
from portal.complaints.services import ComplaintError
from portal.complaints.show_extras import compensation_choices
from portal.core import concurrency
from portal.core.access import require_user
from portal.core.db import utcnow
from portal.core.forms import EmptyForm
from portal.core.security import get_owned_or_404
from portal.extensions import db


@bp.post("/<public_id>/oplossingen")
def solution_add(public_id: str) -> ResponseReturnValue:
    """Record a solution offered to the customer; 422 with a Dutch reason when it is empty."""
    complaint = get_owned_or_404(Complaint, public_id)
    form = SolutionForm()
    offered = {
        c.name: c for c in solutions.compensations_of(services.policy_for(complaint.company))
    }
    form.compensation.choices = compensation_choices(offered.values())
    if not form.validate_on_submit():
        return show_page(complaint, status=422, solution_form=form)

    def create() -> str | None:
        try:
            solutions.add_option(
                complaint,
                form.solution_text.data or "",
                offered.get(form.compensation.data or ""),
                by=require_user(),
            )
        except ComplaintError as exc:
            form.solution_text.errors = [str(exc)]
            return None
        flash(_("Oplossing vastgelegd."))
        return url_for("complaints.show", public_id=complaint.public_id, _anchor="solutions-title")

    url = concurrency.create_once(create)
    if url is None:
        return show_page(complaint, status=422, solution_form=form)
    return redirect(url, 303)


@bp.post("/oplossingen/<public_id>/kiezen")
def solution_choose(public_id: str) -> ResponseReturnValue:
    """Record that the customer chose this solution (its amount goes into the costs)."""
    option = get_owned_or_404(ComplaintSolution, public_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    solutions.choose(option, by=require_user(), now=utcnow())
    db.session.commit()
    flash(_("Keuze van de klant vastgelegd."))
    return redirect(
        url_for("complaints.show", public_id=option.complaint.public_id, _anchor="solutions-title"),
        303,
    )
