"""Forms of the member-register import: the upload and the confirmation (CSRF only)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class RegisterUploadForm(FlaskForm):
    """Upload of the association's register export (.csv or .xlsx)."""

    file = FileField(
        _l("Bestand met het ledenregister"),
        validators=[
            FileRequired(_l("Kies een bestand.")),
            FileAllowed(["csv", "xlsx"], _l("Kies een CSV-bestand of een Excel-bestand (.xlsx).")),
        ],
    )


class ConfirmImportForm(FlaskForm):
    """Confirmation of a previewed import; only carries the CSRF token."""
