"""The builder addresses a section or a question to State officials or to civil society, and explains a mistake."""
from __future__ import annotations

import pytest

from survey.services import questionnaires as qs
from tests.factories import login_as, make_draft, make_staff


@pytest.fixture
def editor(client):
    login_as(client, make_staff("editor"))
    make_draft()


def _post(client, url, data):
    return client.post(url, data={"base": qs.get("demo").draft.fingerprint, **data})


def _sections():
    return {section["key"]: section for section in qs.get("demo").draft.document["sections"]}


CAMPANAS = {"key": "campanas", "type": "integer", "text_es": "Número de campañas", "min": "0",
            "score_method": "threshold", "score_weight": "1", "score_thresholds": ">= 1: 1"}


def test_a_section_for_the_state_and_a_question_for_civil_society(client, editor):
    response = _post(client, "/builder/demo/draft/sections/prevencion",
                     {"key": "prevencion", "title_es": "Prevención", "axis": "prevention", "audience": "state"})
    assert response.status_code == 302
    assert _sections()["prevencion"]["audience"] == "state"
    page = client.get("/builder/demo/draft/sections/prevencion").text
    assert '<option value="state" selected' in page and "Solo funcionarios del Estado" in page
    response = _post(client, "/builder/demo/draft/questions/oficina_nombre", {
        "key": "oficina_nombre", "type": "text", "text_es": "Nombre de la oficina", "audience": "civil",
        "show_if_question": "tiene_oficina", "show_if_op": "equals", "show_if_value": "sí"})
    assert response.status_code == 302, response.text
    assert _sections()["perfil"]["questions"][1]["audience"] == "civil"
    assert '<option value="civil" selected' in client.get("/builder/demo/draft/questions/oficina_nombre").text
    # Back to everyone: the section no longer names an audience.
    assert _post(client, "/builder/demo/draft/sections/prevencion",
                 {"key": "prevencion", "title_es": "Prevención", "axis": "prevention"}).status_code == 302
    assert "audience" not in _sections()["prevencion"]


def test_a_question_contradicting_its_section_is_refused_with_a_reason(client, editor):
    _post(client, "/builder/demo/draft/sections/prevencion",
          {"key": "prevencion", "title_es": "Prevención", "axis": "prevention", "audience": "state"})
    response = _post(client, "/builder/demo/draft/questions/campanas", {**CAMPANAS, "audience": "civil"})
    assert response.status_code == 422
    assert "no puede dirigirse a otro tipo de participante que su sección" in response.text
    assert "audience" not in _sections()["prevencion"]["questions"][0]


def test_a_question_for_everyone_cannot_hang_on_a_state_only_one(client, editor):
    response = _post(client, "/builder/demo/draft/questions/tiene_oficina", {
        "key": "tiene_oficina", "type": "yes_no", "text_es": "¿Tiene oficina?", "required": "1",
        "audience": "state"})
    assert response.status_code == 422
    assert "depende de otra que parte de sus destinatarios nunca responde" in response.text
