"""An editor's first steps in the builder: scored questions weigh 1 unless told otherwise, and a new
section's example question is written at once and can never be published as "Nueva pregunta"."""
from __future__ import annotations

import pytest

from survey.builder.forms import parse_question, question_values
from survey.services import questionnaires as qs
from tests.factories import login_as, make_draft, make_staff


@pytest.fixture
def editor(client):
    user = make_staff("editor")
    login_as(client, user)
    return user


def _post(client, url, data, key="demo"):
    """POST a builder form carrying the current draft fingerprint, as the page would."""
    return client.post(url, data={"base": qs.get(key).draft.fingerprint, **data})


def _question(key: str, questionnaire="demo") -> dict:
    document = qs.get(questionnaire).draft.document
    return next(q for s in document["sections"] for q in s["questions"] if q["key"] == key)


def test_choosing_a_score_method_is_enough_the_weight_is_1(client, editor):
    make_draft()
    response = _post(client, "/builder/demo/draft/sections/prevencion/questions/new", {
        "key": "tiene_plan", "type": "yes_no", "text_es": "¿Tiene un plan?", "score_method": "boolean",
        "score_weight": ""})
    assert response.status_code == 302, response.text
    assert _question("tiene_plan")["score"] == {"weight": 1, "method": "boolean"}


def test_the_form_of_an_unscored_question_offers_weight_1_and_a_written_weight_is_kept():
    assert question_values({"key": "a", "type": "yes_no", "text": {"es": "¿A?"}})["score_weight"] == "1"
    values = question_values({"key": "a", "type": "yes_no", "text": {"es": "¿A?"},
                              "score": {"weight": 2.5, "method": "boolean"}})
    fragment, placed = parse_question(values, None, {})
    assert not placed and fragment["score"]["weight"] == 2.5


def test_a_new_section_leads_straight_to_writing_its_first_question(client, editor):
    make_draft()
    response = _post(client, "/builder/demo/draft/sections/new", {"key": "proteccion", "title_es": "Protección",
                                                                    "axis": "protection"})
    assert response.status_code == 302
    assert response.location.endswith("/builder/demo/draft/questions/pregunta_1")
    form = client.get(response.location)
    assert "Escriba ahora su primera pregunta." in form.text
    assert ">Nueva pregunta</textarea>" not in form.text and ">New question</textarea>" not in form.text
    kept_blank = _post(client, "/builder/demo/draft/questions/pregunta_1", {"key": "pregunta_1", "type": "text"})
    assert kept_blank.status_code == 422  # the example text is not saved back by a careless click
    written = _post(client, "/builder/demo/draft/questions/pregunta_1", {
        "key": "refugios", "type": "integer", "text_es": "Número de refugios", "min": "0"})
    assert written.status_code == 302
    document = qs.get("demo").draft.document
    assert [q["key"] for q in document["sections"][-1]["questions"]] == ["refugios"]


def test_a_draft_with_an_example_question_cannot_be_published(client, editor):
    make_draft()
    _post(client, "/builder/demo/draft/sections/new", {"key": "proteccion", "title_es": "Protección"})

    review = client.get("/builder/demo/publish")
    refused = _post(client, "/builder/demo/publish", {})

    assert review.status_code == 200
    assert "Antes de publicar, escriba el texto de estas preguntas de ejemplo o bórrelas" in review.text
    assert "/builder/demo/draft/questions/pregunta_1" in review.text and "Publicar versión 1" not in review.text
    assert refused.status_code == 422 and qs.get("demo").latest_published is None
    _post(client, "/builder/demo/draft/questions/pregunta_1", {"key": "refugios", "type": "text",
                                                               "text_es": "Refugios", "text_en": "Shelters"})
    assert _post(client, "/builder/demo/publish", {}).status_code == 302
    assert qs.get("demo").latest_published.number == 1


def test_a_new_questionnaire_starts_with_an_example_question_it_cannot_publish(client, editor):
    client.post("/builder/new", data={"key": "anual", "title_es": "Anual", "framework": "pnat-2017-2021"})
    assert _question("pregunta_1", "anual")["text"] == {"es": "Nueva pregunta", "en": "New question"}
    assert _post(client, "/builder/anual/publish", {}, key="anual").status_code == 422
    # Only the Spanish text was written: the English one is still the example's.
    _post(client, "/builder/anual/draft/questions/pregunta_1", {
        "key": "pregunta_1", "type": "text", "text_es": "¿Cuántas denuncias recibió?", "text_en": "New question"},
        key="anual")
    assert _post(client, "/builder/anual/publish", {}, key="anual").status_code == 422
