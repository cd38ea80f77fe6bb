"""The consolidated workbook on paper: every sheet landscape and one page wide, its first row atop each
page, the chart on a page of its own, and axis sheets with short names that are not cut off."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

import questionnaires
from survey.workbook.builder import build
from tests.factories import make_invitation, make_response, make_round, publish_document
from tests.respond_support import pnat_pages

PLACES = [("mininter", "cusco"), ("pnp", "puno"), ("mimp", "lima")]


@pytest.fixture
def reference_round(db_session):
    """The reference PNAT questionnaire answered completely by three officials."""
    version = publish_document()
    questionnaire = version.load()
    answers = {}
    for section, fields in pnat_pages().items():
        parsed, errors = questionnaires.parse_form(questionnaire, section, fields)
        assert not errors
        answers.update(parsed)
    round_ = make_round(version, title="Informe Alternativo 2026")
    for institution, region in PLACES:
        invitation, _ = make_invitation(round_, institution=institution, region=region)
        make_response(invitation, answers)
    return round_


def workbook(round_, tmp_path: Path, lang: str = "es"):
    path = tmp_path / f"ronda-{lang}.xlsx"
    build(round_.id, path, lang=lang)
    return path, load_workbook(path)


def test_every_sheet_prints_landscape_one_page_wide_with_its_first_row_repeated(reference_round, tmp_path):
    _, wb = workbook(reference_round, tmp_path)
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert setup.fitToWidth == 1, ws.title
        assert "&P" in ws.oddFooter.center.text, ws.title
        if ws.title != "Gráfico":
            assert setup.fitToHeight == 0, ws.title  # as many pages down as the rows need
            assert ws.print_title_rows == "$1:$1", ws.title
    # The repeated row is the one that names the columns.
    assert wb["Respuestas"]["A1"].value == "ID respuesta"
    assert wb["Invitaciones"]["A1"].value == "Funcionario(a)"
    assert wb["Diccionario"]["A1"].value == "Clave"


def test_the_chart_has_a_page_of_its_own(reference_round, tmp_path):
    _, wb = workbook(reference_round, tmp_path)
    assert wb.sheetnames[:2] == ["Resumen", "Gráfico"]
    assert not wb["Resumen"]._charts
    chart_sheet = wb["Gráfico"]
    (chart,) = chart_sheet._charts
    assert chart_sheet.max_row == 1 and chart_sheet["A1"].value is None  # nothing else on that page
    assert (chart_sheet.page_setup.fitToWidth, chart_sheet.page_setup.fitToHeight) == (1, 1)
    assert chart.anchor._from.col == 0 and chart.anchor._from.row == 0


def test_axis_sheets_have_short_names_and_their_full_name_on_top(reference_round, tmp_path):
    _, wb = workbook(reference_round, tmp_path)
    assert wb.sheetnames[2:6] == ["Eje 1", "Eje 2", "Eje 3", "Eje 4"]
    assert [wb[f"Eje {n}"]["A1"].value for n in range(1, 5)] == [
        "Eje 1: Gobernanza institucional",
        "Eje 2: Prevención y sensibilización",
        "Eje 3: Fiscalización y persecución del delito",
        "Eje 4: Atención, protección y reintegración",
    ]
    _, english = workbook(reference_round, tmp_path, "en")
    assert english["Axis 3"]["A1"].value == "Axis 3: Inspection and prosecution"


def test_the_summary_column_a_is_wide_enough_for_the_axis_names(reference_round, tmp_path):
    _, wb = workbook(reference_round, tmp_path)
    assert wb["Resumen"].column_dimensions["A"].width >= len("Fiscalización y persecución del delito")


def _pages_per_sheet(pdf: Path) -> dict[str, int]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    counts: dict[str, int] = {}
    for name in re.findall(r"(\S[^\n·]*?) · \d+ / \d+", text):
        counts[name.strip()] = counts.get(name.strip(), 0) + 1
    return counts


@pytest.mark.slow
def test_a_three_response_round_prints_on_few_pages(reference_round, tmp_path):
    """Converted by LibreOffice as a user printing the whole workbook would: it used to take 186 pages."""
    path, _ = workbook(reference_round, tmp_path)
    profile = tmp_path / "lo-profile"  # a private LibreOffice profile: runs in parallel do not share one
    subprocess.run([shutil.which("libreoffice") or "libreoffice", f"-env:UserInstallation=file://{profile}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    pdf = path.with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    assert pages <= 24
    per_sheet = _pages_per_sheet(pdf)
    assert per_sheet["Resumen"] == 1 and per_sheet["Gráfico"] == 1 and per_sheet["Matriz"] == 1
    assert all(per_sheet[f"Eje {n}"] <= 2 for n in range(1, 5))
