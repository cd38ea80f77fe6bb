"""Forms of the personal-data page (CSRF only, plus the erasure's confirmation)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class ExportForm(FlaskForm):
    """Download everything held about the person."""


class EraseForm(FlaskForm):
    """Erase the person: staff must tick that it cannot be undone."""

    confirm = BooleanField(
        _l("Entiendo que la eliminación no se puede deshacer."),
        validators=[DataRequired(_l("Marque la casilla para confirmar la eliminación."))],
    )
