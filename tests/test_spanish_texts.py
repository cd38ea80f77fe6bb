"""Texts that read badly in Spanish: articles before institution names, and counts of one."""
from __future__ import annotations

import pytest

from survey.services import mailer, outbox
from tests.factories import make_invitation, make_round


@pytest.fixture
def request_ctx(app, db_session):
    with app.test_request_context():
        yield


def test_the_invitation_says_whom_the_official_answers_for_without_a_missing_article(request_ctx):
    invitation, _ = make_invitation(make_round(title="Informe 2026"), institution="mininter")
    text = mailer.render(mailer.draft(outbox.add(invitation, "invitation"))).text
    name = invitation.institution.name_es
    assert f"en representación de su institución: {name}." in " ".join(text.split())
    assert f"en representación de {name}" not in text  # «de Ministerio del Interior» lacked its article


def test_the_decline_link_speaks_for_the_one_person_reading_it(client, db_session):
    _, token = make_invitation(make_round(status="open"))
    db_session.commit()
    page = client.get(f"/r/{token}/").get_data(as_text=True)
    assert "Avisar que no puedo responder" in page and "no podemos" not in page
