"""Hostile or odd input on the answering pages: never a server error, never an invalid stored answer."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import questionnaires
from survey.extensions import limiter
from survey.services import responses
from tests.factories import make_invitation, make_round
from tests.respond_support import pnat_pages, use_memory_broker

FIELDS = sorted({name for form in pnat_pages().values() for name in form})
SECTIONS = sorted(pnat_pages())
TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", "0", "-1", "1e309", "NaN", "١٢", "12,5", "2017-02-30", "<script>alert(1)</script>", "x" * 3000, "\x00"])


@pytest.fixture(autouse=True)
def _isolated(app):
    use_memory_broker(app)
    limiter.reset()


@pytest.fixture
def link(db_session):
    invitation, token = make_invitation(make_round())
    db_session.commit()
    return invitation, token


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(SECTIONS), nav=st.sampled_from(["next", "prev", "save", "bogus"]),
       form=st.dictionaries(st.sampled_from(FIELDS), st.lists(TEXT, min_size=1, max_size=3), max_size=12))
def test_any_page_post_is_handled_and_stores_only_valid_answers(client, link, section, nav, form):
    invitation, token = link
    response = client.post(f"/r/{token}/s/{section}", data={**form, "nav": nav})
    assert response.status_code in (200, 303)
    autosave = client.post(f"/r/{token}/autosave", data={**form, "_section": section})
    assert autosave.status_code == 200 and autosave.json["ok"] is True
    stored = invitation.response.answers
    check = questionnaires.check_answers(responses.questionnaire_of(invitation), stored, require_complete=False)
    assert check.errors == [] and check.cleaned == stored
