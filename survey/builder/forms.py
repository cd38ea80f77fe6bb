"""The question form: submitted fields to a question document and back.

Only the fields that apply to the chosen type are read, so switching a question from
``integer`` to ``text`` does not leave an inapplicable ``max_ref`` behind. Informational keys
the form does not show (``pnat_link``, ``x_*``...) are carried over from the saved question.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from questionnaires.conditions import LEAF_OPERATORS
from questionnaires.load_question import COMMON_FIELDS, TYPE_FIELDS
from questionnaires.load_score import METHOD_FIELDS
from survey.builder import editing
from survey.builder import fields as f
from survey.builder.condition_text import (
    ConditionSyntaxError,
    coerce,
    format_condition,
    parse_condition_text,
)
from survey.builder.problems import Placed

_TYPE_NAMES = tuple(dict.fromkeys(name for names in TYPE_FIELDS.values() for name in names))
MANAGED = set(COMMON_FIELDS) | set(_TYPE_NAMES)
INTEGER_BOUNDS = ("integer", "likert")
COUNT_BOUNDS = ("multiple_choice", "text", "long_text")
NUMBER_BOUNDS = ("decimal", "currency")
#: the weight of a scored question when the form leaves it empty (and what the form shows at first)
DEFAULT_WEIGHT = 1


def _applicable(qtype: str, cell_type: str) -> tuple[str, ...]:
    names = TYPE_FIELDS.get(qtype, ())
    if qtype == "matrix":
        drop = ("columns", "cell_min", "cell_max") if cell_type != "integer" else ("options",)
        names = tuple(name for name in names if name not in drop)
    return names


def parse_question(form: Mapping[str, str], existing: Mapping | None, targets: dict[str, dict]) -> tuple[dict, Placed]:
    """Build a question document from *form*; *targets* are the earlier questions (key -> document).

    Returns the document and the problems found while reading the fields (the document is only
    worth checking with ``questionnaires.load`` when there are none).
    """
    placed = Placed()
    existing = existing or {}
    qtype = f.value(form, "type")
    cell_type = f.value(form, "cell_type")
    doc: dict[str, Any] = {}
    # An empty key or type is left out, so load reports it as missing rather than malformed.
    if key := f.limit(form, "key", 64, placed, "key"):
        doc["key"] = key
    if qtype:
        doc["type"] = qtype
    text = f.bilingual(form, "text", f.TEXT, placed)
    if text is not None:
        doc["text"] = text
    help_text = f.bilingual(form, "help", f.LONG, placed)
    if help_text is not None:
        doc["help"] = help_text
    if form.get("required"):
        doc["required"] = True
    if audience := f.value(form, "audience"):
        doc["audience"] = audience
    if evidence := f.value(form, "evidence"):
        doc["evidence"] = evidence
    names = _applicable(qtype, cell_type)
    known = [option.get("value") for option in existing.get("options") or []]
    for name in ("options", "rows", "columns"):
        if name in names:
            old = [item.get("value") for item in existing.get(name) or []]
            items = f.read_options(form, name, placed, old, integers=qtype == "likert" and name == "options")
            if items is not None:
                doc[name] = items
    values = [option["value"] for option in doc.get("options", [])] or known
    if "cell_type" in names and cell_type:
        doc["cell_type"] = cell_type
    for name in ("cell_min", "cell_max"):
        if name in names and (number := f.read_number(form, name, placed, integer=True)) is not None:
            doc[name] = number
    for name in ("min", "max"):
        if name in names and (bound := _bound(form, name, qtype, placed)) is not None:
            doc[name] = bound
    if "pattern" in names and (pattern := f.limit(form, "pattern", 500, placed, "pattern")):
        doc["pattern"] = pattern
    if "decimals" in names and (decimals := f.read_number(form, "decimals", placed, integer=True)) is not None:
        doc["decimals"] = decimals
    if "currency" in names and (currency := f.value(form, "currency").upper()):
        doc["currency"] = currency
    if "max_ref" in names and (max_ref := f.value(form, "max_ref")):
        doc["max_ref"] = max_ref
    if "exclusive_options" in names and (exclusive := f.read_list(form, "exclusive_options", values)):
        doc["exclusive_options"] = exclusive
    condition = _condition(form, targets, placed)
    if condition is not None:
        doc["show_if"] = condition
    score = _score(form, values, placed)
    if score is not None:
        doc["score"] = score
    doc.update({name: item for name, item in existing.items() if name not in MANAGED})
    return doc, placed


def _bound(form: Mapping[str, str], name: str, qtype: str, placed: Placed) -> Any:
    if qtype == "date":
        return f.read_date(form, name, placed)
    if qtype in INTEGER_BOUNDS:
        return f.read_number(form, name, placed, integer=True)
    if qtype in COUNT_BOUNDS:
        return f.read_number(form, name, placed, integer=True, minimum=0)
    return f.read_number(form, name, placed)


def _condition(form: Mapping[str, str], targets: dict[str, dict], placed: Placed) -> dict | None:
    expression = f.limit(form, "show_if_expr", 2000, placed, "show_if")
    if expression:
        try:
            return parse_condition_text(expression, targets)
        except ConditionSyntaxError as exc:
            placed.add("show_if", _("No se entiende la condición: %(error)s", error=str(exc)))
            return None
    key = f.value(form, "show_if_question")
    if not key:
        return None
    op = f.value(form, "show_if_op") or "equals"
    raw = f.limit(form, "show_if_value", f.SHORT, placed, "show_if")
    if op not in LEAF_OPERATORS:
        placed.add("show_if", _("Elija una comparación de la lista."))
        return None
    if not raw:
        placed.add("show_if", _("Escriba el valor con el que se compara la respuesta."))
        return None
    target = targets.get(key)
    if op == "in":
        return {"question": key, "in": [coerce(item.strip(), target) for item in raw.split(",") if item.strip()]}
    return {"question": key, op: coerce(raw, target)}


def _score(form: Mapping[str, str], values: list, placed: Placed) -> dict | None:
    method = f.value(form, "score_method")
    if not method:
        return None
    score: dict[str, Any] = {"method": method}
    # Most questions weigh the same: an empty weight is 1, so choosing a method is enough.
    weight = f.read_number(form, "score_weight", placed) if f.value(form, "score_weight") else DEFAULT_WEIGHT
    score = {"weight": weight, **score}
    accepted = METHOD_FIELDS.get(method, ())
    readers = {
        "points": lambda: f.read_points(form, "score_points", placed),
        "column_points": lambda: f.read_points(form, "score_column_points", placed),
        "exclude_values": lambda: f.read_list(form, "score_exclude_values", values),
        "exclude_options": lambda: f.read_list(form, "score_exclude_options", values),
        "cap": lambda: f.read_number(form, "score_cap", placed, integer=True, minimum=1),
        "thresholds": lambda: f.read_thresholds(form, "score_thresholds", placed),
        "denominator": lambda: f.value(form, "score_denominator") or None,
        "on_zero_denominator": lambda: _not_default(f.value(form, "score_on_zero")),
    }
    for name in accepted:
        item = readers[name]()
        if item is not None:
            score[name] = item
    if_hidden = _not_default(f.value(form, "score_if_hidden"))
    if if_hidden is not None:
        score["if_hidden"] = if_hidden
    return score


def _not_default(text: str) -> str | None:
    return text if text and text != "exclude" else None


def question_values(doc: Mapping) -> dict[str, str]:
    """The form values that show question *doc*; :func:`parse_question` reads them back unchanged."""
    # An example question's text is not shown: it is there to be replaced, not kept by a careless save.
    text = None if editing.is_placeholder(doc) else doc.get("text")
    values = {"key": doc.get("key", ""), "type": doc.get("type", ""),
              "required": "1" if doc.get("required") else "", "audience": doc.get("audience") or "",
              "evidence": doc.get("evidence") or "",
              **f.bilingual_values(text, "text"), **f.bilingual_values(doc.get("help"), "help")}
    for name in ("options", "rows", "columns"):
        values[name] = f.options_text(doc.get(name))
    for name in ("cell_type", "cell_min", "cell_max", "min", "max", "pattern", "decimals", "currency", "max_ref"):
        values[name] = "" if doc.get(name) is None else str(doc[name])
    values["exclusive_options"] = f.list_text(doc.get("exclusive_options"))
    values.update(condition_values(doc.get("show_if")))
    values.update(score_values(doc.get("score")))
    return values


def condition_values(condition: Mapping | None) -> dict[str, str]:
    """A single comparison goes in the simple fields; anything combined in the compact expression."""
    values = {"show_if_question": "", "show_if_op": "equals", "show_if_value": "", "show_if_expr": ""}
    if not condition:
        return values
    ops = [op for op in LEAF_OPERATORS if op in condition]
    if "question" in condition and len(ops) == 1:
        raw = condition[ops[0]]
        shown = ", ".join(_plain(item) for item in raw) if ops[0] == "in" else _plain(raw)
        values.update(show_if_question=str(condition["question"]), show_if_op=ops[0], show_if_value=shown)
    else:
        values["show_if_expr"] = format_condition(dict(condition))
    return values


def _plain(item: Any) -> str:
    if isinstance(item, bool):
        return "sí" if item else "no"
    return str(item)


def score_values(score: Mapping | None) -> dict[str, str]:
    """Form values of a score block (all empty when the question is not scored)."""
    score = score or {}
    return {
        "score_method": score.get("method", ""),
        "score_weight": str(DEFAULT_WEIGHT if score.get("weight") is None else score["weight"]),
        "score_if_hidden": score.get("if_hidden", "exclude"),
        "score_points": f.points_text(score.get("points")),
        "score_column_points": f.points_text(score.get("column_points")),
        "score_exclude_values": f.list_text(score.get("exclude_values")),
        "score_exclude_options": f.list_text(score.get("exclude_options")),
        "score_cap": "" if score.get("cap") is None else str(score["cap"]),
        "score_thresholds": f.thresholds_text(score.get("thresholds")),
        "score_denominator": score.get("denominator", "") or "",
        "score_on_zero": score.get("on_zero_denominator", "exclude"),
    }
