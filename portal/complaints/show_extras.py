"""What the complaint page needs for its later parts (attachments, …): forms, blank or failed."""

from __future__ import annotations

from typing import Any

from portal.complaints.forms_extra import AttachmentForm
from portal.complaints.models import Complaint


def context(complaint: Complaint, forms: dict[str, Any]) -> dict[str, Any]:
    """Template values for the later sections; a form that failed validation is shown again."""
    return {
        "attachment_form": forms.get("attachment_form") or AttachmentForm(formdata=None),
    }
