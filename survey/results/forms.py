"""The forms that request a workbook and the writers' documents (annex, fact sheets)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField


class ExportForm(FlaskForm):
    """Language of the workbook, optionally a round to compare with, and whether to count verified answers only."""

    lang = SelectField(_l("Idioma del libro"), default="es",
                       choices=[SelectChoice("es", _l("Español")), SelectChoice("en", _l("Inglés"))])
    compare = SelectField(_l("Comparar con la ronda"), coerce=int, default=0,
                          description=_l("Añade la hoja Comparativo con las preguntas que ambas rondas comparten."))
    verified_only = BooleanField(_l("Solo respuestas verificadas"),
                                 description=_l("Los índices y las cifras por pregunta cuentan solo las respuestas "
                                                "que el equipo verificó; las hojas de respuestas siguen listando "
                                                "todas, con su verificación."))


#: the fact sheets' region off the list (unknown, not a number, or outside the user's scope): one message
#: that says what to do, instead of WTForms' bare "invalid choice"
REGION_OFF_THE_LIST = _l("Elija una región de la lista: solo puede pedir las fichas de sus regiones.")


class DocumentForm(FlaskForm):
    """Which document (annex as Word or PDF, fact sheets), its language, a round to compare with and, for
    fact sheets, one region or all of them."""

    kind = SelectField(_l("Documento"), choices=[SelectChoice("annex_docx", _l("Anexo (Word)")),
                                                 SelectChoice("annex_pdf", _l("Anexo (PDF)")),
                                                 SelectChoice("factsheets", _l("Fichas regionales (PDF)"))],
                       default="annex_docx")
    lang = SelectField(_l("Idioma del documento"),
                       choices=[SelectChoice("es", _l("Español")), SelectChoice("en", _l("Inglés"))], default="es")
    compare = SelectField(_l("Comparar con la ronda"), coerce=int, default=0,
                          description=_l("Sin elegir una, se compara con la ronda anterior del mismo cuestionario."))
    region = SelectField(_l("Región de las fichas"), coerce=int, default=0,
                         invalid_choice_message=REGION_OFF_THE_LIST, invalid_value_message=REGION_OFF_THE_LIST,
                         description=_l("Solo para las fichas: todas las regiones en un PDF, o la de una región."))


class EvidenceForm(FlaskForm):
    """The ZIP of the round's supporting documents: nothing to choose (a coordinator's holds their regions)."""
