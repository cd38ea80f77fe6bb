"""Safe cell values and a small writer for write-only sheets.

Text that came from respondents or staff is never trusted: a leading ``= + - @``, tab or
carriage return would make Excel (or a user pressing F2 + Enter) evaluate it, so such text
is written as a string cell with Excel's quote prefix; characters XML forbids become
U+FFFD; text longer than a cell can hold is cut and flagged. Numbers stay numbers and
dates stay dates (timestamps in Lima time, since Excel has no time zones).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from survey.workbook.printing import set_up_page

LIMA = ZoneInfo("America/Lima")
#: Excel's limit on the characters of one cell
MAX_CELL_CHARS = 32767
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
#: XML 1.0 forbids these control characters; lone surrogates cannot be encoded at all
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: exact types written as they are
_PLAIN = frozenset({int, float, bool, type(None)})
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
PERCENT = "0.0%"
ONE_DECIMAL = "0.0"


def clean_text(value: str, truncated_note: str = "…") -> str:
    """Replace characters XML forbids with U+FFFD and cut text to what one cell holds."""
    if ILLEGAL_XML.search(value):
        value = ILLEGAL_XML.sub("\ufffd", value)
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - len(truncated_note)] + truncated_note
    return value


def is_formula_like(value: str) -> bool:
    """True when Excel could take *value* for a formula (or it hides one behind whitespace)."""
    return value.startswith(FORMULA_TRIGGERS)


def lima_naive(value: datetime) -> datetime:
    """An aware timestamp as Lima wall-clock time without zone (what Excel can store)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(LIMA).replace(tzinfo=None)


class CellMaker:
    """Turns Python values into values or cells that are safe to append to one sheet."""

    def __init__(self, ws, truncated_note: str = "…"):
        self.ws = ws
        self.truncated_note = truncated_note

    def __call__(self, value: Any) -> Any:
        """Return *value* ready for ``ws.append``: plain when harmless, a text cell otherwise."""
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, datetime):
            # openpyxl gives dates and timestamps a date number format by itself.
            return lima_naive(value)
        if isinstance(value, date):
            return value
        return self.text(str(value))

    def text(self, value: str) -> Any:
        """A string cell; formula-looking text gets type 's' and the quote prefix."""
        value = clean_text(value, self.truncated_note)
        if not value or not is_formula_like(value):
            return value
        cell = WriteOnlyCell(self.ws)
        cell.value = value
        # Assigning "=..." made it a formula: force plain text, shown as typed.
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    def styled(self, value: Any, *, bold: bool = False, number_format: str | None = None,
               wrap: bool = False) -> Cell:
        """A cell in bold, with a number format or with its text wrapped (text still made safe)."""
        plain = self(value)
        if isinstance(plain, Cell):
            cell = plain
        else:
            cell = WriteOnlyCell(self.ws, plain)
        if bold:
            cell.font = BOLD
        if number_format:
            cell.number_format = number_format
        if wrap:
            cell.alignment = WRAP
        return cell


def _width_of(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return min(len(f"{value:.2f}"), 14)
    longest_line = max((len(line) for line in str(value).splitlines()), default=0)
    return longest_line


class Sheet:
    """A write-only worksheet with a row counter, bold headers, fitted column widths and a print setup.

    *title_rows* and *pages_tall* go to :func:`survey.workbook.printing.set_up_page`.
    """

    def __init__(self, wb, title: str, truncated_note: str = "…", *, title_rows: str | None = "1:1",
                 pages_tall: int = 0):
        self.ws = wb.create_sheet(title=safe_sheet_title(title))
        set_up_page(self.ws, title_rows=title_rows, pages_tall=pages_tall)
        self.cell = CellMaker(self.ws, truncated_note)
        self.row_count = 0
        #: the widest row written (the sheet's last column)
        self.column_count = 0
        self._sized = False

    @property
    def title(self) -> str:
        """The sheet's name as written."""
        return self.ws.title

    def fit_columns(self, rows: Iterable[Sequence[Any]], *, minimum: int = 6, maximum: int = 60) -> None:
        """Set column widths from sample *rows* (write-only sheets need them before any row)."""
        if self._sized:
            return
        widths: dict[int, int] = {}
        for row in rows:
            for index, value in enumerate(row, 1):
                widths[index] = max(widths.get(index, 0), _width_of(value))
        for index, width in widths.items():
            self.ws.column_dimensions[get_column_letter(index)].width = max(minimum, min(maximum, width + 2))
        self._sized = True

    def append(self, values: Sequence[Any]) -> int:
        """Append one row of raw values (made safe here); return its 1-based row number."""
        make = self.cell
        # Numbers and empty cells (most of a response row) need no check: skip the call.
        return self.append_cells([value if type(value) in _PLAIN else make(value) for value in values])

    def append_cells(self, values: list[Any]) -> int:
        """Append a row already made safe (cells or plain values); return its row number."""
        self.ws.append(values)
        self.row_count += 1
        self.column_count = max(self.column_count, len(values))
        return self.row_count

    def heading(self, value: str) -> int:
        """Append a bold one-cell row."""
        return self.append_cells([self.cell.styled(value, bold=True)])

    def header(self, values: Sequence[str], *, wrap: bool = False) -> int:
        """Append a row of bold headers (wrapped within their columns if *wrap*)."""
        return self.append_cells([self.cell.styled(value, bold=True, wrap=wrap) for value in values])

    def blank(self) -> int:
        """Append an empty row."""
        return self.append_cells([])

    def write_planned(self, rows: Iterable[tuple[str, Sequence[Any], dict[int, str]]]) -> None:
        """Write planned rows ``(style, values, {column: number format})``.

        Styles: ``heading`` (one bold cell), ``header`` (bold cells), ``blank`` or ``data``.
        """
        for style, values, formats in rows:
            if style == "heading":
                self.heading(values[0])
            elif style == "header":
                self.header(values)
            elif style == "blank":
                self.blank()
            else:
                self._append_formatted(values, formats)

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sample: int = 50,
              formats: dict[int, str] | None = None) -> tuple[int, int]:
        """Write *headers* then *rows*; fit widths from the first *sample* rows.

        *formats* maps 0-based column positions to number formats. Returns the first and
        last data row numbers.
        """
        iterator: Iterator[Sequence[Any]] = iter(rows)
        first_rows = list(islice(iterator, sample))
        self.fit_columns([headers, *first_rows])
        self.header(headers)
        first = self.row_count + 1
        for row in _chain(first_rows, iterator):
            self._append_formatted(row, formats)
        return first, self.row_count

    def _append_formatted(self, row: Sequence[Any], formats: dict[int, str] | None) -> None:
        if not formats:
            self.append(row)
            return
        cells = []
        for index, value in enumerate(row):
            fmt = formats.get(index)
            if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(self.cell.styled(value, number_format=fmt))
            else:
                cells.append(self.cell(value))
        self.append_cells(cells)


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def safe_sheet_title(title: str) -> str:
    """A valid sheet name: no ``[]:*?/\\``, at most 31 characters, never empty."""
    cleaned = _SHEET_FORBIDDEN.sub(" ", ILLEGAL_XML.sub(" ", title)).strip().strip("'")
    return (cleaned or "Hoja")[:31]
