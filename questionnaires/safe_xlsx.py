"""Opening untrusted .xlsx workbooks within the limits of :mod:`questionnaires.safe_input`.

:func:`check_xlsx` looks at the archive before openpyxl does: the declared sizes in the zip
directory, then every part streamed through expat (C, constant memory) while the bytes actually
unpacked, the rows, columns, cell lengths, shared strings and XML elements are counted; it stops at
the first limit, so a bomb costs milliseconds. Any DOCTYPE is refused (xlsx parts never have one,
and entity expansion is how XML bombs work). :func:`open_workbook` then lets openpyxl read the file
in read-only mode, and :func:`sheet_rows` reads a sheet no further than the checked rows and columns
while it counts the text handed out (a shared string used by every cell is counted each time).
"""
from __future__ import annotations

import io
import posixpath
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from . import safe_input as limits
from .safe_input import InputLimitError

_CELL_REF = re.compile(r'([A-Z]{1,3})(\d*)$')
_CHUNK = 64 * 1024


class _Workbook:
    """What every part of one archive shares: running totals and the sheet names found so far."""

    def __init__(self, max_rows: int, max_cell_chars: int) -> None:
        self.max_rows, self.max_cell_chars = max_rows, max_cell_chars
        self.unpacked = self.elements = 0
        self.sheet_ids: dict[tuple[str, str], str] = {}     # (workbook part, relationship id) -> sheet name
        self.targets: dict[tuple[str, str], str] = {}       # (source part, relationship id) -> target part

    def sheet_name(self, part: str) -> str:
        """The name people see for the sheet stored in *part* (its path when the workbook does not say)."""
        for key, name in self.sheet_ids.items():
            if self.targets.get(key) == part:
                return name
        return part


def _local(tag: str) -> str:
    # Parts are parsed without namespace processing (it costs a third more); a prefix is dropped.
    return tag.rpartition(':')[2] if ':' in tag else tag


