"""templates/_question.html draws an answerable field for every question type."""
from __future__ import annotations

import re

import pytest
from flask import render_template_string

import questionnaires

MACRO = '{% from "_question.html" import field %}{{ field(q, "es", value) }}'


def one_question(question: dict) -> questionnaires.Question:
    document = {
        "key": "demo",
        "title": {"es": "Demo"},
        "framework": "pnat-2017-2021",
        "sections": [{"key": "s", "title": {"es": "S"}, "questions": [question]}],
    }
    return questionnaires.load(document).question(question["key"])


def render(app, question, value=None):
    with app.test_request_context("/"):
        return render_template_string(MACRO, q=question, value=value)


@pytest.mark.parametrize(
    ("question", "value", "expected_inputs"),
    [
        ({"key": "a", "type": "likert", "text": {"es": "Escala"}, "min": 1, "max": 5}, 4, 5),
        ({"key": "b", "type": "yes_no", "text": {"es": "¿Sí?"}}, True, 2),
        ({"key": "c", "type": "integer", "text": {"es": "N"}}, 7, 1),
        ({"key": "d", "type": "multiple_choice", "text": {"es": "Varias"},
          "options": [{"value": "x", "label": {"es": "X"}}, {"value": "y", "label": {"es": "Y"}}]}, ["y"], 2),
    ],
)
def test_every_type_gets_inputs_and_keeps_its_value(app, question, value, expected_inputs):
    html = render(app, one_question(question), value)
    inputs = re.findall(r"<input[^>]*>", html)
    assert len(inputs) == expected_inputs
    checked = [i for i in inputs if " checked" in i]
    if question["type"] in ("likert", "yes_no", "multiple_choice"):
        assert len(checked) == 1
    else:
        assert 'value="7"' in inputs[0]


def test_question_text_is_escaped(app):
    q = one_question({"key": "e", "type": "text", "text": {"es": "<script>alert(1)</script>"}})
    html = render(app, q, '"><img src=x onerror=alert(1)>')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("question", "spanish", "english"),
    [
        ({"key": "n", "type": "integer", "text": {"es": "Meses"}, "min": 0, "max": 600},
         "Entre 0 y 600", "Between 0 and 600"),
        ({"key": "m", "type": "currency", "text": {"es": "Monto"}, "min": 0},
         "S/ 0 o más", "S/ 0 or more"),
        ({"key": "d", "type": "decimal", "text": {"es": "Tasa"}, "max": 1.5, "decimals": 1},
         "Hasta 1.5", "Up to 1.5"),
    ],
)
def test_a_number_question_shows_its_allowed_range_next_to_the_field(app, question, spanish, english):
    q = one_question(question)
    html = render(app, q)
    assert f'<p class="hint number-range" id="q-{q.key}-range">{spanish}</p>' in html
    assert re.search(rf'<input id="q-{q.key}"[^>]*aria-describedby="q-{q.key}-range"', html)
    with app.test_request_context("/"):
        from flask_babel import force_locale

        with force_locale("en"):
            assert english in render_template_string(MACRO, q=q, value=None)


def test_a_number_question_without_limits_shows_no_range(app):
    html = render(app, one_question({"key": "c", "type": "integer", "text": {"es": "N"}}))
    assert "number-range" not in html and "aria-describedby" not in html
