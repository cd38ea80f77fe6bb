"""Limits on the files people upload or import, and JSON and YAML readers that keep to them.

A hostile file must cost a few seconds and a bounded amount of memory at most, so every limit is
checked before or while a file is read, never after it was parsed whole. A refusal is an
:class:`InputLimitError` that names the limit and where it was hit. Spreadsheets are checked by
:mod:`questionnaires.safe_xlsx` with the limits below.
"""
from __future__ import annotations

import os
import re
from typing import Any, BinaryIO

import yaml
from yaml.events import AliasEvent

#: Any uploaded or imported file: definitions are a few hundred KB, officials lists about 1 MB.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Nesting of JSON/YAML values and of XML elements; definitions nest about ten deep.
MAX_DEPTH = 64
#: JSON/YAML values, each YAML alias counted with everything it repeats (the PNAT questionnaire has ~2,800).
MAX_VALUES = 100_000

# Spreadsheets (.xlsx): the archive, its XML parts and the cells read from them.
MAX_ZIP_MEMBERS = 300
MAX_PART_BYTES = 10 * 1024 * 1024          # one part, uncompressed
MAX_TOTAL_BYTES = 20 * 1024 * 1024         # all parts, uncompressed
MAX_SHARED_STRINGS_BYTES = 5 * 1024 * 1024
MAX_SHARED_STRINGS = 100_000
MAX_ROWS = 5_000                           # rows of a sheet that may hold data (callers may lower or raise it)
MAX_COLUMNS = 100
MAX_CELL_CHARS = 32_767                    # Excel's own limit for one cell
MAX_TEXT_CHARS = 5_000_000                 # all cells read from a workbook, shared strings counted each time used
MAX_ROW_ENTRIES = 100_000                  # <row> elements of a sheet, with data or not
MAX_ROW_ELEMENTS = 10_000                  # XML elements inside one row (cells, values, rich-text runs)
MAX_PART_ELEMENTS = 50_000                 # XML elements of a part outside the rows and the shared strings
MAX_XML_ELEMENTS = 500_000                 # XML elements of the whole workbook (a few seconds of scanning)

#: English sentence of each limit; the web app and the CLI show their own translation of the same codes.
MESSAGES = {
    'file_size': 'the file is larger than {limit}',
    'zip_members': 'the .xlsx file holds more than {limit} parts',
    'part_size': 'a part of the .xlsx file unpacks to more than {limit}',
    'total_size': 'the .xlsx file unpacks to more than {limit}',
    'shared_strings_size': 'the shared strings table of the .xlsx file unpacks to more than {limit}',
    'shared_strings': 'the shared strings table of the .xlsx file holds more than {limit} texts',
    'xml_dtd': 'the .xlsx file holds an XML DOCTYPE or entity declaration, which is not accepted',
    'xml_invalid': 'a part of the .xlsx file is not well-formed XML',
    'xml_elements': 'the .xlsx file holds more than {limit} XML elements in one place',
    'row_entries': 'a sheet lists more than {limit} rows, with data or not',
    'row_order': 'the rows of a sheet are not in ascending order',
    'row_size': 'a row holds more than {limit} XML elements',
    'rows': 'a sheet has data below row {limit}',
    'columns': 'a sheet has data right of column {limit}',
    'cell_length': 'a cell holds more than {limit} characters',
    'text_total': 'the cells hold more than {limit} characters in all',
    'depth': 'the content is nested more than {limit} levels deep',
    'values': 'the file holds more than {limit} values (a YAML alias counts everything it repeats)',
    'yaml_recursive_alias': 'a YAML alias repeats a value that contains it',
}
#: the order in which a place is named
PLACE_KEYS = ('part', 'sheet', 'row', 'column', 'string', 'line')


def format_size(count: int) -> str:
    """A byte count as people read it: 5 MB, 64 KB."""
    for unit, size in (('MB', 1024 * 1024), ('KB', 1024)):
        if count >= size and count % size == 0:
            return f'{count // size} {unit}'
    return f'{count} B'


class InputLimitError(ValueError):
    """A file refused by a limit: ``code`` names it (see :data:`MESSAGES`), ``limit`` is its value,
    ``where`` the place (part, sheet, row, column, string, line), when there is one."""

    def __init__(self, code: str, limit: int | None = None, **where: Any) -> None:
        """Keep the code, the limit and the place, and build the English message."""
        self.code, self.limit = code, limit
        self.where = {key: where[key] for key in PLACE_KEYS if where.get(key) is not None}
        super().__init__(self.english())

    @property
    def shown_limit(self) -> str:
        """The limit as shown to people (sizes in MB/KB)."""
        if self.limit is None:
            return ''
        return format_size(self.limit) if self.code.endswith('size') and self.code != 'row_size' else str(self.limit)

    def english(self) -> str:
        """The message in English, with the place in brackets."""
        sentence = MESSAGES[self.code].format(limit=self.shown_limit)
        place = ', '.join(f'{key} {value}' for key, value in self.where.items())
        return f'{sentence} ({place})' if place else sentence


