"""The builder pages through the test client: an editor's whole job, and an analyst who may only look."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent
from survey.services import questionnaires as qs
from tests.factories import builder_document, login_as, make_draft, make_staff


@pytest.fixture
def editor(client):
    user = make_staff("editor")
    login_as(client, user)
    return user


def _post(client, url, data, key="demo"):
    """POST a builder form carrying the current draft fingerprint, as the page would."""
    return client.post(url, data={"base": qs.get(key).draft.fingerprint, **data})


def _document(key="demo"):
    questionnaire = qs.get(key)
    return (questionnaire.draft or questionnaire.latest).document


def _order(key="demo"):
    return [(s["key"], [q["key"] for q in s["questions"]]) for s in _document(key)["sections"]]


def _audit(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_an_editor_creates_a_questionnaire_and_lists_it(client, editor):
    page = client.get("/builder/new")
    assert page.status_code == 200 and "pnat-2017-2021" in page.text
    response = client.post("/builder/new", data={"key": "anual-2025", "title_es": "Cuestionario anual",
                                                 "title_en": "Annual questionnaire", "framework": "pnat-2017-2021"})
    assert response.status_code == 302 and response.location.endswith("/builder/anual-2025/draft")
    document = _document("anual-2025")
    assert document["title"] == {"es": "Cuestionario anual", "en": "Annual questionnaire"}
    assert document["framework"] == "pnat-2017-2021" and len(document["sections"]) == 1
    listing = client.get("/builder/")
    assert "Cuestionario anual" in listing.text and "Borrador v1" in listing.text
    assert [e.details["version"] for e in _audit("questionnaire.create")] == [1]


def test_creating_with_a_custom_framework(client, editor):
    response = client.post("/builder/new", data={
        "key": "pn-2030", "title_es": "Política 2030", "framework": "custom", "framework_key": "pn-2030",
        "framework_name_es": "Política Nacional al 2030", "framework_axes": "op1 | Objetivo 1 | Objective 1\nop2 | Objetivo 2"})
    assert response.status_code == 302
    assert [axis["key"] for axis in _document("pn-2030")["framework"]["axes"]] == ["op1", "op2"]
    page = client.get("/builder/pn-2030/draft/sections/seccion_1")
    assert "Objetivo 2" in page.text


def test_header_edit_is_saved_and_audited(client, editor):
    make_draft()
    response = _post(client, "/builder/demo/draft/header", {
        "title_es": "Nuevo título", "title_en": "New title", "description_es": "Texto", "framework": "pnat-2017-2021"})
    assert response.status_code == 302
    assert _document()["title"] == {"es": "Nuevo título", "en": "New title"}
    assert _document()["description"] == {"es": "Texto"}
    assert [e.details["change"] for e in _audit("questionnaire.edit")] == ["header"]


def test_sections_are_added_edited_moved_and_deleted(client, editor):
    make_draft()
    response = _post(client, "/builder/demo/draft/sections/new", {
        "key": "proteccion", "title_es": "Protección", "axis": "protection"})
    assert response.status_code == 302
    assert _order()[-1][0] == "proteccion" and len(_order()[-1][1]) == 1
    response = _post(client, "/builder/demo/draft/sections/proteccion", {
        "key": "atencion", "title_es": "Atención", "title_en": "Care", "axis": "protection"})
    assert response.status_code == 302 and _order()[-1][0] == "atencion"
    assert _post(client, "/builder/demo/draft/move", {"move": "section:atencion:up"}).status_code == 302
    assert [s for s, _ in _order()] == ["perfil", "atencion", "prevencion"]
    confirm = client.get("/builder/demo/draft/sections/atencion/delete")
    assert confirm.status_code == 200 and "Sí, borrar" in confirm.text
    assert _post(client, "/builder/demo/draft/sections/atencion/delete", {}).status_code == 302
    assert [s for s, _ in _order()] == ["perfil", "prevencion"]


QUESTION_FORMS = {
    "single_choice": {"options": "a | Uno | One\nb | Dos"},
    "multiple_choice": {"options": "a | Uno\nb | Dos\nninguna | Ninguna", "exclusive_options": "ninguna",
                        "min": "1", "score_method": "count_selected", "score_weight": "2", "score_cap": "2"},
    "yes_no": {"score_method": "boolean", "score_weight": "1"},
    "integer": {"min": "0", "max": "100", "max_ref": "campanas"},
    "decimal": {"decimals": "1", "score_method": "ratio", "score_weight": "1", "score_denominator": "campanas",
                "score_thresholds": ">= 0.5: 1\n> 0: 0.5"},
    "currency": {"min": "0", "currency": "USD"},
    "date": {"min": "01/01/2020", "max": "2025-12-31"},
    "text": {"pattern": r"\d{8}", "max": "8"},
    "long_text": {"max": "2000"},
    "likert": {"min": "1", "max": "5", "score_method": "option_points", "score_weight": "1",
               "options": "1 | Nada\n5 | Mucho", "score_points": "1: 0\n5: 1"},
    "matrix": {"rows": "r1 | Fila 1\nr2 | Fila 2", "cell_type": "integer", "columns": "c1 | Columna 1",
               "cell_min": "0"},
}


@pytest.mark.parametrize("kind", sorted(QUESTION_FORMS))
def test_questions_of_every_type_are_added(client, editor, kind):
    make_draft()
    form = client.get(f"/builder/demo/draft/sections/prevencion/questions/new?type={kind}")
    assert form.status_code == 200
    data = {"key": f"nueva_{kind}", "type": kind, "text_es": f"Pregunta {kind}", "text_en": f"Question {kind}",
            "help_es": "Ayuda", "required": "1", "show_if_question": "tiene_oficina", "show_if_op": "equals",
            "show_if_value": "sí", **QUESTION_FORMS[kind]}
    response = _post(client, "/builder/demo/draft/sections/prevencion/questions/new", data)
    assert response.status_code == 302, response.text
    question = _document()["sections"][1]["questions"][-1]
    assert question["key"] == f"nueva_{kind}" and question["type"] == kind and question["required"] is True
    assert question["show_if"] == {"question": "tiene_oficina", "equals": True}
    # The saved question shows again in its form, ready to edit.
    page = client.get(f"/builder/demo/draft/questions/nueva_{kind}")
    assert page.status_code == 200 and f"Pregunta {kind}" in page.text


def test_a_question_is_edited_and_moved_across_sections(client, editor):
    make_draft()
    page = client.get("/builder/demo/draft/questions/campanas")
    assert 'value="campanas"' in page.text
    response = _post(client, "/builder/demo/draft/questions/campanas", {
        "key": "campanas", "type": "integer", "text_es": "Campañas realizadas", "min": "0", "max": "50",
        "show_if_expr": "tiene_oficina = sí y no oficina_nombre = x", "score_method": "threshold",
        "score_weight": "3", "score_thresholds": ">= 10: 1\n>= 1: 0.5"})
    assert response.status_code == 302
    question = _document()["sections"][1]["questions"][0]
    assert question["max"] == 50 and question["score"]["weight"] == 3
    assert question["show_if"] == {"all": [{"question": "tiene_oficina", "equals": True},
                                           {"not": {"question": "oficina_nombre", "equals": "x"}}]}
    assert _post(client, "/builder/demo/draft/move", {"move": "question:oficina_nombre:down"}).status_code == 302
    assert _order() == [("perfil", ["tiene_oficina"]), ("prevencion", ["oficina_nombre", "campanas"])]
    assert _post(client, "/builder/demo/draft/move", {"move": "question:oficina_nombre:up"}).status_code == 302
    assert _order() == [("perfil", ["tiene_oficina", "oficina_nombre"]), ("prevencion", ["campanas"])]


def test_moving_the_only_question_out_of_a_section_is_refused(client, editor):
    make_draft()
    before = _order()
    response = _post(client, "/builder/demo/draft/move", {"move": "question:campanas:up"})
    assert response.status_code == 422
    assert "necesita" in response.text or "vacía" in response.text
    assert _order() == before


def test_drag_and_drop_order_and_question_delete(client, editor):
    make_draft()
    response = _post(client, "/builder/demo/draft/order",
                     {"order": "prevencion=campanas;perfil=tiene_oficina,oficina_nombre"})
    assert response.status_code == 302
    assert _order() == [("prevencion", ["campanas"]), ("perfil", ["tiene_oficina", "oficina_nombre"])]
    assert _post(client, "/builder/demo/draft/order", {"order": "perfil=tiene_oficina"}).status_code == 400
    assert _post(client, "/builder/demo/draft/questions/oficina_nombre/delete", {}).status_code == 302
    assert _order()[1] == ("perfil", ["tiene_oficina"])
    # Deleting a question another one depends on is refused with the dependent named.
    make_draft(builder_document("otro"))
    refused = _post(client, "/builder/otro/draft/questions/tiene_oficina/delete", {}, key="otro")
    assert refused.status_code == 422 and "oficina_nombre" in refused.text


def test_preview_in_both_languages_with_show_if(client, editor):
    make_draft()
    page = client.get("/builder/demo/v1/preview")
    assert page.status_code == 200
    assert "¿Tiene oficina?" in page.text and "data-show-if" in page.text and "showif.js" in page.text
    # Without JavaScript the conditional question starts hidden, then the refresh shows it.
    assert 'data-showif-slot hidden>\n      <div class="question" id="q-oficina_nombre-block"' in page.text
    refreshed = client.post("/builder/demo/v1/preview", data={"tiene_oficina": "true"})
    assert 'data-showif-slot>\n      <div class="question" id="q-oficina_nombre-block"' in refreshed.text
    # Answers are checked as officials' would be, with the same messages, and kept on the page.
    checked = client.post("/builder/demo/v1/preview", data={"campanas": "-3", "tiene_oficina": "false"})
    assert "El valor debe ser 0 o más." in checked.text and 'value="-3"' in checked.text
    english = client.get("/builder/demo/v1/preview?preview_lang=en")
    assert "Office?" in english.text and '<html lang="en">' in english.text
    # The preview language does not change the interface language of the next page.
    assert '<html lang="es">' in client.get("/builder/").text


def test_publish_shows_the_diff_and_freezes_the_version(client, editor):
    make_draft()
    first = client.get("/builder/demo/publish")
    assert "primera versión" in first.text
    assert client.post("/builder/demo/publish", data={"base": "stale"}).status_code == 409
    assert qs.get("demo").draft is not None
    assert _post(client, "/builder/demo/publish", {}).status_code == 302
    questionnaire = qs.get("demo")
    assert questionnaire.draft is None and questionnaire.latest_published.published_by.email == editor.email
    # Later edits need a new draft: the editor is sent back with an explanation.
    assert client.get("/builder/demo/draft").status_code == 302
    assert "Crear nueva versión" in client.get("/builder/demo").text
    assert client.post("/builder/demo/versions").status_code == 302
    assert qs.get("demo").draft.number == 2
    _post(client, "/builder/demo/draft/questions/campanas", {
        "key": "campanas", "type": "integer", "text_es": "Campañas de prevención", "min": "0",
        "score_method": "threshold", "score_weight": "1", "score_thresholds": ">= 1: 1"})
    _post(client, "/builder/demo/draft/sections/prevencion/questions/new", {
        "key": "charlas", "type": "yes_no", "text_es": "¿Dio charlas?"})
    review = client.get("/builder/demo/publish")
    assert "Cambios respecto de la versión publicada 1" in review.text
    assert 'data-key="charlas"' in review.text and 'data-key="campanas"' in review.text
    assert "Campañas de prevención" in review.text
    assert _post(client, "/builder/demo/publish", {}).status_code == 302
    assert [e.details["version"] for e in _audit("questionnaire.publish")] == [1, 2]
    assert [e.details["version"] for e in _audit("questionnaire.draft")] == [2]


def test_history_and_diff_between_any_two_versions(client, editor):
    make_draft()
    qs.publish(qs.get("demo"), user=editor)
    document = builder_document()
    document["sections"][0]["questions"].pop(1)
    qs.import_document(document)
    history = client.get("/builder/demo/history")
    assert history.status_code == 200 and editor.email in history.text and "Comparar" in history.text
    diff = client.get("/builder/demo/diff?a=1&b=2")
    assert diff.status_code == 200 and "Preguntas eliminadas" in diff.text and "oficina_nombre" in diff.text
    assert client.get("/builder/demo/diff?a=1&b=9").status_code == 404
    assert client.get("/builder/demo/diff").status_code == 400
    assert client.get("/builder/demo/v1/preview").status_code == 200


def test_export_downloads_every_format_and_is_audited(client, editor):
    make_draft()
    for fmt, marker in (("json", b'"key": "demo"'), ("yaml", b"key: demo"), ("xlsx", b"PK")):
        response = client.get(f"/builder/demo/v1/export.{fmt}")
        assert response.status_code == 200 and marker in response.data
        assert f"demo-v1.{fmt}" in response.headers["Content-Disposition"]
    assert client.get("/builder/demo/v1/export.exe").status_code == 404
    assert [e.details["format"] for e in _audit("questionnaire.export")] == ["json", "yaml", "xlsx"]


def test_a_stale_page_does_not_overwrite_a_newer_draft(client, editor):
    make_draft()
    response = client.post("/builder/demo/draft/questions/campanas", data={
        "base": "old-fingerprint", "key": "campanas", "type": "integer", "text_es": "Texto perdido"})
    assert response.status_code == 409 and "Texto perdido" in response.text
    assert _document()["sections"][1]["questions"][0]["text"]["es"] == "Número de campañas"


CHANGES = [
    ("post", "/builder/new", {"key": "x", "title_es": "X", "framework": "pnat-2017-2021"}),
    ("get", "/builder/new", None),
    ("get", "/builder/import", None),
    ("post", "/builder/import", {}),
    ("get", "/builder/demo/draft", None),
    ("post", "/builder/demo/draft/header", {"title_es": "X", "framework": "pnat-2017-2021"}),
    ("post", "/builder/demo/draft/move", {"move": "section:perfil:down"}),
    ("post", "/builder/demo/draft/order", {"order": "prevencion=campanas;perfil=tiene_oficina,oficina_nombre"}),
    ("post", "/builder/demo/draft/sections/new", {"key": "s", "title_es": "S"}),
    ("post", "/builder/demo/draft/sections/perfil", {"key": "perfil", "title_es": "S"}),
    ("post", "/builder/demo/draft/sections/perfil/delete", {}),
    ("post", "/builder/demo/draft/sections/perfil/questions/new", {"key": "q", "type": "text", "text_es": "Q"}),
    ("post", "/builder/demo/draft/questions/campanas", {"key": "campanas", "type": "text", "text_es": "Q"}),
    ("post", "/builder/demo/draft/questions/campanas/delete", {}),
    ("get", "/builder/demo/publish", None),
    ("post", "/builder/demo/publish", {}),
    ("post", "/builder/demo/versions", {}),
]


def test_an_analyst_reads_everything_and_changes_nothing(client):
    make_draft()
    fingerprint = qs.get("demo").draft.fingerprint
    login_as(client, make_staff("analyst"))
    for url in ("/builder/", "/builder/demo", "/builder/demo/history", "/builder/demo/v1/preview",
                "/builder/demo/v1/export.json"):
        assert client.get(url).status_code == 200, url
    assert "Nuevo cuestionario" not in client.get("/builder/").text
    for method, url, data in CHANGES:
        response = getattr(client, method)(url, data={"base": fingerprint, **(data or {})} if data is not None else None)
        assert response.status_code == 403, (method, url)
    assert qs.get("demo").draft.fingerprint == fingerprint and qs.get("x") is None
    assert _audit("questionnaire.edit") == []


def test_without_login_every_builder_page_asks_for_it(client):
    make_draft()
    for method, url, data in CHANGES + [("get", "/builder/", None), ("get", "/builder/demo/v1/preview", None)]:
        response = getattr(client, method)(url, data=data)
        assert response.status_code in (302, 401), (method, url)
        if response.status_code == 302:
            assert "/login" in response.location
