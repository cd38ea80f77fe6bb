"""Showing definition problems next to the form fields they concern, in the user's language."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

import questionnaires

#: Problem codes of questionnaires.load, explained for people who are not programmers.
MESSAGES = {
    "missing": _l("Falta este dato."),
    "missing_es": _l("Falta el texto en español."),
    "bad_key": _l("La clave debe empezar con una letra minúscula y usar solo minúsculas, números y _ (sin espacios "
                  "ni tildes)."),
    "duplicate_key": _l("Esta clave ya se usa en otra parte del cuestionario."),
    "duplicate_value": _l("Hay un valor repetido."),
    "wrong_type": _l("El dato no tiene la forma esperada."),
    "unknown_field": _l("Este dato no se admite aquí."),
    "bad_value": _l("Valor no válido."),
    "no_options": _l("Una pregunta de opciones necesita al menos una opción."),
    "not_applicable": _l("Este dato no corresponde al tipo de pregunta."),
    "min_gt_max": _l("El mínimo es mayor que el máximo."),
    "bad_pattern": _l("El patrón no es una expresión regular válida."),
    "unknown_type": _l("Tipo de pregunta desconocido."),
    "unknown_option": _l("El valor no es una de las opciones de la pregunta."),
    "bad_max_ref": _l("El máximo debe referirse a una pregunta numérica anterior."),
    "bad_condition": _l("La condición no es válida para esa pregunta."),
    "forward_reference": _l("La condición solo puede usar preguntas anteriores a esta."),
    "circular": _l("Una pregunta no puede depender de sí misma."),
    "unknown_question": _l("La condición usa una pregunta que no existe."),
    "selected_not_multiple": _l("«incluye» solo sirve con preguntas de opción múltiple."),
    "bad_score": _l("Puntaje no válido."),
    "bad_method": _l("El método de puntaje no corresponde a este tipo de pregunta."),
    "unscorable_type": _l("Este tipo de pregunta no se puede puntuar."),
    "score_without_axis": _l("Una pregunta con puntaje debe estar en una sección asignada a un eje."),
    "unknown_axis": _l("El eje no pertenece al marco del cuestionario."),
    "unknown_framework": _l("Marco desconocido."),
    "empty": _l("La lista está vacía."),
    "audience_conflict": _l("La pregunta no puede dirigirse a otro tipo de participante que su sección: puede "
                            "limitar los destinatarios de la sección, no contradecirlos."),
    "audience_reference": _l("Esta pregunta depende de otra que parte de sus destinatarios nunca responde "
                             "(está dirigida solo al Estado o solo a la sociedad civil)."),
    "parse_error": _l("El archivo no se pudo leer."),
}

#: XLSForm problems with a code (questionnaires.xlsform), in the user's language; the others keep their text.
XLSFORM_MESSAGES = {
    "framework_unknown_axes": _l("Ningún marco incorporado tiene los ejes %(axes)s. Agregue a la hoja settings una "
                                 "columna «framework» con uno de estos valores: %(frameworks)s; o el JSON de un "
                                 "marco propio."),
}

#: First segment of a question problem's place -> form field; score and show_if parts get their own fields.
QUESTION_FIELDS = {
    "key": "key", "type": "type", "text": "text", "help": "help", "required": "required", "options": "options",
    "rows": "rows", "columns": "columns", "cell_type": "cell_type", "cell_min": "cell_min", "cell_max": "cell_max",
    "min": "min", "max": "max", "pattern": "pattern", "decimals": "decimals", "currency": "currency",
    "max_ref": "max_ref", "exclusive_options": "exclusive_options", "show_if": "show_if", "audience": "audience",
    "evidence": "evidence",
}
SCORE_FIELDS = {
    "weight": "score_weight", "method": "score_method", "if_hidden": "score_if_hidden", "points": "score_points",
    "exclude_values": "score_exclude_values", "cap": "score_cap", "exclude_options": "score_exclude_options",
    "thresholds": "score_thresholds", "denominator": "score_denominator",
    "on_zero_denominator": "score_on_zero", "column_points": "score_column_points",
}
SECTION_FIELDS = {"key": "key", "title": "title", "description": "description", "axis": "axis",
                  "audience": "audience"}
HEADER_FIELDS = {"key": "key", "title": "title", "description": "description", "framework": "framework"}


@dataclass(frozen=True)
class Shown:
    """A problem ready for a page: a sentence in the user's language, the technical detail and its place."""

    message: str
    detail: str
    place: str = ""


@dataclass
class Placed:
    """Problems sorted into form fields, plus the ones that belong elsewhere in the questionnaire."""

    fields: dict[str, list[Shown]] = field(default_factory=dict)
    other: list[Shown] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.other)

    def add(self, name: str, message: str, detail: str = "") -> None:
        """Attach a message to form field *name*."""
        self.fields.setdefault(name, []).append(Shown(str(message), detail))


def explain(problem: questionnaires.Problem) -> Shown:
    """Turn one load problem into a Spanish (or English) sentence plus its English detail."""
    message = MESSAGES.get(problem.code)
    return Shown(str(message) if message else problem.message, problem.message, problem.place)


def _segment(name: str) -> str:
    return re.sub(r"\[\d+\]$", "", name)


def place_problems(problems: list[questionnaires.Problem], prefixes: list[str],
                   names: dict[str, str]) -> Placed:
    """Attach each problem whose place starts with one of *prefixes* to a field through *names*.

    An empty prefix means the top level of the document (places without a section).
    """
    placed = Placed()
    for problem in problems:
        shown = explain(problem)
        target = None
        for prefix in prefixes:
            if prefix == "" and not problem.place.startswith("sections"):
                rest = problem.place
            elif prefix and (problem.place == prefix or problem.place.startswith(prefix + " / ")):
                rest = problem.place[len(prefix) + 3:]
            else:
                continue
            parts = [_segment(part) for part in rest.split(" / ")] if rest else [""]
            if parts[0] == "score" and names is QUESTION_FIELDS:
                target = SCORE_FIELDS.get(parts[1], "score_method") if len(parts) > 1 else "score_method"
            else:
                target = names.get(parts[0])
            break
        if target is None:
            placed.other.append(shown)
        else:
            placed.fields.setdefault(target, []).append(shown)
    return placed
