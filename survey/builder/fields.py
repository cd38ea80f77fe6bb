"""Reading builder form fields into definition fragments and writing fragments back as form text.

Readers take the submitted text, add a message to :class:`Placed` when it cannot be read, and
return None then; writers are their exact inverse, so an unchanged form saves an unchanged document.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from survey.builder.problems import Placed

#: Longest texts accepted, in characters: a questionnaire is read on phones, and a pasted
#: document in a title field is a mistake worth stopping early.
SHORT = 300
TEXT = 1000
LONG = 4000
MAX_LINES = 300


def value(form: Mapping[str, str], name: str) -> str:
    """The stripped text of field *name* ('' when absent)."""
    raw = form.get(name, "")
    return raw.strip() if isinstance(raw, str) else ""


def limit(form: Mapping[str, str], name: str, size: int, placed: Placed, target: str) -> str:
    """The text of *name*, with an error on *target* when it is longer than *size* characters."""
    text = value(form, name)
    if len(text) > size:
        placed.add(target, _("Escriba como máximo %(max)d caracteres (tiene %(n)d).", max=size, n=len(text)))
    return text


def bilingual(form: Mapping[str, str], base: str, size: int, placed: Placed) -> dict | None:
    """``{es, en}`` from fields ``<base>_es`` and ``<base>_en``; None when both are empty."""
    es = limit(form, f"{base}_es", size, placed, base)
    en = limit(form, f"{base}_en", size, placed, base)
    if not es and not en:
        return None
    text = {"es": es}
    if en:
        text["en"] = en
    return text


def bilingual_values(text: Mapping | None, base: str) -> dict[str, str]:
    """Form values of a ``{es, en}`` text."""
    text = text or {}
    return {f"{base}_es": text.get("es", ""), f"{base}_en": text.get("en", "") or ""}


def number(text: str) -> int | float | None:
    """An int or float typed with a point or a comma as decimal mark; None when not a number."""
    cleaned = text.strip().replace(",", ".")
    if re.fullmatch(r"[+-]?\d+", cleaned):
        return int(cleaned)
    if re.fullmatch(r"[+-]?(?:\d+\.\d*|\.\d+)", cleaned):
        return float(cleaned)
    return None


def read_number(form: Mapping[str, str], name: str, placed: Placed, *, integer: bool = False,
                minimum: int | None = None) -> int | float | None:
    """The number in field *name* (None when empty or wrong; wrong adds an error)."""
    text = value(form, name)
    if not text:
        return None
    result = number(text)
    if result is None or (integer and not isinstance(result, int)) or (minimum is not None and result < minimum):
        if integer and minimum is not None:
            placed.add(name, _("Escriba un número entero mayor o igual a %(min)d.", min=minimum))
        elif integer:
            placed.add(name, _("Escriba un número entero."))
        else:
            placed.add(name, _("Escriba un número (por ejemplo 12 o 12,5)."))
        return None
    return result


def read_date(form: Mapping[str, str], name: str, placed: Placed) -> str | None:
    """An ISO date from YYYY-MM-DD or DD/MM/YYYY (None when empty or wrong)."""
    text = value(form, name)
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    candidate = f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}" if match else text
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", candidate):
        try:
            return datetime.date.fromisoformat(candidate).isoformat()
        except ValueError:
            pass
    placed.add(name, _("Escriba una fecha como 2024-12-31 o 31/12/2024."))
    return None


def option_value(text: str, known: list | tuple = (), integers: bool = False) -> Any:
    """Type an option value: the known value with that text, else an int when it looks like one."""
    for item in known:
        if str(item) == text:
            return item
    if integers or re.fullmatch(r"-?\d+", text):
        try:
            return int(text)
        except ValueError:
            return text
    return text


def read_options(form: Mapping[str, str], name: str, placed: Placed, known: list | tuple = (),
                 integers: bool = False) -> list[dict] | None:
    """Options written one per line as ``value | etiqueta | label`` (English optional)."""
    text = value(form, name)
    if not text:
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        placed.add(name, _("Escriba como máximo %(max)d líneas.", max=MAX_LINES))
        return None
    options = []
    for number_, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or len(parts) > 3 or not parts[0] or not parts[1]:
            placed.add(name, _("Línea %(n)d: escriba «valor | etiqueta en español | label in English» "
                               "(el inglés es opcional).", n=number_))
            continue
        if any(len(part) > SHORT for part in parts):
            placed.add(name, _("Línea %(n)d: una etiqueta tiene más de %(max)d caracteres.", n=number_, max=SHORT))
            continue
        label = {"es": parts[1]}
        if len(parts) == 3 and parts[2]:
            label["en"] = parts[2]
        options.append({"value": option_value(parts[0], known, integers), "label": label})
    return options


def options_text(options: list[Mapping] | None) -> str:
    """Options as ``value | etiqueta | label`` lines."""
    lines = []
    for option in options or []:
        label = option.get("label") or {}
        parts = [str(option.get("value", "")), label.get("es", "")]
        if label.get("en"):
            parts.append(label["en"])
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def read_list(form: Mapping[str, str], name: str, known: list | tuple) -> list | None:
    """Comma-separated option values, typed like the options (None when empty)."""
    text = value(form, name)
    if not text:
        return None
    return [option_value(item.strip(), known) for item in text.split(",") if item.strip()]


def list_text(values: list | None) -> str:
    """Values as a comma-separated list."""
    return ", ".join(str(item) for item in values or [])


def read_points(form: Mapping[str, str], name: str, placed: Placed) -> dict | None:
    """Lines ``value: points`` into ``{value: points}`` (None when empty)."""
    text = value(form, name)
    if not text:
        return None
    points = {}
    for number_, line in enumerate((line.strip() for line in text.splitlines() if line.strip()), start=1):
        key, _sep, amount = line.rpartition(":")
        parsed = number(amount)
        if not key.strip() or parsed is None:
            placed.add(name, _("Línea %(n)d: escriba «valor: puntos», por ejemplo «si: 1».", n=number_))
            continue
        points[key.strip()] = parsed
    return points


def points_text(points: Mapping | None) -> str:
    """``{value: points}`` as ``value: points`` lines."""
    return "\n".join(f"{key}: {amount}" for key, amount in (points or {}).items())


def read_thresholds(form: Mapping[str, str], name: str, placed: Placed) -> list[dict] | None:
    """Lines ``>= N: points`` or ``> N: points`` into threshold rules (None when empty)."""
    text = value(form, name)
    if not text:
        return None
    rules = []
    for number_, line in enumerate((line.strip() for line in text.splitlines() if line.strip()), start=1):
        match = re.fullmatch(r"(>=|≥|>)\s*([^:]+):\s*(.+)", line)
        bound = number(match[2]) if match else None
        points = number(match[3]) if match else None
        if bound is None or points is None:
            placed.add(name, _("Línea %(n)d: escriba «>= número: puntos» o «> número: puntos».", n=number_))
            continue
        rules.append({"gt" if match[1] == ">" else "gte": bound, "points": points})
    return rules


def thresholds_text(rules: list[Mapping] | None) -> str:
    """Threshold rules as ``>= N: points`` lines."""
    lines = []
    for rule in rules or []:
        op = ">" if "gt" in rule else ">="
        lines.append(f"{op} {rule.get('gt', rule.get('gte'))}: {rule.get('points')}")
    return "\n".join(lines)
