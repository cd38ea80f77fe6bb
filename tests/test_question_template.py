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
