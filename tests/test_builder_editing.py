"""The builder's pure parts: document edits, the question form round trip, compact conditions, problem placing."""
from __future__ import annotations

import pytest

import questionnaires
from survey.builder import editing
from survey.builder.condition_text import ConditionSyntaxError, format_condition, parse_condition_text
from survey.builder.forms import parse_question, question_values
from survey.builder.header_forms import header_values, parse_header
from survey.builder.problems import QUESTION_FIELDS, Placed, place_problems
from tests.factories import builder_document, reference_document


def _reference():
    return questionnaires.load(reference_document()).to_document()


def _keys(document):
    return [(s["key"], [q["key"] for q in s["questions"]]) for s in document["sections"]]


def test_edits_return_new_documents_and_leave_the_input_alone():
    document = builder_document()
    before = _keys(document)
    moved = editing.move_question(document, "oficina_nombre", -1)
    assert _keys(document) == before
    assert _keys(moved)[0] == ("perfil", ["oficina_nombre", "tiene_oficina"])
    # Moving before its own show-if target is refused by the same rules as an import.
    assert [p.code for p in editing.check(moved)] == ["forward_reference"]


def test_moving_a_question_across_the_edge_of_its_section():
    document = builder_document()
    down = editing.move_question(document, "oficina_nombre", 1)
    assert _keys(down) == [("perfil", ["tiene_oficina"]), ("prevencion", ["oficina_nombre", "campanas"])]
    up = editing.move_question(down, "oficina_nombre", -1)
    assert _keys(up) == _keys(document)
    # The very first question has nowhere to go.
    assert _keys(editing.move_question(document, "tiene_oficina", -1)) == _keys(document)


def test_sections_move_delete_and_replace():
    document = builder_document()
    assert [s for s, _ in _keys(editing.move_section(document, "prevencion", -1))] == ["prevencion", "perfil"]
    assert [s for s, _ in _keys(editing.move_section(document, "prevencion", 5))] == ["perfil", "prevencion"]
    assert [s for s, _ in _keys(editing.delete_section(document, "prevencion"))] == ["perfil"]
    renamed = editing.replace_section(document, "perfil", {"key": "datos", "title": {"es": "Datos"}, "axis": None})
    assert renamed["sections"][0]["key"] == "datos" and renamed["sections"][0]["questions"]
    assert editing.check(renamed) == []
    with pytest.raises(LookupError):
        editing.delete_section(document, "nope")


def test_reorder_needs_every_key_exactly_once():
    document = builder_document()
    order = [("prevencion", ["campanas"]), ("perfil", ["tiene_oficina", "oficina_nombre"])]
    assert _keys(editing.reorder(document, order)) == order
    with pytest.raises(LookupError):
        editing.reorder(document, [("perfil", ["tiene_oficina"]), ("prevencion", ["campanas"])])


def test_renaming_a_question_carries_its_references_along():
    document = builder_document()
    document["sections"][1]["questions"][0]["show_if"] = {"any": [
        {"question": "tiene_oficina", "equals": True}, {"not": {"question": "tiene_oficina", "equals": False}}]}
    question = {**document["sections"][0]["questions"][0], "key": "oficina"}
    renamed = editing.replace_question(document, "tiene_oficina", question)
    assert editing.check(renamed) == []
    assert renamed["sections"][0]["questions"][1]["show_if"] == {"question": "oficina", "equals": True}
    assert renamed["sections"][1]["questions"][0]["show_if"]["any"][1] == {
        "not": {"question": "oficina", "equals": False}}


def test_deleting_a_show_if_target_is_reported_on_the_dependent_question():
    problems = editing.check(editing.delete_question(builder_document(), "tiene_oficina"))
    assert [(p.code, "oficina_nombre" in p.place) for p in problems] == [("unknown_question", True)]


def test_every_reference_question_survives_the_form_unchanged():
    """What the form shows is read back to the very same document: an unchanged form changes nothing."""
    document = _reference()
    for section in document["sections"]:
        for question in section["questions"]:
            targets = {q["key"]: q for q in editing.earlier_questions(document, question["key"])}
            parsed, placed = parse_question(question_values(question), question, targets)
            assert not placed, question["key"]
            assert parsed == question, question["key"]


def test_header_form_round_trip_with_a_custom_framework():
    document = builder_document()
    document["framework"] = {"key": "pn-2030", "name": {"es": "Política 2030", "en": "Policy 2030"},
                             "axes": [{"key": "op1", "name": {"es": "Objetivo 1", "en": "Objective 1"}}]}
    placed = Placed()
    header = parse_header(header_values(document), placed)
    assert not placed
    assert header["framework"] == document["framework"] and header["title"] == document["title"]


@pytest.mark.parametrize("text, expected", [
    ("a = sí", {"question": "a", "equals": True}),
    ("n >= 3.5", {"question": "n", "gte": 3.5}),
    ("no a = no", {"not": {"question": "a", "equals": False}}),
    ("a = sí y (n > 2 o m incluye x)", {"all": [{"question": "a", "equals": True}, {"any": [
        {"question": "n", "gt": 2}, {"question": "m", "selected": "x"}]}]}),
    ("c en (lima, cusco)", {"question": "c", "in": ["lima", "cusco"]}),
    ('c != "dos palabras"', {"question": "c", "not_equals": "dos palabras"}),
])
def test_compact_conditions_are_typed_after_their_question(text, expected):
    targets = {"a": {"type": "yes_no"}, "n": {"type": "decimal"}, "m": {"type": "multiple_choice"},
               "c": {"type": "single_choice", "options": [{"value": "lima"}, {"value": "cusco"}]}}
    parsed = parse_condition_text(text, targets)
    assert parsed == expected
    assert parse_condition_text(format_condition(parsed), targets) == parsed


@pytest.mark.parametrize("text", ["a =", "a = 1 y", "(a = 1", "a ? 2", "= 3", "a en 1, 2"])
def test_compact_condition_mistakes_say_what_is_wrong(text):
    with pytest.raises(ConditionSyntaxError) as info:
        parse_condition_text(text, {})
    assert str(info.value)


def test_every_reference_condition_reads_back_from_its_compact_form():
    document = _reference()
    for section in document["sections"]:
        for question in section["questions"]:
            if "show_if" in question:
                targets = {q["key"]: q for q in editing.earlier_questions(document, question["key"])}
                text = format_condition(question["show_if"])
                assert parse_condition_text(text, targets) == question["show_if"], text


def test_problems_are_placed_on_the_field_they_concern():
    document = builder_document()
    broken = editing.replace_question(document, "campanas", {
        "key": "campanas", "type": "integer", "text": {"es": ""}, "min": 5, "max": 1,
        "show_if": {"question": "nada", "equals": 1}, "score": {"weight": 0, "method": "threshold",
                                                              "thresholds": [{"gte": 1, "points": 1}]}})
    s_index, q_index = editing.locate(broken, "campanas")
    placed = place_problems(editing.check(broken), editing.question_places(broken, s_index, q_index), QUESTION_FIELDS)
    assert set(placed.fields) == {"text", "min", "show_if", "score_weight"}
    assert placed.other == []
    assert all(shown.message for items in placed.fields.values() for shown in items)
