"""Bad input on the builder: nothing is saved, the error says where, what was typed stays, markup stays text."""
from __future__ import annotations

import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Questionnaire, QuestionnaireVersion
from survey.services import questionnaires as qs
from tests.factories import login_as, make_draft, make_staff, reference_document

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def editor(client):
    user = make_staff("editor")
    login_as(client, user)
    return user


def _post(client, url, data, key="demo"):
    return client.post(url, data={"base": qs.get(key).draft.fingerprint, **data})


def _versions() -> int:
    return db.session.scalar(select(func.count()).select_from(QuestionnaireVersion))


def test_oversized_and_empty_fields_get_clear_errors_and_nothing_is_saved(client, editor):
    make_draft()
    before = qs.get("demo").draft.fingerprint
    long_title = "T" * 10_000
    response = _post(client, "/builder/demo/draft/header", {"title_es": long_title, "framework": "pnat-2017-2021"})
    assert response.status_code == 422
    assert "Escriba como máximo 300 caracteres (tiene 10000)" in response.text
    assert long_title in response.text  # what was typed is kept on the page
    response = _post(client, "/builder/demo/draft/questions/campanas", {
        "key": "", "type": "integer", "text_es": "", "min": "diez", "max": "3,5"})
    assert response.status_code == 422
    assert 'id="err-min"' in response.text and 'id="err-max"' in response.text
    response = _post(client, "/builder/demo/draft/questions/campanas", {"key": "campanas", "type": "integer",
                                                                        "text_es": "", "text_en": "Only English"})
    assert response.status_code == 422
    assert 'id="err-text"' in response.text and "Falta el texto en español." in response.text
    assert "Only English" in response.text
    assert client.post("/builder/new", data={"key": "", "title_es": "", "framework": ""}).status_code == 422
    assert qs.get("demo").draft.fingerprint == before


def test_duplicate_keys_are_refused_next_to_the_key(client, editor):
    make_draft()
    response = _post(client, "/builder/demo/draft/sections/prevencion/questions/new",
                     {"key": "tiene_oficina", "type": "text", "text_es": "Otra"})
    assert response.status_code == 422
    assert 'id="err-key"' in response.text and "Esta clave ya se usa" in response.text
    response = _post(client, "/builder/demo/draft/sections/new", {"key": "perfil", "title_es": "Otra"})
    assert response.status_code == 422 and 'id="err-key"' in response.text
    make_draft()
    assert client.post("/builder/new", data={"key": "demo", "title_es": "X", "framework": "pnat-2017-2021"}
                       ).status_code == 422
    response = _post(client, "/builder/demo/draft/questions/campanas",
                     {"key": "Con Espacios", "type": "integer", "text_es": "X"})
    assert response.status_code == 422 and "minúscula" in response.text
    assert [q["key"] for q in qs.get("demo").draft.document["sections"][1]["questions"]] == ["campanas"]


def test_a_show_if_pointing_forward_is_refused(client, editor):
    make_draft()
    response = _post(client, "/builder/demo/draft/questions/tiene_oficina", {
        "key": "tiene_oficina", "type": "yes_no", "text_es": "¿Tiene oficina?",
        "show_if_question": "campanas", "show_if_op": "gt", "show_if_value": "0"})
    assert response.status_code == 422
    assert 'id="err-show_if"' in response.text and "anteriores" in response.text
    # The refused target stays selected so the user sees what was wrong.
    assert '<option value="campanas" selected>' in response.text
    response = _post(client, "/builder/demo/draft/questions/tiene_oficina", {
        "key": "tiene_oficina", "type": "yes_no", "text_es": "X", "show_if_expr": "campanas > 0 y ("})
    assert response.status_code == 422 and "No se entiende la condición" in response.text
    assert "show_if" not in qs.get("demo").draft.document["sections"][0]["questions"][0]


def test_markup_in_every_text_field_is_shown_as_text_everywhere(client, editor):
    response = client.post("/builder/new", data={
        "key": "xss", "title_es": PAYLOAD, "title_en": PAYLOAD, "description_es": PAYLOAD,
        "framework": "pnat-2017-2021"})
    assert response.status_code == 302
    _post(client, "/builder/xss/draft/sections/seccion_1", {
        "key": "seccion_1", "title_es": PAYLOAD, "description_es": PAYLOAD, "axis": ""}, key="xss")
    assert _post(client, "/builder/xss/draft/questions/pregunta_1", {
        "key": "pregunta_1", "type": "single_choice", "text_es": PAYLOAD, "text_en": PAYLOAD, "help_es": PAYLOAD,
        "options": f"a | {PAYLOAD} | {PAYLOAD}\nb | dos"}, key="xss").status_code == 302
    assert _post(client, "/builder/xss/draft/sections/seccion_1/questions/new", {
        "key": "pregunta_2", "type": "text", "text_es": PAYLOAD, "show_if_question": "pregunta_1",
        "show_if_op": "equals", "show_if_value": "a"}, key="xss").status_code == 302
    pages = ["/builder/", "/builder/xss", "/builder/xss/draft", "/builder/xss/draft/questions/pregunta_1",
             "/builder/xss/draft/sections/seccion_1", "/builder/xss/v1/preview",
             "/builder/xss/v1/preview?preview_lang=en", "/builder/xss/publish", "/builder/xss/history",
             "/builder/xss/draft/questions/pregunta_1/delete"]
    for url in pages:
        text = client.get(url).text
        assert "<script>alert" not in text and "<img src=x" not in text, url
    assert "&lt;script&gt;" in client.get("/builder/xss/v1/preview").text
    qs.publish(qs.get("xss"))
    client.post("/builder/xss/versions")
    _post(client, "/builder/xss/draft/questions/pregunta_2", {
        "key": "pregunta_2", "type": "text", "text_es": PAYLOAD + "!"}, key="xss")
    for url in ("/builder/xss/publish", "/builder/xss/diff?a=1&b=2"):
        text = client.get(url).text
        assert "<script>alert" not in text and "&lt;script&gt;" in text, url


