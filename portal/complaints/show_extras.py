"""What the complaint page needs for its later parts (attachments, solutions, …): forms, blank
or as they failed validation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

from portal.complaints import services, solutions
from portal.complaints.forms_extra import AttachmentForm, SolutionForm
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
    return {
        "attachment_form": forms.get("attachment_form") or AttachmentForm(formdata=None),
        "solution_form": solution_form,
        "solution_label": solutions.label,
    }
