"""Field readers shared by the loader: each reads one value, records problems, and returns None if unusable."""
from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from .bilingual import LANGUAGES, Text
from .frozen import FrozenMap, freeze
from .problems import Problems, join_place
from .schema import AUDIENCES, EVIDENCE_MODES, Option

#: Question, section and axis keys; ``__`` is reserved as the matrix field separator (``key__row``).
QUESTION_KEY_RE = re.compile(r'^[a-z](?:[a-z0-9]|_(?!_)){0,62}$')
#: Questionnaire and framework keys (hyphens allowed, they appear in URLs and file names).
DOCUMENT_KEY_RE = re.compile(r'^[a-z][a-z0-9_-]{1,62}$')
#: String option/row/column values: no spaces, no ``__`` (they end up in form field names).
OPTION_VALUE_RE = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9.-]|_(?!_)){0,63}$')
ISO_DATE_RE = re.compile(r'^\d{4}-\d{2}-\d{2}$')
#: Prefix of free informational keys allowed at every level.
EXTENSION_PREFIX = 'x_'


def is_number(value: Any) -> bool:
    """True for int/float values that are not booleans and are finite."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and value == value and value not in (float('inf'), float('-inf')))


def is_integer(value: Any) -> bool:
    """True for int values that are not booleans."""
    return isinstance(value, int) and not isinstance(value, bool)


def iso_date(value: Any) -> str | None:
    """Return ``value`` as a ``YYYY-MM-DD`` string if it is a valid date (string or date object), else None."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str) and ISO_DATE_RE.match(value):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def read_key(doc: Mapping, name: str, place: str, problems: Problems, pattern: re.Pattern = QUESTION_KEY_RE,
             what: str = 'key') -> str | None:
    """Read a required key field checked against ``pattern``."""
    value = doc.get(name)
    if value is None:
        problems.add(join_place(place, name), 'missing', f'{what} is required')
        return None
    if not isinstance(value, str) or not pattern.match(value):
        problems.add(join_place(place, name), 'bad_key',
                     f'{what} {value!r} must match {pattern.pattern}')
        return None
    return value


def read_text(doc: Mapping, name: str, place: str, problems: Problems, required: bool = True) -> Text | None:
    """Read a bilingual ``{es, en}`` field; ``es`` is mandatory, ``en`` optional."""
    value = doc.get(name)
    where = join_place(place, name)
    if value is None:
        if required:
            problems.add(where, 'missing', f'"{name}" is required ({{es: ..., en: ...}})')
        return None
    if not isinstance(value, Mapping):
        problems.add(where, 'wrong_type', f'"{name}" must be a mapping {{es: ..., en: ...}}')
        return None
    unknown = [str(lang) for lang in value if lang not in LANGUAGES]
    if unknown:
        problems.add(where, 'unknown_field', f'unknown languages: {", ".join(unknown)} (allowed: es, en)')
    es, en = value.get('es'), value.get('en')
    if not isinstance(es, str) or not es.strip():
        problems.add(where, 'missing_es', f'"{name}" needs a non-empty Spanish text (es)')
        es = None
    if en is not None and not isinstance(en, str):
        problems.add(join_place(where, 'en'), 'wrong_type', 'the English text must be a string')
        en = None
    return Text(es, en or None) if es is not None else None


def read_bool(doc: Mapping, name: str, place: str, problems: Problems, default: bool = False) -> bool:
    """Read an optional true/false field."""
    value = doc.get(name, default)
    if not isinstance(value, bool):
        problems.add(join_place(place, name), 'wrong_type', f'"{name}" must be true or false')
        return default
    return value


def read_audience(doc: Mapping, place: str, problems: Problems) -> str | None:
    """Read an optional ``audience``: 'state' or 'civil' (absent or null: everyone)."""
    value = doc.get('audience')
    if value is None or value in AUDIENCES:
        return value
    problems.add(join_place(place, 'audience'), 'bad_value',
                 f'audience {value!r} must be {" or ".join(AUDIENCES)} (or absent: everyone)')
    return None


def read_evidence(doc: Mapping, place: str, problems: Problems) -> str | None:
    """Read an optional ``evidence``: 'optional' or 'required' (absent or null: no files are asked for)."""
    value = doc.get('evidence')
    if value is None or value in EVIDENCE_MODES:
        return value
    problems.add(join_place(place, 'evidence'), 'bad_value',
                 f'evidence {value!r} must be {" or ".join(EVIDENCE_MODES)} (or absent: no files)')
    return None


def read_options(doc: Mapping, name: str, place: str, problems: Problems,
                 integers: bool = False) -> tuple[Option, ...]:
    """Read a list of ``{value, label}``; values must be unique (ints only when ``integers``)."""
    items = doc.get(name)
    if items is None:
        return ()
    if not isinstance(items, list):
        problems.add(join_place(place, name), 'wrong_type', f'"{name}" must be a list of {{value, label}}')
        return ()
    options: list[Option] = []
    seen: set = set()
    for index, item in enumerate(items):
        where = join_place(place, f'{name}[{index}]')
        if not isinstance(item, Mapping):
            problems.add(where, 'wrong_type', 'each entry must be a mapping {value, label}')
            continue
        check_fields(item, ('value', 'label'), where, problems)
        value = item.get('value')
        label = read_text(item, 'label', where, problems)
        if integers and not is_integer(value):
            problems.add(join_place(where, 'value'), 'bad_value', f'value {value!r} must be an integer')
            continue
        if not (is_integer(value) or (isinstance(value, str) and OPTION_VALUE_RE.match(value))):
            problems.add(join_place(where, 'value'), 'bad_value',
                         f'value {value!r} must be an integer or a code matching {OPTION_VALUE_RE.pattern}')
            continue
        if (type(value), value) in seen:
            problems.add(join_place(where, 'value'), 'duplicate_value', f'value {value!r} is used twice in "{name}"')
            continue
        seen.add((type(value), value))
        if label is not None:
            options.append(Option(value, label))
    return tuple(options)


def check_fields(doc: Mapping, allowed: tuple[str, ...], place: str, problems: Problems,
                 info: tuple[str, ...] = ()) -> FrozenMap:
    """Report keys outside ``allowed``; return the informational ones (``info`` names and ``x_*``)."""
    extra = {}
    for key in doc:
        if key in allowed:
            continue
        if isinstance(key, str) and (key in info or key.startswith(EXTENSION_PREFIX)):
            extra[key] = doc[key]
        else:
            problems.add(join_place(place, str(key)), 'unknown_field', f'unknown field "{key}"')
    return freeze(extra)
