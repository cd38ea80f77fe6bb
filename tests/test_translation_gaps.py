"""The builder warns, before publishing, about texts that have no English version."""
from __future__ import annotations

import copy

from questionnaires import load, translation_gaps
from tests.factories import builder_document, login_as, make_draft, make_staff


def spanish_only_document() -> dict:
    """The builder's test questionnaire with a help text and an option written in Spanish only."""
    document = copy.deepcopy(builder_document())
    question = document["sections"][1]["questions"][0]
    question["help"] = {"es": "Cuente solo las campañas de 2026."}
    document["sections"][0]["questions"].append({
        "key": "nivel", "type": "single_choice", "text": {"es": "Nivel", "en": "Level"},
        "options": [{"value": "nacional", "label": {"es": "Nacional", "en": "National"}},
                    {"value": "regional", "label": {"es": "Regional"}}],
    })
    return document


def test_every_spanish_only_text_is_a_gap_with_its_place():
    gaps = translation_gaps(load(spanish_only_document()))
    assert [(gap.part, gap.question_key, gap.spanish) for gap in gaps] == [
        ("option", "nivel", "Regional"), ("help", "campanas", "Cuente solo las campañas de 2026.")]
    assert translation_gaps(load(builder_document())) == []


def test_the_draft_and_publish_pages_list_the_gaps(client, db_session):
    login_as(client, make_staff("editor"))
    make_draft(spanish_only_document())
    db_session.commit()
    for path in ("/builder/demo/draft", "/builder/demo/publish"):
        page = client.get(path).get_data(as_text=True)
        assert "2 textos no tienen versión en inglés" in page, path
        assert "Pregunta «campanas» · ayuda: «Cuente solo las campañas de 2026.»" in page
        assert "Pregunta «nivel» · opción: «Regional»" in page


def test_a_fully_translated_draft_shows_no_warning(client, db_session):
    login_as(client, make_staff("editor"))
    make_draft()
    db_session.commit()
    assert "versión en inglés" not in client.get("/builder/demo/publish").get_data(as_text=True)
