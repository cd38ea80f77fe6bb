"""Hostile files for tests, generated on the fly and never stored: zip and XML bombs, deep JSON and YAML.

The zip archives are written by hand (local headers, central directory) so a member can hold a
deflate stream made of one compressed block repeated: a GiB of content costs the test a CRC pass
and a megabyte of disk, not a GiB of memory or a minute of compression.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from openpyxl import Workbook

GIB = 1024 * 1024 * 1024
OFFICIAL_HEADER = ["nombre", "correo", "institución", "región"]
#: the header of an officials list as the first <row> of a hand-written sheet
OFFICIAL_ROW = b'<row r="1">' + b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % text.encode()
                                         for text in OFFICIAL_HEADER) + b"</row>"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
TYPES = "[Content_Types].xml"


class Deflated:
    """A member's raw deflate stream with the CRC and size of what it unpacks to."""

    def __init__(self, compressed: bytes, crc: int, size: int) -> None:
        self.compressed, self.crc, self.size = compressed, crc, size

    @classmethod
    def of(cls, data: bytes) -> Deflated:
        """*data* compressed in one go."""
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        return cls(packer.compress(data) + packer.flush(), zlib.crc32(data), len(data))

    @classmethod
    def repeated(cls, prefix: bytes, unit: bytes, count: int, suffix: bytes) -> Deflated:
        """prefix + unit * count + suffix, with *unit* compressed once.

        After a full flush the compressor forgets its window, so every later copy of *unit*
        compresses to the same bytes: the stream is those bytes repeated.
        """
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
        block = packer.compress(unit) + packer.flush(zlib.Z_FULL_FLUSH)
        tail = packer.compress(suffix) + packer.flush()
        crc = zlib.crc32(prefix)
        for _ in range(count):
            crc = zlib.crc32(unit, crc)
        return cls(head + block * count + tail, zlib.crc32(suffix, crc), len(prefix) + len(unit) * count + len(suffix))


def write_zip(path: Path, members: dict[str, Deflated], declared: dict[str, int] | None = None) -> Path:
    """A zip archive of deflated *members*; *declared* overrides the size a member claims to unpack to."""
    declared = declared or {}
    central, out = [], io.BytesIO()
    for name, member in members.items():
        encoded, offset = name.encode(), out.tell()
        size = declared.get(name, member.size)
        fields = (20, 0, zipfile.ZIP_DEFLATED, 0, 0x21, member.crc, len(member.compressed), size, len(encoded))
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + encoded + member.compressed)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(b"".join(central))
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
    path.write_bytes(out.getvalue())
    return path


def officials_workbook() -> Workbook:
    """A list of officials with its header row only; bombs replace its sheet or strings."""
    workbook = Workbook()
    workbook.active.append(OFFICIAL_HEADER)
    return workbook


def xlsform_workbook() -> Workbook:
    """The smallest XLSForm (settings, one question); its survey sheet is the first one."""
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Español (es)"])
    survey.append(["integer", "edad", "Edad"])
    workbook.create_sheet("choices").append(["list_name", "name", "label::Español (es)"])
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "form_title", "framework"])
    settings.append(["hostil", "Hostil", "pnat-2017-2021"])
    return workbook


def sheet_xml(rows: bytes, dimension: str = "A1") -> bytes:
    """A worksheet part around *rows* (the <row> elements)."""
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="' + dimension.encode() + b'"/><sheetData>' + rows + b"</sheetData></worksheet>")


