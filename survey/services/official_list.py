"""Reading a list of officials from an .xlsx or .csv file into plain rows.

Headers may be Spanish or English (nombre/name, correo/email, institución/institution or
organización/organisation, región/region, cargo/position, idioma/language, clase/kind), in any order
and case, accents ignored.
Row numbers are the spreadsheet's own (the header is row 1), so staff find the row.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

from flask_babel import lazy_gettext as _l
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from questionnaires.safe_input import MAX_CELL_CHARS, MAX_FILE_BYTES, InputLimitError, read_limited
from questionnaires.safe_xlsx import open_workbook, sheet_rows
from survey.services.input_limits import describe
from survey.services.reference import fold

REQUIRED = ("name", "email", "region")
#: at least one of these names whom the person answers for (an organisation, or a reference type)
ORGANISATION_COLUMNS = ("organisation", "institution")
OPTIONAL = ("position", "language", "kind")
MAX_ROWS = 5000
#: rows of the sheet read at most: the header and MAX_ROWS officials
SHEET_ROWS = MAX_ROWS + 1

#: folded header text -> column
HEADERS = {
    "name": "name", "nombre": "name", "nombres": "name", "nombre completo": "name", "full name": "name",
    "nombres y apellidos": "name",
    "email": "email", "e-mail": "email", "correo": "email", "correo electronico": "email", "mail": "email",
    "email address": "email",
    "institution": "institution", "institucion": "institution", "entidad": "institution",
    "organizacion": "organisation", "organisation": "organisation", "organization": "organisation",
    "clase": "kind", "kind": "kind",
    "region": "region", "departamento": "region",
    "position": "position", "cargo": "position", "puesto": "position",
    "language": "language", "idioma": "language", "lengua": "language",
}

#: labels used when naming a missing column
COLUMN_LABELS = {
    "name": "nombre / name",
    "email": "correo / email",
    "institution": "institución u organización / institution or organisation",
    "region": "región / region",
}


class ListError(ValueError):
    """The file as a whole cannot be read (not a spreadsheet, empty, missing columns)."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class OfficialRow:
    """One data row of the file, as text, with its row number in the file."""

    row: int
    name: str
    email: str
    institution: str
    region: str
    position: str = ""
    language: str = ""
    #: the organisation's name or acronym (the institution column may name a type, e.g. MPFN, instead)
    organisation: str = ""
    #: the kind of a new organisation (veeduría, ONG...), used only when missing ones are created
    kind: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain data, to keep between the upload and the confirmation."""
        return asdict(self)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()
    return " ".join(str(value).split())


def _xlsx_rows(data: bytes) -> list[tuple[Any, ...]]:
    # The archive is checked before openpyxl opens it, and rows are read no further than the limits.
    try:
        workbook = open_workbook(data, max_rows=SHEET_ROWS)
        try:
            return [values for _, values in sheet_rows(workbook.worksheets[0], max_rows=SHEET_ROWS)]
        finally:
            workbook.close()
    except InputLimitError:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, IndexError, TypeError,
            SyntaxError):   # xml.etree's ParseError is a SyntaxError
        raise ListError(_l("El archivo no es una hoja de cálculo .xlsx válida.")) from None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _csv_rows(data: bytes) -> list[list[str]]:
    if b"\x00" in data:
        raise ListError(_l("El archivo no es un CSV de texto."))
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    # Excel in Spanish saves CSV with semicolons.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        rows = []
        for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(values)
            for index, value in enumerate(values):
                if len(value) > MAX_CELL_CHARS:
                    raise InputLimitError("cell_length", MAX_CELL_CHARS, row=len(rows),
                                          column=get_column_letter(min(index + 1, 18278)))
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise ListError(_l("El CSV no se puede leer: %(error)s", error=str(exc))) from None
    return rows


def read_upload(stream: BinaryIO) -> bytes:
    """The bytes of an uploaded or opened file; :class:`ListError` once it passes the size limit."""
    try:
        return read_limited(stream)
    except InputLimitError as exc:
        raise ListError(describe(exc)) from None


def read_rows(filename: str, data: bytes) -> list[list[Any]]:
    """Return the raw cell rows of an .xlsx or .csv file, by content then by extension.

    A file past a limit of questionnaires.safe_input (size, rows, columns, cell length, XML bombs)
    is refused with a :class:`ListError` that names the limit and the place.
    """
    try:
        return _read_rows(filename, data)
    except InputLimitError as exc:
        raise ListError(describe(exc)) from None


def _read_rows(filename: str, data: bytes) -> list[list[Any]]:
    name = (filename or "").lower()
    if len(data) > MAX_FILE_BYTES:
        raise InputLimitError("file_size", MAX_FILE_BYTES)
    if not data.strip():
        raise ListError(_l("El archivo está vacío."))
    if data[:4] == b"PK\x03\x04":
        return [list(r) for r in _xlsx_rows(data)]
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ListError(_l("Los archivos .xls antiguos no se admiten: guárdelo como .xlsx o .csv."))
    if name.endswith((".csv", ".txt")):
        return _csv_rows(data)
    raise ListError(_l("El archivo no es una hoja de cálculo: suba un .xlsx o un .csv."))


def _columns(header: list[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = HEADERS.get(fold(_text(cell)).rstrip(":* "))
        if column and column not in columns:
            columns[column] = index
    missing = [COLUMN_LABELS[c] for c in REQUIRED if c not in columns]
    if not any(c in columns for c in ORGANISATION_COLUMNS):
        missing.append(COLUMN_LABELS["institution"])
    if missing:
        raise ListError(_l("Falta la columna: %(columns)s.", columns=", ".join(missing)))
    return columns


def parse(filename: str, data: bytes) -> list[OfficialRow]:
    """Read the officials of a file; raises :class:`ListError` for a file that cannot be used.

    Blank rows are skipped but keep their place in the numbering.
    """
    rows = read_rows(filename, data)
    start = next((i for i, r in enumerate(rows) if any(_text(v) for v in r)), None)
    if start is None:
        raise ListError(_l("El archivo está vacío."))
    columns = _columns(rows[start])
    officials = []
    for index in range(start + 1, len(rows)):
        values = rows[index]
        if not any(_text(v) for v in values):
            continue

        def cell(column: str, values=values) -> str:
            position = columns.get(column)
            return _text(values[position]) if position is not None and position < len(values) else ""

        officials.append(OfficialRow(
            row=index + 1,
            name=cell("name"),
            email=cell("email"),
            institution=cell("institution"),
            region=cell("region"),
            position=cell("position"),
            language=cell("language"),
            organisation=cell("organisation"),
            kind=cell("kind"),
        ))
    if not officials:
        raise ListError(_l("El archivo no tiene filas de funcionarios bajo los encabezados."))
    if len(officials) > MAX_ROWS:
        raise ListError(_l("El archivo tiene más de %(max)s filas.", max=MAX_ROWS))
    return officials
