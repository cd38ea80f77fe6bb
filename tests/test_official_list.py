"""Reading lists of officials: .xlsx and .csv, Spanish or English headers, bad files named."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from survey.services.official_list import ListError, OfficialRow, parse


@pytest.fixture
def request_ctx(app):
    """Messages are translated strings: render them as a Spanish request would."""
    with app.test_request_context():
        yield


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_with_spanish_headers(request_ctx):
    data = xlsx([
        ["Nombre", "Correo electrónico", "Institución", "Región", "Cargo", "Idioma"],
        ["Ana Quispe", "ana@mininter.gob.pe", "MININTER", "Cusco", "Directora", "es"],
        [None, None, None, None, None, None],
        ["John Smith", "john@pnp.gob.pe", "pnp", 8, None, "EN"],
    ])
    rows = parse("funcionarios.xlsx", data)
    assert rows == [
        OfficialRow(2, "Ana Quispe", "ana@mininter.gob.pe", "MININTER", "Cusco", "Directora", "es"),
        OfficialRow(4, "John Smith", "john@pnp.gob.pe", "pnp", "8", "", "EN"),
    ]


def test_a_csv_with_english_headers_in_another_order(request_ctx):
    data = b"email,name,region,institution,position\nana@x.pe,Ana,Cusco,MIMP,Jefa\n"
    assert parse("list.csv", data) == [OfficialRow(2, "Ana", "ana@x.pe", "MIMP", "Cusco", "Jefa", "")]


def test_a_semicolon_csv_saved_by_excel_in_windows_1252(request_ctx):
    text = "NOMBRE;CORREO;INSTITUCIÓN;REGIÓN;CARGO\r\nNúñez Peña, José;jose@x.pe;Ministerio Público;Junín;Fiscal\r\n"
    rows = parse("lista.csv", text.encode("cp1252"))
    assert rows == [OfficialRow(2, "Núñez Peña, José", "jose@x.pe", "Ministerio Público", "Junín", "Fiscal", "")]


def test_a_utf8_csv_with_bom_and_accents(request_ctx):
    text = "\ufeffnombre,correo,institución,región\nMaría Ñahui,maria@x.pe,Poder Judicial,San Martín\n"
    rows = parse("lista.csv", text.encode("utf-8"))
    assert rows[0].institution == "Poder Judicial" and rows[0].region == "San Martín"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("vacio.csv", b"", "El archivo está vacío."),
    ("vacio.csv", b"\n\n  \n", "El archivo está vacío."),
    ("vacio.xlsx", None, "El archivo está vacío."),
    ("solo.csv", "nombre,correo,institución,región\n".encode(), "no tiene filas de funcionarios"),
    ("foto.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "no es una hoja de cálculo"),
    ("foto.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "no es un CSV de texto"),
    ("roto.xlsx", b"PK\x03\x04 not really a zip", "no es una hoja de cálculo .xlsx válida"),
    ("viejo.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "Los archivos .xls antiguos no se admiten"),
    ("notas.txt", b"hola", "Falta la columna"),
])
def test_files_that_cannot_be_used_say_why(request_ctx, name, data, message):
    if data is None:
        data = xlsx([])
    with pytest.raises(ListError) as error:
        parse(name, data)
    assert message in str(error.value)


def test_a_missing_column_is_named(request_ctx):
    data = b"nombre,correo,cargo\nAna,ana@x.pe,Jefa\n"
    with pytest.raises(ListError) as error:
        parse("lista.csv", data)
    assert str(error.value) == ("Falta la columna: región / region, institución u organización / institution or "
                                "organisation.")


def test_a_list_too_long_is_refused(request_ctx):
    lines = ["name,email,institution,region"] + [f"N{i},n{i}@x.pe,pnp,cusco" for i in range(5001)]
    with pytest.raises(ListError, match="más de 5000 filas"):
        parse("big.csv", "\n".join(lines).encode())


def test_row_numbers_are_the_sheets_own_even_after_blank_rows_and_columns(request_ctx):
    workbook = Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"], sheet["D3"], sheet["E3"] = "Nombre", "Correo", "Institución", "Región"
    sheet["B5"], sheet["C5"], sheet["D5"], sheet["E5"] = "Ana", "ana@x.pe", "PNP", "Cusco"
    out = io.BytesIO()
    workbook.save(out)
    assert parse("lista.xlsx", out.getvalue()) == [OfficialRow(5, "Ana", "ana@x.pe", "PNP", "Cusco")]
