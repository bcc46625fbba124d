"""What the complaint page needs for its later parts (attachments, solutions, actions): forms,
blank or as they failed validation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user

from portal.complaints import actions, escalation, services, solutions
from portal.complaints.forms_extra import (
    AttachmentForm,
    EscalationForm,
    ImprovementForm,
    SolutionForm,
)
from portal.complaints.models import Complaint


def compensation_choices(offered: Iterable[solutions.Compensation]) -> list[tuple[str, str]]:
    """Select options for the company's standard compensations (the value is the name)."""
    choices = [("", _("— geen —"))]
    for item in offered:
        amount = f" (€ {item.amount:.2f})".replace(".", ",") if item.amount is not None else ""
        choices.append((item.name, f"{item.name}{amount}"))
    return choices


def context(complaint: Complaint, forms: dict[str, Any]) -> dict[str, Any]:
    """Template values for the later sections; a form that failed validation is shown again."""
    solution_form = forms.get("solution_form") or SolutionForm(formdata=None)
    policy = services.policy_for(complaint.company)
    solution_form.compensation.choices = compensation_choices(solutions.compensations_of(policy))
    from portal.complaints.queries import colleagues

    people = colleagues(complaint.company_id)
    improvement_form = forms.get("improvement_form") or ImprovementForm(formdata=None)
    improvement_form.action_owner.choices = [("", _("— niemand —"))] + [
        (u.public_id, u.name) for u in people
    ]
    escalation_form = forms.get("escalation_form") or EscalationForm(formdata=None)
    escalation_form.superior.choices = escalation.superiors(complaint, people, me=current_user)
    if not escalation_form.superior.data and escalation_form.superior.choices:
        escalation_form.superior.data = escalation_form.superior.choices[0][0]  # coordinator first
    return {
        "escalation_form": escalation_form,
        "last_escalation": escalation.last_escalation(complaint),
        "improvement_form": improvement_form,
        "action_kind_labels": actions.KIND_LABELS,
        "attachment_form": forms.get("attachment_form") or AttachmentForm(formdata=None),
        "solution_form": solution_form,
        "solution_label": solutions.label,
    }
