"""Plain-language Spanish (translatable) messages for the answer errors of the questionnaire core.

``questionnaires`` reports problems as a stable ``code`` plus ``params`` (and an English message
for developers); officials read the sentences built here, next to the question and in the error
summary at the top of the page.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from questionnaires import AnswerError, Question, Questionnaire


def _label(options: tuple, value: Any, lang: str) -> str:
    for option in options:
        if str(option.value) == str(value):
            return option.label.get(lang)
    return str(value)


def _shown(value: Any) -> str:
    """A bound as people write it: dates as DD/MM/YYYY, decimals with a comma."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, float):
        return (f"{value:.2f}".rstrip("0").rstrip(".")).replace(".", ",")
    return str(value)


def _cell(question: Question, params: dict, lang: str) -> str:
    """«Row» or «Row / Column» for errors on one matrix cell; empty when not a cell."""
    if "row" not in params:
        return ""
    row = _label(question.rows, params["row"], lang)
    if "column" in params:
        return _("Fila «%(row)s», columna «%(column)s»: ", row=row,
                 column=_label(question.columns, params["column"], lang))
    return _("Fila «%(row)s»: ", row=row)


def _type_message(question: Question, expected: str) -> str:
    if question.type == "currency":
        return _("Escriba un monto en soles, solo con números, por ejemplo 1500 o 1500,50.")
    messages = {
        "integer": _("Escriba un número entero, sin decimales, por ejemplo 12."),
        "number": _("Escriba un número, por ejemplo 12 o 12,5."),
        "date": _("Escriba una fecha válida (día/mes/año), por ejemplo 15/03/2018."),
        "boolean": _("Elija Sí o No."),
        "option": _("Elija una de las opciones."),
        "list": _("Elija una o más de las opciones."),
        "text": _("Escriba un texto."),
        "object": _("Responda la tabla."),
    }
    return messages.get(expected, _("La respuesta no es válida."))


def _required(question: Question, params: dict, lang: str) -> str:
    if params.get("missing_rows"):
        rows = ", ".join(_label(question.rows, row, lang) for row in params["missing_rows"])
        return _("Responda todas las filas. Faltan: %(rows)s.", rows=rows)
    if params.get("missing_cells"):
        count = len(params["missing_cells"])
        return ngettext("Complete todas las celdas de la tabla (falta %(num)d; escriba 0 si no hubo casos).",
                        "Complete todas las celdas de la tabla (faltan %(num)d; escriba 0 si no hubo casos).",
                        count)
    if question.type in ("single_choice", "yes_no", "likert"):
        return _("Elija una respuesta.")
    if question.type == "multiple_choice":
        return _("Marque al menos una opción.")
    return _("Responda esta pregunta.")


def message(questionnaire: Questionnaire, error: AnswerError, lang: str = "es") -> str:
    """The sentence shown to an official for *error* (on a question of *questionnaire*)."""
    question = questionnaire.question(error.key)
    params = error.params or {}
    code = error.code
    prefix = _cell(question, params, lang)
    if code == "required":
        return _required(question, params, lang)
    if code == "evidence_required":
        return _("Adjunte al menos un documento de sustento (por ejemplo, la norma o el informe).")
    if code == "type":
        return prefix + _type_message(question, params.get("expected", ""))
    if code == "unknown_option":
        return prefix + _("Elija una de las opciones de la lista.")
    if code in ("min", "cell_min"):
        if question.type == "date":
            return _("La fecha debe ser el %(min)s o posterior.", min=_shown(params.get("min")))
        return prefix + _("El valor debe ser %(min)s o más.", min=_shown(params.get("min")))
    if code in ("max", "cell_max"):
        if question.type == "date":
            return _("La fecha debe ser el %(max)s o anterior.", max=_shown(params.get("max")))
        return prefix + _("El valor debe ser %(max)s o menos.", max=_shown(params.get("max")))
    if code == "min_selected":
        return ngettext("Marque al menos %(num)d opción.", "Marque al menos %(num)d opciones.", params.get("min", 1))
    if code == "max_selected":
        return ngettext("Marque como máximo %(num)d opción.", "Marque como máximo %(num)d opciones.",
                        params.get("max", 1))
    if code == "exclusive":
        return _("«%(option)s» no se puede marcar junto con otras opciones.",
                 option=_label(question.options, params.get("option"), lang))
    if code == "min_length":
        return _("Escriba al menos %(min)s caracteres (tiene %(length)s).", min=params.get("min_length"),
                 length=params.get("length"))
    if code == "max_length":
        return _("Escriba como máximo %(max)s caracteres (tiene %(length)s).", max=params.get("max_length"),
                 length=params.get("length"))
    if code == "pattern":
        return _("El texto no tiene el formato esperado.")
    if code == "max_ref":
        other = questionnaire.question(params["other"]).text.get(lang) if params.get("other") else ""
        return _("Es mayor que su respuesta a «%(other)s» (%(value)s). Revise si es correcto.",
                 other=other, value=_shown(params.get("other_value")))
    return prefix + _("La respuesta no es válida.")
