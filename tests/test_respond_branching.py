"""Conditional questions without JavaScript: asked as a follow-up step, never dropped in silence.

The governance page of the reference questionnaire asks «sessions_attended» only when the official
says the institution is a member of the anti-trafficking body, a question on the same page.
"""
from __future__ import annotations

import re

import pytest

from survey.extensions import limiter
from tests.factories import make_invitation, make_round
from tests.respond_support import pnat_pages, use_memory_broker


@pytest.fixture(autouse=True)
def _isolated(app):
    use_memory_broker(app)
    limiter.reset()


@pytest.fixture
def link(db_session):
    invitation, token = make_invitation(make_round(title="Informe Alternativo 2026"))
    db_session.commit()
    return invitation, token


def governance_without(*keys: str, **changes: list[str]) -> dict[str, list[str]]:
    form = {key: value for key, value in pnat_pages()["governance"].items() if key not in keys}
    form.update(changes)
    return form


def slot_of(page: str, key: str) -> str:
    """The opening tag of the show-if slot that holds question *key*."""
    match = re.search(r'(<div class="showif-slot"[^>]*>)\s*<div class="question[^"]*" id="q-' + key + '-block"', page)
    assert match, key
    return match.group(1)


def test_a_closed_conditional_question_is_rendered_hidden_with_its_rule_in_words(client, link):
    _, token = link
    page = client.get(f"/r/{token}/s/governance").get_data(as_text=True)
    assert " hidden" in slot_of(page, "sessions_attended")
    assert "Responda esta pregunta solo si «" in page
    follow_up = re.search(r'name="_follow_up" value="([^"]*)"', page).group(1).split()
    assert "sessions_attended" in follow_up and "plan_approval_date" in follow_up


def test_without_javascript_the_opened_question_is_asked_next_on_the_same_page(client, link):
    invitation, token = link
    form = governance_without("sessions_attended", _follow_up=["sessions_attended plan_approval_date"])
    response = client.post(f"/r/{token}/s/governance", data={**form, "nav": "next"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/s/governance#q-sessions_attended-block")
    assert invitation.response.current_section == "governance"
    assert invitation.response.answers["member_antitrafficking_body"] is True
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "corresponde responder también la pregunta" in page
    assert "Hay un problema" not in page  # a follow-up step, not an error
    assert " hidden" not in slot_of(page, "sessions_attended")
    # Answering it now moves on as usual.
    response = client.post(f"/r/{token}/s/governance", data={**governance_without(), "nav": "next",
                                                               "_follow_up": [""]})
    assert response.headers["Location"].endswith("/s/prevention")


def test_with_javascript_the_page_moves_on_as_the_question_opened_in_place(client, link):
    invitation, token = link
    form = governance_without(_follow_up=["sessions_attended plan_approval_date"], _js=["1"])
    response = client.post(f"/r/{token}/s/governance", data={**form, "nav": "next"})
    assert response.headers["Location"].endswith("/s/prevention")
    assert invitation.response.answers["sessions_attended"] == 4


def test_with_javascript_a_required_opened_question_left_empty_is_an_error(client, link):
    _, token = link
    form = governance_without("sessions_attended", _follow_up=["sessions_attended"], _js=["1"])
    response = client.post(f"/r/{token}/s/governance", data={**form, "nav": "next"})
    assert response.status_code == 200 and "Hay un problema" in response.get_data(as_text=True)


def test_typed_text_under_a_false_condition_is_not_kept_and_the_official_is_told(client, link):
    invitation, token = link
    form = governance_without(member_antitrafficking_body=["false"], sessions_attended=["7"])
    response = client.post(f"/r/{token}/s/governance", data={**form, "nav": "next"})
    assert response.status_code == 303
    assert "sessions_attended" not in invitation.response.answers
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No guardamos lo que escribió en la pregunta" in page
    review = client.get(f"/r/{token}/review").get_data(as_text=True)
    assert "No guardamos lo que escribió en la pregunta" in review
    # Once the condition holds again and the question is answered, the notice goes away.
    client.post(f"/r/{token}/s/governance", data={**governance_without(), "nav": "next"})
    assert "No guardamos" not in client.get(f"/r/{token}/review").get_data(as_text=True)