def test_a_forged_csrf_token_is_refused_and_changes_nothing(app, client, editor, csrf_enabled):
    make_draft()
    before = qs.get("demo").draft.fingerprint
    response = _post(client, "/builder/demo/draft/header",
                     {"csrf_token": "forged", "title_es": "Cambiado", "framework": "pnat-2017-2021"})
    assert response.status_code == 400
    assert client.post("/builder/demo/publish", data={"base": before}).status_code == 400
    assert qs.get("demo").draft.fingerprint == before and qs.get("demo").latest_published is None
    # The real token from the page works.
    page = client.get("/builder/demo/draft").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert _post(client, "/builder/demo/draft/header", {"csrf_token": token, "title_es": "Cambiado",
                                                        "framework": "pnat-2017-2021"}).status_code == 302


def _upload(client, name: str, data: bytes):
    return client.post("/builder/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_an_import_with_many_problems_lists_them_all_and_saves_nothing(client, editor):
    document = reference_document()
    document["key"] = "Mala Clave"
    document["sections"][0]["questions"][0]["type"] = "dropdown"
    document["sections"][0]["questions"][1]["key"] = document["sections"][0]["questions"][2]["key"]
    document["sections"][1]["questions"][0]["show_if"] = {"question": "no_existe", "equals": 1}
    document["sections"][1]["axis"] = "economy"
    before = _versions()
    response = _upload(client, "malo.json", json.dumps(document).encode())
    assert response.status_code == 422
    assert "tiene 6 problemas" in response.text and response.text.count("<li>") >= 6
    for fragment in ("dropdown", "no_existe", "economy", "Mala Clave", "question key"):
        assert fragment in response.text, fragment
    assert _versions() == before and db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0


def test_bad_files_are_explained(client, editor):
    assert "Elija un archivo" in client.post("/builder/import", data={}).text
    assert "no admitido" in _upload(client, "cuestionario.docx", b"x").text
    assert "line 1" in _upload(client, "roto.json", b"{nope").text
    assert "line" in _upload(client, "roto.yaml", b"key: [unclosed").text
    assert "xlsx" in _upload(client, "falso.xlsx", b"not a zip").text
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label::Spanish (es)"])
    sheet.append(["select_one nolist", "a", "A"])
    sheet.append(["foo", "b", "B"])
    sheet.append(["integer", "", "C"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(client, "malo.xlsx", buffer.getvalue())
    assert response.status_code == 422
    for fragment in ("fila 2", "fila 3", "fila 4", "nolist", "foo"):
        assert fragment in response.text, fragment
    assert _versions() == 0


@pytest.mark.parametrize("fmt", ["xlsx", "yaml", "json"])
def test_export_then_import_through_the_browser_round_trips(client, editor, fmt):
    version = qs.import_document(reference_document())
    qs.publish(version.questionnaire)
    exported = client.get(f"/builder/{version.questionnaire.key}/v1/export.{fmt}")
    assert exported.status_code == 200
    response = _upload(client, f"exportado.{fmt}", exported.data)
    assert response.status_code == 302, response.text
    questionnaire = qs.get(version.questionnaire.key)
    assert questionnaire.draft.number == 2
    assert questionnaire.draft.fingerprint == questionnaire.latest_published.fingerprint


def test_import_errors_quote_hostile_content_as_text(client, editor):
    document = reference_document()
    document["key"] = PAYLOAD
    document["sections"][0]["questions"][0]["type"] = PAYLOAD
    response = _upload(client, "hostil.json", json.dumps(document).encode())
    assert response.status_code == 422 and "<script>alert" not in response.text and "&lt;script&gt;" in response.text
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label::Spanish (es)"])
    sheet.append([PAYLOAD, PAYLOAD, PAYLOAD])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(client, "<b>hostil</b>.xlsx", buffer.getvalue())
    assert response.status_code == 422 and "fila 2" in response.text, response.location
    assert "<script>alert" not in response.text and "<b>hostil" not in response.text