class _Part:
    """The expat handlers of one part. The start handler is swapped for the rows of a worksheet
    and for the strings table, and text is counted only inside values, so the common elements
    cost as little Python as possible."""

    def __init__(self, book: _Workbook, info: zipfile.ZipInfo) -> None:
        self.book, self.info, self.name = book, info, info.filename
        self.parser = expat.ParserCreate()
        self.depth = self.loose_elements = self.elements = 0
        self.row = self.row_entries = self.row_elements = self.column = self.chars = self.strings = 0
        self.started = self.in_cell = False
        rels = re.fullmatch(r'(.*?)_rels/([^/]+)\.rels', self.name)
        self.rels_source = (rels.group(1) + rels.group(2)) if rels else None
        self.parser.StartDoctypeDeclHandler = self.parser.EntityDeclHandler = self.doctype
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.buffer_text = True

    def refuse(self, code: str, limit: int | None = None, *, in_sheet: bool = False, **where: Any) -> None:
        if in_sheet:
            where['sheet'] = self.book.sheet_name(self.name)
        else:
            where.setdefault('part', self.name)
        raise InputLimitError(code, limit, **where)

    def doctype(self, *_: Any) -> None:
        self.refuse('xml_dtd')

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > limits.MAX_DEPTH:
            self.refuse('depth', limits.MAX_DEPTH)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """An element outside the rows and the strings table."""
        self.started = True
        self._enter()
        self.loose_elements += 1
        if self.loose_elements > limits.MAX_PART_ELEMENTS:
            self.refuse('xml_elements', limits.MAX_PART_ELEMENTS)
        self._count(1)
        local = _local(tag)
        if local == 'sheetData':
            self.parser.StartElementHandler = self.start_row_content
        elif local == 'sst':
            if self.info.file_size > limits.MAX_SHARED_STRINGS_BYTES:
                self.refuse('shared_strings_size', limits.MAX_SHARED_STRINGS_BYTES)
            self.parser.StartElementHandler = self.start_string_content
        elif local == 'sheet' and 'name' in attrs:
            for key, value in attrs.items():
                if _local(key) == 'id':
                    self.book.sheet_ids[(self.name, value)] = attrs['name']
        elif local == 'Relationship' and self.rels_source is not None and 'Target' in attrs:
            target = attrs['Target']
            base = posixpath.dirname(self.rels_source)
            target = target.lstrip('/') if target.startswith('/') else posixpath.normpath(posixpath.join(base, target))
            self.book.targets[(self.rels_source, attrs.get('Id', ''))] = target

    def _count(self, elements: int) -> None:
        self.book.elements += elements
        if self.book.elements > limits.MAX_XML_ELEMENTS:
            self.refuse('xml_elements', limits.MAX_XML_ELEMENTS)

    def start_row_content(self, tag: str, attrs: dict[str, str]) -> None:
        """An element inside <sheetData>: rows, cells, values, rich-text runs."""
        self._enter()
        self.row_elements += 1
        if ':' in tag:
            tag = _local(tag)
        if tag == 'c':
            match = _CELL_REF.match(attrs.get('r', ''))
            self.column = column_index_from_string(match.group(1)) if match else self.column + 1
            self.in_cell, self.chars = True, 0
        elif tag == 'row':
            self._start_row(attrs.get('r'))
        elif self.in_cell and tag in ('v', 'is', 't', 'f'):
            if tag in ('v', 'is'):
                self._check_place()
            if tag != 'is':
                self.parser.CharacterDataHandler = self.text
        if self.row_elements > limits.MAX_ROW_ELEMENTS:
            self.refuse('row_size', limits.MAX_ROW_ELEMENTS, in_sheet=True, row=self.row)

    def _start_row(self, number: str | None) -> None:
        self._count(self.row_elements)
        self.row_entries += 1
        if self.row_entries > limits.MAX_ROW_ENTRIES:
            self.refuse('row_entries', limits.MAX_ROW_ENTRIES, in_sheet=True)
        row = int(number) if number and number.isdigit() else self.row + 1
        if row <= self.row:
            self.refuse('row_order', in_sheet=True, row=row)
        self.row, self.row_elements, self.column = row, 0, 0

    def _check_place(self) -> None:
        if self.row > self.book.max_rows:
            self.refuse('rows', self.book.max_rows, in_sheet=True, row=self.row)
        if self.column > limits.MAX_COLUMNS:
            self.refuse('columns', limits.MAX_COLUMNS, in_sheet=True, row=self.row,
                        column=get_column_letter(min(self.column, 18278)))

    def start_string_content(self, tag: str, attrs: dict[str, str]) -> None:
        """An element inside <sst>: strings, their runs and phonetic readings."""
        self._enter()
        self.row_elements += 1
        if ':' in tag:
            tag = _local(tag)
        if tag == 'si':
            self._count(self.row_elements)
            self.strings += 1
            if self.strings > limits.MAX_SHARED_STRINGS:
                self.refuse('shared_strings', limits.MAX_SHARED_STRINGS)
            self.chars, self.row_elements = 0, 0
        elif tag == 't':
            self.parser.CharacterDataHandler = self.text
        if self.row_elements > limits.MAX_ROW_ELEMENTS:
            self.refuse('row_size', limits.MAX_ROW_ELEMENTS, string=self.strings)

    def end(self, tag: str) -> None:
        self.depth -= 1
        if ':' in tag:
            tag = _local(tag)
        if tag in ('v', 't', 'f'):
            self.parser.CharacterDataHandler = None
        elif tag == 'c':
            self.in_cell = False
        elif tag in ('sheetData', 'sst'):
            self._count(self.row_elements)
            self.row_elements = 0
            self.parser.StartElementHandler = self.start

    def text(self, data: str) -> None:
        self.chars += len(data)
        if self.chars > self.book.max_cell_chars:
            if self.parser.StartElementHandler == self.start_string_content:
                self.refuse('cell_length', self.book.max_cell_chars, string=self.strings)
            self.refuse('cell_length', self.book.max_cell_chars, in_sheet=True, row=self.row,
                        column=get_column_letter(min(self.column, 18278)))

    def scan(self, archive: zipfile.ZipFile) -> None:
        """Stream the part through expat; stop at the first limit. A part that is not XML at all is skipped."""
        with archive.open(self.info) as stream:
            while chunk := stream.read(_CHUNK):
                self.book.unpacked += len(chunk)
                if stream.tell() > limits.MAX_PART_BYTES:
                    self.refuse('part_size', limits.MAX_PART_BYTES)
                if self.book.unpacked > limits.MAX_TOTAL_BYTES:
                    raise InputLimitError('total_size', limits.MAX_TOTAL_BYTES)
                try:
                    self.parser.Parse(chunk, False)
                except expat.ExpatError:
                    if not self.started:
                        return      # an image or another binary part: openpyxl does not parse it as XML
                    self.refuse('xml_invalid')
            try:
                self.parser.Parse(b'', True)
            except expat.ExpatError:
                if self.started:
                    self.refuse('xml_invalid')


