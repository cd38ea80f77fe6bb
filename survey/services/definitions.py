"""Loading and reading definition documents, with a cache keyed by fingerprint."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import questionnaires


class _Frozen:
    """Hashable wrapper so lru_cache can key on the fingerprint alone."""

    __slots__ = ("document",)

    def __init__(self, document):
        self.document = document

    def __hash__(self):  # pragma: no cover - never used as a key
        return 0

    def __eq__(self, other):  # pragma: no cover
        return True


@lru_cache(maxsize=64)
def _load(fingerprint: str, holder: _Frozen):
    return questionnaires.load(holder.document)


def load_cached(fingerprint: str, document: dict[str, Any]):
    """Return the Questionnaire for a stored document; published documents never change."""
    return _load(fingerprint, _Frozen(document))


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