def read_limited(stream: BinaryIO, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a whole upload or file, refusing it once it passes *limit* bytes (nothing more is read)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputLimitError('file_size', limit)
    return data


def read_file(path: str | os.PathLike, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the file at *path*, refused past *limit* bytes."""
    with open(path, 'rb') as stream:
        return read_limited(stream, limit)


# A JSON string (possessive, so a long string costs no backtracking), an opening or closing bracket, a scalar.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|([\[{])|([\]}])|[-0-9.eE+]++|true|false|null')


def check_json(text: str) -> None:
    """Refuse JSON nested deeper than :data:`MAX_DEPTH` or holding more than :data:`MAX_VALUES` values.

    A scan of the text, before ``json.loads`` would recurse into it (a deep array raises RecursionError)
    or build millions of objects. It stops at the first limit; malformed text is left to the parser.
    """
    depth = values = 0
    for match in _JSON_TOKEN.finditer(text):
        if match.group(2):
            depth -= 1
            continue
        values += 1
        if values > MAX_VALUES:
            raise InputLimitError('values', MAX_VALUES, line=text.count('\n', 0, match.start()) + 1)
        if match.group(1):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputLimitError('depth', MAX_DEPTH, line=text.count('\n', 0, match.start()) + 1)


class _BoundedComposer(yaml.composer.Composer):
    """Builds the node tree with a depth limit and counts every value an alias repeats.

    PyYAML shares an aliased node instead of copying it, so a "billion laughs" file composes in
    microseconds; the expansion happens later, in whatever walks the document. Counting each
    node's expanded size here refuses it before anything walks it.
    """

    def compose_document(self) -> Any:
        """Compose one document with fresh counters."""
        self._depth, self._values, self._sizes = 0, 0, {}
        return super().compose_document()

    def _spend(self, count: int, mark: Any) -> None:
        self._values += count
        if self._values > MAX_VALUES:
            raise InputLimitError('values', MAX_VALUES, line=mark.line + 1 if mark else None)

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose a node (recursively); refuse depth, size and aliases of a node inside itself."""
        mark = self.peek_event().start_mark
        if self.check_event(AliasEvent):
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:        # the anchored node is still being composed: the alias is inside it
                raise InputLimitError('yaml_recursive_alias', line=mark.line + 1 if mark else None)
            self._spend(size, mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise InputLimitError('depth', MAX_DEPTH, line=mark.line + 1 if mark else None)
        before = self._values
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._spend(1, mark)
        # Nodes stay alive in the tree until loading ends, so their ids are not reused meanwhile.
        self._sizes[id(node)] = self._values - before
        return node


try:
    from yaml.cyaml import CParser
except ImportError:     # pragma: no cover - the PyYAML wheels of every supported platform include libyaml
    CParser = None

if CParser is not None:
    # libyaml scans and parses in C (the pure-Python scanner takes seconds per MB); the nodes are still
    # composed in Python, by the bounded composer, because libyaml's own composer cannot be limited.
    _PARSERS: tuple[type, ...] = (CParser,)
else:   # pragma: no cover
    _PARSERS = (yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser)


class BoundedSafeLoader(_BoundedComposer, *_PARSERS, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """PyYAML's SafeLoader with :data:`MAX_DEPTH` and :data:`MAX_VALUES` (aliases expanded) enforced."""

    def __init__(self, stream: str | bytes) -> None:
        """Set up every layer on *stream*."""
        if _PARSERS[0] is yaml.reader.Reader:     # pragma: no cover
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
        else:
            CParser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


def load_yaml(text: str | bytes, loader: type[BoundedSafeLoader] = BoundedSafeLoader) -> Any:
    """Parse YAML with *loader* (a :class:`BoundedSafeLoader`), refusing what passes the limits.

    libyaml stops flow collections nested 1,000 deep on its own, before the composer sees them;
    that refusal is reported as the same depth limit.
    """
    try:
        return yaml.load(text, Loader=loader)     # a SafeLoader subclass
    except yaml.YAMLError as exc:
        if 'maximum nesting depth' in str(getattr(exc, 'problem', '') or ''):
            mark = getattr(exc, 'problem_mark', None)
            raise InputLimitError('depth', MAX_DEPTH, line=mark.line + 1 if mark else None) from None
        raise