def check_xlsx(data: bytes, *, max_rows: int = limits.MAX_ROWS,
               max_cell_chars: int = limits.MAX_CELL_CHARS) -> None:
    """Refuse an .xlsx file that passes a limit, with an :class:`InputLimitError` naming it and the place.

    A file that is not a zip archive at all passes: openpyxl refuses it as usual.
    :raise zipfile.BadZipFile: for an archive zipfile itself cannot unpack (a bad CRC, encryption...).
    """
    if len(data) > limits.MAX_FILE_BYTES:
        raise InputLimitError('file_size', limits.MAX_FILE_BYTES)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return
    with archive:
        members = archive.infolist()
        if len(members) > limits.MAX_ZIP_MEMBERS:
            raise InputLimitError('zip_members', limits.MAX_ZIP_MEMBERS)
        for info in members:
            if info.file_size > limits.MAX_PART_BYTES:
                raise InputLimitError('part_size', limits.MAX_PART_BYTES, part=info.filename)
        if sum(info.file_size for info in members) > limits.MAX_TOTAL_BYTES:
            raise InputLimitError('total_size', limits.MAX_TOTAL_BYTES)
        book = _Workbook(max_rows, max_cell_chars)
        # The workbook and its relationships first, so a sheet's limits name the sheet, not its part.
        for info in sorted(members, key=lambda i: not i.filename.endswith(('.rels', 'workbook.xml'))):
            try:
                _Part(book, info).scan(archive)
            except (RuntimeError, NotImplementedError, EOFError, zlib.error) as exc:   # encrypted, unknown method
                raise zipfile.BadZipFile(str(exc)) from None


def open_workbook(data: bytes, *, max_rows: int = limits.MAX_ROWS, max_cell_chars: int = limits.MAX_CELL_CHARS):
    """Check *data* with :func:`check_xlsx`, then open it with openpyxl, read-only and values only.

    The caller closes the workbook. openpyxl's own errors (not a zip, not a workbook) pass through.
    """
    check_xlsx(data, max_rows=max_rows, max_cell_chars=max_cell_chars)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')     # openpyxl warns about styles and extensions it does not read
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)


class TextBudget:
    """The characters :func:`sheet_rows` may still hand out from one workbook."""

    def __init__(self, limit: int = limits.MAX_TEXT_CHARS) -> None:
        """Start with *limit* characters."""
        self.limit, self.used = limit, 0

    def spend(self, values: tuple, sheet: str, row: int) -> None:
        """Count the text of one row; refuse the workbook once the total passes the limit."""
        self.used += sum(len(value) for value in values if isinstance(value, str))
        if self.used > self.limit:
            raise InputLimitError('text_total', self.limit, sheet=sheet, row=row)


def sheet_rows(worksheet: Any, *, max_rows: int = limits.MAX_ROWS,
               budget: TextBudget | None = None) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of a checked read-only sheet, up to *max_rows* and :data:`MAX_COLUMNS` columns.

    Reading stops at the limits even if the sheet's declared dimension is larger (it would otherwise
    pad every row to 16,384 columns), and the text handed out is counted against *budget*.
    """
    budget = budget or TextBudget()
    rows = worksheet.iter_rows(min_row=1, max_row=max_rows, max_col=limits.MAX_COLUMNS, values_only=True)
    for number, values in enumerate(rows, start=1):
        budget.spend(values, worksheet.title, number)
        yield number, values
