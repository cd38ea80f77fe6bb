"""The answering pages without JavaScript: welcome, one section per page, review, submit, confirmation."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from survey import jobs
from survey.extensions import db, limiter
from survey.models import OutboxMessage, ResponseRevision
from survey.models._types import utcnow
from survey.services import outbox
from tests.factories import make_invitation, make_round, publish_document
from tests.respond_support import pnat_pages, use_memory_broker

SECTIONS = ("profile", "governance", "prevention", "prosecution", "protection")


@pytest.fixture(autouse=True)
def _isolated(app):
    use_memory_broker(app)
    limiter.reset()


@pytest.fixture
def link(db_session):
    """(invitation, token) on an open round of the reference questionnaire."""
    invitation, token = make_invitation(make_round(title="Informe Alternativo 2026", estimated_minutes=25))
    db_session.commit()
    return invitation, token


def post_page(client, token, section, form, nav="next"):
    return client.post(f"/r/{token}/s/{section}", data={**form, "nav": nav})


def answer_all(client, token):
    for section, form in pnat_pages().items():
        response = post_page(client, token, section, form)
        assert response.status_code == 303, (section, response.get_data(as_text=True)[:3000])


def nonce_of(client, token) -> str:
    page = client.get(f"/r/{token}/review").get_data(as_text=True)
    return re.search(r'name="nonce" value="([^"]+)"', page).group(1)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_welcome_tells_purpose_institution_deadline_and_time(client, link):
    invitation, token = link
    invitation.round.description = "Conocer cómo se aplica la Ley 28950 en su institución."
    invitation.round.closes_at = invitation.round.closes_at.replace(hour=4, minute=59)
    db.session.commit()
    page = client.get(f"/r/{token}/").get_data(as_text=True)
    assert "Informe Alternativo 2026" in page
    assert "Conocer cómo se aplica la Ley 28950" in page
    assert "Ministerio del Interior" in page
    assert "23:59" in page and "hora de Lima" in page  # 04:59 UTC is 23:59 the day before in Lima
    assert "25 minutos" in page
    assert f'href="/r/{token}/s/profile"' in page
    assert invitation.status == "opened" and invitation.opened_at is not None


def test_the_link_without_a_trailing_slash_works(client, link):
    _, token = link
    response = client.get(f"/r/{token}")
    assert response.status_code == 308 and response.headers["Location"].endswith(f"/r/{token}/")


def test_the_invitation_language_is_the_default(client, db_session):
    _, token = make_invitation(make_round(), language="en")
    db_session.commit()
    page = client.get(f"/r/{token}/s/profile").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Respondent profile" in page
    client.post("/lang", data={"lang": "es", "next": f"/r/{token}/s/profile"})
    assert '<html lang="es">' in client.get(f"/r/{token}/s/profile").get_data(as_text=True)


def test_a_section_page_names_its_axis_and_progress(client, link):
    _, token = link
    page = client.get(f"/r/{token}/s/governance").get_data(as_text=True)
    assert "Sección 2 de 5" in page
    assert "Gobernanza institucional" in page
    assert 'value="next"' in page and 'value="prev"' in page
    assert 'data-show-if=' in page  # sessions_attended depends on an answer on the same page
    assert "Responda esta pregunta solo si «" in page  # in words for people without JavaScript


def test_moving_forward_with_errors_keeps_what_was_typed(client, link):
    invitation, token = link
    response = post_page(client, token, "profile", {"institution": "other", "months_in_role": "doce"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert 'href="#q-institution_other"' in page and 'href="#q-government_level-block"' in page
    assert page.index("q-institution_other") < page.index("q-months_in_role")
    assert "Escriba un número entero" in page
    assert 'value="doce"' in page and 'value="other" checked' in page
    assert "<title>Error:" in page
    assert invitation.response.answers == {"institution": "other"}
    assert invitation.response.current_section == "profile"


def test_every_page_move_saves_even_backwards(client, link):
    invitation, token = link
    response = post_page(client, token, "governance", {"focal_unit_designated": "true"}, nav="prev")
    assert response.status_code == 303 and response.headers["Location"].endswith("/s/profile")
    assert invitation.response.answers == {"focal_unit_designated": True}
    assert invitation.response.current_section == "profile"
    response = post_page(client, token, "profile", {"region": "puno"}, nav="save")
    assert response.headers["Location"].endswith(f"/r/{token}/?saved=1")
    assert "Sus respuestas están guardadas" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert invitation.response.answers == {"focal_unit_designated": True, "region": "puno"}


def test_coming_back_resumes_where_the_official_left(app, client, link):
    invitation, token = link
    post_page(client, token, "profile", pnat_pages()["profile"])
    post_page(client, token, "governance", {"plan_status": "none"}, nav="save")
    other_device = app.test_client()
    welcome = other_device.get(f"/r/{token}/").get_data(as_text=True)
    assert f'href="/r/{token}/s/governance"' in welcome and "Continuar donde se quedó" in welcome
    page = other_device.get(f"/r/{token}/s/governance").get_data(as_text=True)
    assert 'value="none" checked' in page
    assert invitation.status == "in_progress"


def test_submit_once_then_the_confirmation(client, link):
    invitation, token = link
    answer_all(client, token)
    review = client.get(f"/r/{token}/review").get_data(as_text=True)
    assert "Revise sus respuestas" in review and "Ministerio del Interior" in review
    assert "S/ 150,000.50" in review and "15/06/2017" in review
    assert "Falta de presupuesto &lt;b&gt;y&lt;/b&gt; personal" in review
    nonce = nonce_of(client, token)
    first = client.post(f"/r/{token}/submit", data={"nonce": nonce})
    assert first.status_code == 303 and first.headers["Location"].endswith("/done")
    done = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Respuestas recibidas" in done
    again = client.post(f"/r/{token}/submit", data={"nonce": nonce})
    assert again.headers["Location"].endswith("/done?already=1")
    assert "Ya habíamos recibido sus respuestas" in client.get(again.headers["Location"]).get_data(as_text=True)
    response = invitation.response
    assert response.revision == 1 and response.version_id == invitation.round.version_id
    assert count(ResponseRevision, ResponseRevision.response_id == response.id) == 1
    assert count(OutboxMessage, OutboxMessage.invitation_id == invitation.id, OutboxMessage.kind == "receipt") == 1


def test_submitting_incomplete_answers_sends_back_to_the_first_problem(client, link):
    invitation, token = link
    post_page(client, token, "profile", pnat_pages()["profile"])
    response = client.post(f"/r/{token}/submit", data={"nonce": nonce_of(client, token)})
    assert response.headers["Location"].endswith("/s/governance?check=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Antes de enviar" in page and 'class="error-summary"' in page
    assert not invitation.response.is_submitted


def test_a_forged_nonce_submits_nothing(client, link):
    invitation, token = link
    answer_all(client, token)
    response = client.post(f"/r/{token}/submit", data={"nonce": "eyJyIjowfQ.forged"})
    assert response.status_code == 400 and "No pudimos confirmar el envío" in response.get_data(as_text=True)
    assert not invitation.response.is_submitted


def test_final_answers_cannot_be_changed(client, link):
    invitation, token = link
    answer_all(client, token)
    client.post(f"/r/{token}/submit", data={"nonce": nonce_of(client, token)})
    assert client.get(f"/r/{token}/s/profile").headers["Location"].endswith("/done")
    response = post_page(client, token, "profile", {"region": "puno"})
    assert response.headers["Location"].endswith("/done?already=1")
    assert invitation.response.answers["region"] == "cusco"
    review = client.get(f"/r/{token}/review").get_data(as_text=True)
    assert "Enviar respuestas" not in review and "Cusco" in review
    assert "Cambiar mis respuestas" not in client.get(f"/r/{token}/done").get_data(as_text=True)


def test_answers_can_change_after_submitting_when_the_round_allows(client, db_session):
    invitation, token = make_invitation(make_round(allow_edit_after_submit=True))
    db_session.commit()
    answer_all(client, token)
    client.post(f"/r/{token}/submit", data={"nonce": nonce_of(client, token)})
    assert "Cambiar mis respuestas" in client.get(f"/r/{token}/done").get_data(as_text=True)
    post_page(client, token, "profile", {**pnat_pages()["profile"], "months_in_role": "36"})
    assert "Tiene cambios que aún no envió" in client.get(f"/r/{token}/review").get_data(as_text=True)
    client.post(f"/r/{token}/submit", data={"nonce": nonce_of(client, token)})
    response = invitation.response
    assert response.revision == 2 and [r.answers["months_in_role"] for r in response.revisions] == [24, 36]


def test_a_closed_round_says_so(client, link):
    invitation, token = link
    invitation.round.status = "closed"
    db.session.commit()
    response = client.get(f"/r/{token}/s/profile")
    assert response.status_code == 410 and "El plazo terminó" in response.get_data(as_text=True)
    invitation.round.status = "open"
    invitation.round.closes_at = utcnow()
    db.session.commit()
    assert client.post(f"/r/{token}/s/profile", data={"region": "puno"}).status_code == 410
    assert invitation.response is None


def test_a_round_not_yet_open_says_when_it_opens(client, db_session):
    _, token = make_invitation(make_round(status="draft"))
    db_session.commit()
    response = client.get(f"/r/{token}/")
    assert response.status_code == 403 and "aún no está abierto" in response.get_data(as_text=True)


def test_after_the_close_a_submitted_official_still_sees_the_confirmation(client, link):
    invitation, token = link
    answer_all(client, token)
    client.post(f"/r/{token}/submit", data={"nonce": nonce_of(client, token)})
    invitation.round.status = "closed"
    db.session.commit()
    assert client.get(f"/r/{token}/done").status_code == 200
    assert client.get(f"/r/{token}/").headers["Location"].endswith("/done")


def test_questions_hidden_by_earlier_pages_are_not_shown(client, db_session):
    document = {
        "key": "mini", "title": {"es": "Mini"}, "framework": "pnat-2017-2021",
        "sections": [
            {"key": "a", "title": {"es": "Oficina"}, "axis": None, "questions": [
                {"key": "has_office", "type": "yes_no", "text": {"es": "¿Tiene oficina?"}, "required": True}]},
            {"key": "b", "title": {"es": "Personal"}, "axis": "governance", "questions": [
                {"key": "office_staff", "type": "integer", "text": {"es": "¿Cuántas personas trabajan?"},
                 "required": True, "show_if": {"question": "has_office", "equals": True}},
                {"key": "notes", "type": "text", "text": {"es": "Notas"}}]},
        ],
    }
    invitation, token = make_invitation(make_round(publish_document(document)))
    db_session.commit()
    post_page(client, token, "a", {"has_office": "false"})
    page = client.get(f"/r/{token}/s/b").get_data(as_text=True)
    assert "office_staff" not in page and "Notas" in page
    assert post_page(client, token, "b", {"office_staff": "3"}).status_code == 303
    assert "office_staff" not in invitation.response.answers
    post_page(client, token, "a", {"has_office": "true"})
    page = client.get(f"/r/{token}/s/b").get_data(as_text=True)
    assert 'name="office_staff"' in page and 'data-show-if="' not in page
    assert post_page(client, token, "b", {}).status_code == 200  # now required


def test_the_review_flags_answers_worth_a_second_look(client, link):
    _, token = link
    answer_all(client, token)
    post_page(client, token, "governance", {**pnat_pages()["governance"], "budget_executed_pen": "900000"})
    review = client.get(f"/r/{token}/review").get_data(as_text=True)
    assert "Es mayor que su respuesta a «" in review and "Revise si es correcto" in review
    assert "Falta completar" not in review  # a warning, not an error: submitting is still possible


def sent_tasks(app) -> list[tuple[str, list, str | None]]:
    """Drain the in-memory broker: (task name, args, eta) of every message sent."""
    found = []
    with app.extensions["celery"].connection_for_read() as conn:
        queue = conn.SimpleQueue("celery")
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            found.append((message.headers["task"], message.payload[0], message.headers.get("eta")))
            message.ack()
        queue.close()
    return found


def test_submissions_in_one_window_send_one_deferred_recomputation_and_receipt_run(
        app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.extensions, "survey_debounced_at", {})  # no window left open by another test
    monkeypatch.setitem(app.config, "SURVEY_RESULTS_DEBOUNCE_SECONDS", 10)
    monkeypatch.setitem(app.config, "SURVEY_RECEIPT_DEBOUNCE_SECONDS", 2)
    round_ = make_round()
    links = [make_invitation(round_) for _ in range(2)]
    db_session.commit()
    sent_tasks(app)
    for _, token in links:
        answer_all(client, token)
        assert client.post(f"/r/{token}/submit", data={"nonce": nonce_of(client, token)}).status_code == 303
    sent = sent_tasks(app)
    assert [name for name, _, _ in sent].count(jobs.SEND_MESSAGES) == 0  # receipts have no task of their own
    receipt_runs = [(args, eta) for name, args, eta in sent if name == jobs.SEND_RECEIPTS]
    aggregates = [(args, eta) for name, args, eta in sent if name == jobs.AGGREGATE_ROUND]
    # one run of each, after its window, covering both submissions
    assert len(receipt_runs) == 1 and receipt_runs[0][0] == [] and receipt_runs[0][1] is not None
    assert len(aggregates) == 1 and aggregates[0][0] == [round_.id] and aggregates[0][1] is not None
    receipts = db_session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "receipt")).all()
    assert sorted(m.invitation_id for m in receipts) == sorted(i.id for i, _ in links)
    assert outbox.unsent_receipt_ids() == sorted(m.id for m in receipts)


def test_without_a_window_every_submission_asks_for_a_recomputation_and_its_receipt(
        app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "SURVEY_RESULTS_DEBOUNCE_SECONDS", 0)
    monkeypatch.setitem(app.config, "SURVEY_RECEIPT_DEBOUNCE_SECONDS", 0)
    round_ = make_round()
    links = [make_invitation(round_) for _ in range(2)]
    db_session.commit()
    sent_tasks(app)
    for _, token in links:
        answer_all(client, token)
        client.post(f"/r/{token}/submit", data={"nonce": nonce_of(client, token)})
    sent = sent_tasks(app)
    assert [(args, eta) for name, args, eta in sent if name == jobs.AGGREGATE_ROUND] == [([round_.id], None)] * 2
    assert [(args, eta) for name, args, eta in sent if name == jobs.SEND_RECEIPTS] == [([], None)] * 2


def test_a_window_open_in_one_app_does_not_hold_back_another_apps_send(app, db_session, tmp_path, monkeypatch):
    from tests.conftest import make_app

    monkeypatch.setitem(app.extensions, "survey_debounced_at", {})  # no window left open by another test
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    use_memory_broker(other)
    sent_tasks(app)
    for each in (app, other, app, other):
        with each.app_context():
            jobs.enqueue_debounced(jobs.SEND_RECEIPTS, seconds=60)
    # one per app (each has its own broker in production), the repeat of each held back
    assert [name for name, _, _ in sent_tasks(app)] == [jobs.SEND_RECEIPTS] * 2


def test_the_receipt_run_queues_each_receipt_never_tried_and_leaves_the_others(app, client, db_session):
    from workers.mail import send_receipts

    round_ = make_round()
    invitations = [make_invitation(round_)[0] for _ in range(3)]
    fresh, retrying, sent = (outbox.add_receipt(invitation, 1) for invitation in invitations)
    db_session.execute(update(OutboxMessage).where(OutboxMessage.id == retrying)
                       .values(attempts=1, next_attempt_at=utcnow() + timedelta(minutes=1)))
    db_session.execute(update(OutboxMessage).where(OutboxMessage.id == sent)
                       .values(status="sent", sent_at=utcnow()))
    db_session.commit()
    sent_tasks(app)
    assert send_receipts.run() == 1
    assert [(name, args) for name, args, _ in sent_tasks(app)] == [(jobs.SEND_MESSAGES, [[fresh]])]
