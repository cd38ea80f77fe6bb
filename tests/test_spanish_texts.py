"""Texts that read badly in Spanish: articles before institution names, and counts of one."""
from __future__ import annotations

import pytest

from survey.services import handoffs, mailer, outbox
from tests.factories import login_as, make_invitation, make_round, make_staff


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


@pytest.mark.parametrize("kind", ["reminder", "receipt", "forward"])
def test_the_emails_to_an_official_name_their_institution_without_a_missing_article(request_ctx, kind):
    invitation, _ = make_invitation(make_round(title="Informe 2026"), institution="mininter")
    text = " ".join(mailer.render(mailer.draft(outbox.add(invitation, kind))).text.split())
    name = invitation.institution.name_es
    assert f"de su institución, {name}," in text
    assert f"de {name}" not in text  # «las respuestas de Ministerio del Interior» lacked its article


def test_the_coordinators_notice_names_the_institution_in_brackets(request_ctx):
    invitation, _ = make_invitation(make_round(title="Informe 2026"), institution="mininter")
    rendered = mailer.render(mailer.draft(outbox.add(invitation, "escalation", 2)))
    assert rendered.subject == f"Sin respuesta ({invitation.institution.name_es}): Informe 2026"
    assert "que aún no ha respondido el cuestionario" in " ".join(rendered.text.split())


def test_a_one_minute_questionnaire_is_counted_in_the_singular(client, db_session):
    invitation, token = make_invitation(make_round(status="open", estimated_minutes=1))
    db_session.commit()
    with client.application.test_request_context():
        mail = mailer.render(mailer.draft(outbox.add(invitation, "invitation"))).text
    assert "(aproximadamente 1 minuto)" in mail and "1 minutos" not in mail
    page = client.get(f"/r/{token}/").get_data(as_text=True)
    assert "1 minuto<" in page and "1 minutos" not in page


def test_the_decline_button_speaks_for_the_one_person_reading_it(client, db_session):
    _, token = make_invitation(make_round(status="open"))
    db_session.commit()
    page = client.get(f"/r/{token}/decline").get_data(as_text=True)
    assert "Confirmar que no responderé" in page and "responderemos" not in page


def test_forwarding_to_someone_already_invited_speaks_of_the_questionnaire(request_ctx):
    round_ = make_round(status="open")
    invitation, _ = make_invitation(round_)
    colleague, _ = make_invitation(round_)
    with pytest.raises(handoffs.HandoffError) as refused:
        handoffs.forward(invitation, "Colega", colleague.email)
    assert str(refused.value) == "Esa persona ya está invitada a responder este cuestionario."  # not «consulta»


def test_a_round_nobody_was_invited_to_says_so_in_a_whole_sentence(client, db_session):
    round_ = make_round(status="draft")
    editor = make_staff("editor")
    db_session.commit()
    login_as(client, editor)
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Todavía no se ha invitado a nadie." in page and "Nadie invitado todavía" not in page
