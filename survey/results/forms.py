"""The form that requests a workbook."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField


class ExportForm(FlaskForm):
    """Language of the workbook and, optionally, a round to compare with."""

    lang = SelectField(_l("Idioma del libro"), choices=[SelectChoice("es", _l("Español")), SelectChoice("en", _l("Inglés"))], default="es")
    compare = SelectField(_l("Comparar con la ronda"), coerce=int, default=0,
                          description=_l("Añade la hoja Comparativo con las preguntas que ambas rondas comparten."))