def workbook_with(path: Path, workbook: Workbook, replace: dict[str, Deflated],
                  declared: dict[str, int] | None = None) -> Path:
    """*workbook* saved by openpyxl, with some parts replaced by hostile ones (a strings table is declared)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    if STRINGS in replace and STRINGS not in parts:    # openpyxl writes inline strings only
        parts[TYPES] = parts[TYPES].replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                            b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                            b'sharedStrings+xml"/></Types>')
    return write_zip(path, {name: Deflated.of(data) for name, data in parts.items()} | replace, declared)


_HEAD, _TAIL = sheet_xml(b"\x00").split(b"\x00")


def cell_bomb(path: Path, workbook: Workbook) -> Path:
    """One cell whose inline text unpacks to 1 GiB (the file is about 1 MB)."""
    unit = b"A" * (1024 * 1024)
    part = Deflated.repeated(_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>', unit, 1024,
                             b"</t></is></c></row>" + _TAIL)
    return workbook_with(path, workbook, {SHEET: part})


def rows_bomb(path: Path, workbook: Workbook) -> Path:
    """1 GiB of rows (numbered implicitly, so they repeat byte for byte)."""
    unit = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000
    return workbook_with(path, workbook, {SHEET: Deflated.repeated(_HEAD, unit, GIB // len(unit), _TAIL)})


def lying_sizes(path: Path, workbook: Workbook) -> Path:
    """The cell bomb, its sheet claiming to unpack to 1 KB in the zip directory."""
    unit = b"A" * (1024 * 1024)
    part = Deflated.repeated(_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>', unit, 64,
                             b"</t></is></c></row>" + _TAIL)
    return workbook_with(path, workbook, {SHEET: part}, declared={SHEET: 1024})


def many_strings(path: Path, workbook: Workbook, count: int = 200_000) -> Path:
    """A shared strings table of *count* tiny strings (3.4 MB unpacked)."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" count="%d" uniqueCount="%d">' % (count, count))
    unit = b"<si><t>x</t></si>" * 1000
    return workbook_with(path, workbook, {STRINGS: Deflated.repeated(head, unit, count // 1000, b"</sst>")})


def shared_string_everywhere(path: Path, workbook: Workbook, first_row: bytes = b"") -> Path:
    """One 30,000-character shared string used by 100,000 cells: 3 billion characters once read."""
    strings = (b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
               b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>' + b"L" * 30_000 + b"</t></si></sst>")
    rows = (b"<row>" + b'<c t="s"><v>0</v></c>' * 20 + b"</row>") * 100
    head, tail = sheet_xml(b"\x00", "A1:T5001").split(b"\x00")
    return workbook_with(path, workbook, {STRINGS: Deflated.of(strings),
                                          SHEET: Deflated.repeated(head + first_row, rows, 50, tail)})


def million_rows(path: Path, workbook: Workbook) -> Path:
    """A sheet declaring A1:XFD1000000 whose data goes past row 5,001."""
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Ana %d</t></is></c></row>' % (n, n, n)
                    for n in range(1, 6001))
    return workbook_with(path, workbook, {SHEET: Deflated.of(sheet_xml(rows, "A1:XFD1000000"))})


def entity_bomb(path: Path, workbook: Workbook) -> Path:
    """"Billion laughs" in the sheet: ten entities, each ten times the one before."""
    entities = b'<!ENTITY e0 "lol">' + b"".join(b'<!ENTITY e%d "%s">' % (n, b"&e%d;" % (n - 1) * 10)
                                                for n in range(1, 10))
    part = (b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [' + entities + b']>'
            + sheet_xml(b'<row r="1"><c r="A1" t="inlineStr"><is><t>&e9;</t></is></c></row>').split(b"\n", 1)[1])
    return workbook_with(path, workbook, {SHEET: Deflated.of(part)})


def yaml_alias_bomb() -> str:
    """A valid definition carrying "billion laughs" in an x_ field (kept verbatim, so stored as JSON):
    nine levels of nine aliases, a few KB that expand to 10⁹ values."""
    lines = ["format: 1", "key: bomba", "title: {es: Cuestionario bomba}", "framework: pnat-2017-2021",
             "sections:", "  - key: general", "    title: {es: General}", "    questions:",
             "      - {key: edad, type: integer, text: {es: Edad}}", "x_lol:",
             '  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    return "\n".join(lines) + "\n"


def deep_json(depth: int = 100_000) -> str:
    """An array nested *depth* deep."""
    return "[" * depth + "]" * depth


def deep_yaml(depth: int = 100_000) -> str:
    """A YAML block sequence nested *depth* deep, on one line."""
    return "- " * depth + "x\n"
