"""Rounds: Lima dates stored in UTC, edits until opened, opening sends invitations once,
closing, moving to a newer version; the staff pages and their roles."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditEvent, OutboxMessage, Response, Round
from survey.models._types import utcnow
from survey.services import rounds as round_service
from survey.services.reference import load_reference
from tests.conftest import BACKENDS, database_url, make_app
from tests.factories import login_as, make_invitation, make_round, make_user, publish_document

UTC = UTC


def invitation_messages(round_: Round) -> list[OutboxMessage]:
    return list(OutboxMessage.query.filter_by(round_id=round_.id, kind="invitation").order_by(OutboxMessage.id))


def audit_actions(obj) -> list[str]:
    return [e.action for e in AuditEvent.query.filter_by(object_id=str(obj.id)).order_by(AuditEvent.id)]


def draft_round(version=None, **fields) -> Round:
    version = version or publish_document()
    return round_service.create(
        version, fields.pop("title", "Informe Alternativo 2026"),
        fields.pop("opens_at", "2030-03-01T08:00"), fields.pop("closes_at", "2030-04-30T23:59"), **fields,
    )


# --- the service ---------------------------------------------------------------------------


def test_dates_typed_in_lima_are_stored_in_utc(db_session):
    round_ = draft_round(opens_at="2030-03-01T08:00", closes_at=datetime(2030, 4, 30, 23, 59))
    db_session.expire_all()
    stored = db_session.get(Round, round_.id)
    assert stored.opens_at == datetime(2030, 3, 1, 13, 0, tzinfo=UTC)
    assert stored.closes_at == datetime(2030, 5, 1, 4, 59, tzinfo=UTC)
    assert round_service.utc_to_lima(stored.opens_at) == datetime(2030, 3, 1, 8, 0)
    assert stored.status == "draft"
    assert stored.reminder_policy == round_service.DEFAULT_POLICY
    assert audit_actions(stored) == ["round.create"]


def test_an_explicit_offset_is_respected():
    assert round_service.lima_to_utc("2030-03-01T08:00+00:00") == datetime(2030, 3, 1, 8, 0, tzinfo=UTC)


def test_closing_before_opening_is_refused(db_session):
    with pytest.raises(round_service.RoundError) as error:
        draft_round(opens_at="2030-03-01T08:00", closes_at="2030-03-01T07:00")
    assert error.value.field == "closes_at"


def test_a_draft_version_cannot_be_used(db_session):
    from survey.services import questionnaires as qs

    version = publish_document()
    draft = qs.start_draft(version.questionnaire)
    with pytest.raises(round_service.RoundError) as error:
        draft_round(draft)
    assert error.value.field == "version"


def test_reminder_policy_is_checked_and_normalised():
    policy = round_service.reminder_policy(days_before_close="2, 14, 7, 7", interval_days=5, max_count=4,
                                           quiet_start="21:00", quiet_end="07:30", escalate_after=2,
                                           escalate_to="Coord@Example.org")
    assert policy == {"days_before_close": [14, 7, 2], "interval_days": 5, "max_count": 4,
                      "quiet_start": "21:00", "quiet_end": "07:30", "escalate_after": 2,
                      "escalate_to": "Coord@example.org"}
    for bad, field in (({"days_before_close": "7, x"}, "reminder_days"), ({"quiet_start": "25:00"}, "quiet_start"),
                       ({"escalate_after": 2}, "escalate_to"), ({"escalate_after": 9}, "escalate_after"),
                       ({"max_count": 21}, "reminder_max"), ({"escalate_to": "no-at"}, "escalate_to")):
        with pytest.raises(round_service.RoundError) as error:
            round_service.reminder_policy(**bad)
        assert error.value.field == field


def test_a_draft_can_be_edited_until_it_is_opened(db_session):
    round_ = draft_round()
    round_service.update(round_, title="Informe 2026 (corregido)", closes_at="2030-05-15T18:00")
    assert round_.closes_at == datetime(2030, 5, 15, 23, 0, tzinfo=UTC)
    round_.opens_at = utcnow() - timedelta(hours=1)
    round_service.open_round(round_)
    with pytest.raises(round_service.RoundError):
        round_service.update(round_, title="Otro")
    round_service.close_round(round_)
    with pytest.raises(round_service.RoundError):
        round_service.update(round_, title="Otro")
    assert round_.title == "Informe 2026 (corregido)"
    assert audit_actions(round_) == ["round.create", "round.update", "round.open", "round.close"]


def test_opening_queues_one_invitation_per_active_invitation_once(db_session):
    round_ = make_round(status="draft")
    first, _ = make_invitation(round_)
    second, _ = make_invitation(round_)
    revoked, _ = make_invitation(round_, status="revoked", revoked_at=utcnow())
    assert round_service.open_round(round_) == 2
    assert round_service.open_round(round_) == 0  # a double click
    round_service.close_round(round_)
    assert round_service.open_round(round_) == 0  # re-opening
    messages = invitation_messages(round_)
    assert sorted(m.invitation_id for m in messages) == sorted([first.id, second.id])
    assert {m.to_addr for m in messages} == {first.email, second.email}
    assert revoked.id not in {m.invitation_id for m in messages}
    assert round_.opened_at is not None and round_.status == "open"


def test_a_round_whose_closing_has_passed_cannot_open(db_session):
    round_ = make_round(status="draft", opens_at=utcnow() - timedelta(days=5), closes_at=utcnow() - timedelta(days=1))
    with pytest.raises(round_service.RoundError):
        round_service.open_round(round_)
    assert round_.status == "draft"


def test_closing_a_draft_is_refused_and_closing_twice_is_harmless(db_session):
    round_ = make_round(status="draft")
    with pytest.raises(round_service.RoundError):
        round_service.close_round(round_)
    round_service.open_round(round_)
    round_service.close_round(round_)
    closed_at = round_.closed_at
    round_service.close_round(round_)
    assert round_.closed_at == closed_at
    assert not round_.is_accepting()


def _start_response(invitation, version, *, submitted: bool) -> Response:
    response = Response(invitation=invitation, round_id=invitation.round_id, version=version,
                        answers={}, submitted_at=utcnow() if submitted else None)
    invitation.status = "submitted" if submitted else "in_progress"
    return response


def test_move_to_version_keeps_the_version_of_existing_responses(db_session):
    v1 = publish_document()
    round_ = make_round(v1)
    done, _ = make_invitation(round_)
    busy, _ = make_invitation(round_)
    db_session.add_all([_start_response(done, v1, submitted=True), _start_response(busy, v1, submitted=False)])
    db_session.flush()
    v2 = publish_document()
    assert v2.number == v1.number + 1
    assert round_service.newer_versions(round_) == [v2]
    round_service.move_to_version(round_, v2)
    db_session.expire_all()
    assert round_.version_id == v2.id
    assert {r.version_id for r in db_session.scalars(select(Response).where(Response.round_id == round_.id))} == {v1.id}
    event = AuditEvent.query.filter_by(action="round.version", object_id=str(round_.id)).one()
    assert event.details == {"previous": v1.number, "number": v2.number}


def test_move_to_version_refuses_older_foreign_or_draft_rounds(db_session):
    v1 = publish_document()
    v2 = publish_document()
    round_ = make_round(v2)
    with pytest.raises(round_service.RoundError):
        round_service.move_to_version(round_, v1)  # older
    other = dict(publish_document().document)
    other["key"] = "otro-cuestionario"
    foreign = publish_document(other)
    with pytest.raises(round_service.RoundError):
        round_service.move_to_version(round_, foreign)
    draft = make_round(v1, status="draft")
    with pytest.raises(round_service.RoundError):
        round_service.move_to_version(draft, v2)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_simultaneous_clicks_on_open_queue_each_invitation_once(backend, tmp_path_factory):
    app = make_app(database_url(backend, tmp_path_factory, label="rounds_open"), tmp_path_factory.mktemp("inst"))
    app.extensions["celery"].conf.update(broker_url="memory://", broker_transport_options={})
    with app.app_context():
        db.create_all()
        load_reference()
        round_ = make_round(status="draft")
        for _ in range(30):
            make_invitation(round_)
        db.session.commit()
        round_id = round_.id
        db.session.remove()
    start = threading.Barrier(4)
    errors: list[Exception] = []

    def click() -> None:
        with app.app_context():
            try:
                start.wait()
                round_service.open_round(db.session.get(Round, round_id))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (collected and asserted below)
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        count = db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.round_id == round_id))
        opened = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "round.open"))
        db.session.remove()
        db.engine.dispose()
    assert errors == [] and count == 30 and opened == 1


# --- the pages -----------------------------------------------------------------------------


def round_form(version, **overrides) -> dict:
    data = {
        "title": "Informe Alternativo 2026", "description": "Conocer la aplicación de la Ley 28950.",
        "version": str(version.id), "opens_at": "2030-03-01T08:00", "closes_at": "2030-04-30T23:59",
        "estimated_minutes": "40", "reminder_days": "14, 7, 2", "reminder_max": "3",
        "quiet_start": "20:00", "quiet_end": "08:00", "reminder_interval": "", "escalate_after": "",
        "escalate_to": "",
    }
    data.update(overrides)
    return data


def test_an_editor_creates_a_round_in_the_browser(client, db_session):
    version = publish_document()
    login_as(client, make_user("editor"))
    page = client.get("/rounds/new")
    assert page.status_code == 200 and b"Apertura (hora de Lima)" in page.data
    response = client.post("/rounds/new", data=round_form(
        version, allow_edit_after_submit="y", escalate_after="2", escalate_to="coord@chs.org.pe"))
    assert response.status_code == 302
    round_ = db_session.scalars(select(Round).order_by(Round.id.desc())).first()
    assert round_.opens_at == datetime(2030, 3, 1, 13, 0, tzinfo=UTC)
    assert round_.allow_edit_after_submit and round_.estimated_minutes == 40
    assert round_.reminder_policy["days_before_close"] == [14, 7, 2]
    assert round_.reminder_policy["escalate_to"] == "coord@chs.org.pe"
    shown = client.get(response.location).get_data(as_text=True)
    assert "01/03/2030 08:00" in shown and "Borrador" in shown


def test_form_errors_name_the_field(client, db_session):
    version = publish_document()
    login_as(client, make_user("editor"))
    db_session.commit()  # the view rolls back its own failed work, not the story's setup
    response = client.post("/rounds/new", data=round_form(version, closes_at="2030-02-01T08:00",
                                                          reminder_days="14, siete"))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Hay un problema" in text
    assert db_session.scalar(select(Round).where(Round.title == "Informe Alternativo 2026")) is None
    response = client.post("/rounds/new", data=round_form(version, closes_at="2030-02-01T08:00"))
    assert "El cierre debe ser posterior a la apertura." in response.get_data(as_text=True)


def test_the_edit_page_shows_lima_times_and_is_refused_after_opening(client, db_session):
    round_ = draft_round()
    login_as(client, make_user("editor"))
    page = client.get(f"/rounds/{round_.id}/edit").get_data(as_text=True)
    assert 'value="2030-03-01T08:00"' in page
    response = client.post(f"/rounds/{round_.id}/edit", data=round_form(round_.version, title="Nuevo título"))
    assert response.status_code == 302 and round_.title == "Nuevo título"
    round_.opens_at = utcnow() - timedelta(hours=1)
    client.post(f"/rounds/{round_.id}/open")
    assert round_.status == "open"
    response = client.post(f"/rounds/{round_.id}/edit", data=round_form(round_.version, title="Tarde"))
    assert response.status_code == 302
    db_session.refresh(round_)
    assert round_.title == "Nuevo título"


def test_double_click_on_open_queues_each_invitation_once(client, db_session):
    round_ = make_round(status="draft")
    make_invitation(round_)
    make_invitation(round_)
    login_as(client, make_user("editor"))
    for _ in range(2):
        assert client.post(f"/rounds/{round_.id}/open").status_code == 302
    assert len(invitation_messages(round_)) == 2
    client.post(f"/rounds/{round_.id}/close")
    db_session.refresh(round_)
    assert round_.status == "closed"


def test_the_version_page_moves_an_open_round(client, db_session):
    v1 = publish_document()
    round_ = make_round(v1)
    login_as(client, make_user("editor"))
    assert "No hay una versión publicada más nueva" in client.get(f"/rounds/{round_.id}/version").get_data(as_text=True)
    v2 = publish_document()
    response = client.post(f"/rounds/{round_.id}/version", data={"version": str(v2.id)})
    assert response.status_code == 302
    db_session.refresh(round_)
    assert round_.version_id == v2.id


def test_analysts_read_but_do_not_manage(client, db_session):
    round_ = make_round(status="draft")
    login_as(client, make_user("analyst"))
    assert client.get("/rounds/").status_code == 200
    assert client.get(f"/rounds/{round_.id}").status_code == 200
    assert client.get(f"/rounds/{round_.id}/progress").status_code == 200
    assert client.get("/rounds/new").status_code == 403
    assert client.post(f"/rounds/{round_.id}/open").status_code == 403
    assert round_.status == "draft"
    assert client.get(f"/rounds/{round_.id}/invitations/upload").status_code == 403


def test_round_titles_are_escaped(client, db_session):
    make_round(title="<script>alert(1)</script>")
    login_as(client, make_user("editor"))
    text = client.get("/rounds/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_a_post_without_csrf_token_changes_nothing(client, db_session, csrf_enabled):
    round_ = make_round(status="draft")
    login_as(client, make_user("editor"))
    assert client.post(f"/rounds/{round_.id}/open").status_code == 400
    assert round_.status == "draft"
