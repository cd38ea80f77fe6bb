"""Loading and reading definition documents, with a cache keyed by fingerprint."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import questionnaires

#: fingerprint -> parsed questionnaire; a fingerprint names one document forever
_LOADED: dict[str, questionnaires.Questionnaire] = {}
_LOADED_MAX = 64


def load_cached(fingerprint: str, document: dict[str, Any] | Callable[[], dict[str, Any]]):
    """Return the Questionnaire with *fingerprint*, parsing *document* only on a miss.

    *document* may be a function returning it, so callers that know the fingerprint avoid
    reading tens of KB of JSON from the database on every request.
    """
    loaded = _LOADED.get(fingerprint)
    if loaded is None:
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.clear()
        loaded = _LOADED[fingerprint] = questionnaires.load(document() if callable(document) else document)
    return loaded


FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".xlsx": "xlsx"}


def format_of(filename: str) -> str:
    """Return 'json', 'yaml' or 'xlsx' from a file name, or raise ValueError."""
    suffix = Path(filename).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unsupported file type {suffix or '(none)'}: use .json, .yaml, .yml or .xlsx")
    return FORMATS[suffix]


def read_definition(data: bytes, fmt: str) -> dict[str, Any]:
    """Parse an uploaded file into a definition document (not yet validated)."""
    if fmt == "xlsx":
        from io import BytesIO

        from questionnaires.xlsform import read_xlsform

        return read_xlsform(BytesIO(data))
    return questionnaires.read_document(data, fmt)


def write_definition(document: dict[str, Any], fmt: str) -> bytes:
    """Serialise a definition document as json, yaml or an XLSForm workbook."""
    if fmt in ("xlsx", "xlsform"):
        from io import BytesIO

        from questionnaires.xlsform import write_xlsform

        buf = BytesIO()
        write_xlsform(document, buf)
        return buf.getvalue()
    return questionnaires.dump_document(document, fmt).encode("utf-8")
