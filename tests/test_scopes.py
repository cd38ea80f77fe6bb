"""A regional coordinator sees and manages Cusco only; an observer sees shared rounds only.

Ids outside the scope answer the same 404 as unknown ids.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Invitation, OutboxMessage, Region
from survey.services import outbox
from tests.factories import login_as, make_invitation, make_round, make_staff


def region(key: str) -> Region:
    return db.session.scalar(select(Region).where(Region.key == key))


def coordinator(*keys: str):
    user = make_staff("coordinator")
    user.regions = [region(key) for key in keys]
    db.session.flush()
    return user


@pytest.fixture
def two_regions(db_session):
    """A round with an official in Cusco and one in Puno, each with an invitation message."""
    round_ = make_round(title="Ronda 2026")
    cusco, _ = make_invitation(round_, email="ana@cusco.gob.pe", region="cusco", name="Ana Cusco")
    puno, _ = make_invitation(round_, email="luis@puno.gob.pe", region="puno", name="Luis Puno")
    for invitation in (cusco, puno):
        outbox.add(invitation, "invitation")
    db_session.flush()
    return round_, cusco, puno


def message_of(invitation: Invitation) -> OutboxMessage:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id))


def test_a_coordinator_sees_the_people_progress_and_messages_of_their_region_only(client, two_regions):
    round_, cusco, puno = two_regions
    login_as(client, coordinator("cusco"))
    db.session.commit()
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "ana@cusco.gob.pe" in page and "luis@puno.gob.pe" not in page
    progress = client.get(f"/rounds/{round_.id}/progress").get_data(as_text=True)
    assert "Cusco" in progress and "Puno" not in progress
    assert "Respuestas enviadas: 0 de 1 persona invitada." in progress
    messages = client.get(f"/outbox/?round={round_.id}").get_data(as_text=True)
    assert "ana@cusco.gob.pe" in messages and "luis@puno.gob.pe" not in messages
    assert client.get(f"/outbox/{message_of(cusco).id}").status_code == 200
    assert client.get(f"/outbox/{message_of(puno).id}").status_code == 404


def test_an_invitation_of_another_region_answers_like_an_unknown_one(client, two_regions):
    round_, cusco, puno = two_regions
    login_as(client, coordinator("cusco"))
    db.session.commit()
    unknown = client.post(f"/rounds/{round_.id}/invitations/999999/revoke")
    other = client.post(f"/rounds/{round_.id}/invitations/{puno.id}/revoke")
    assert unknown.status_code == other.status_code == 404
    assert db.session.get(Invitation, puno.id).status != "revoked"
    assert client.post(f"/rounds/{round_.id}/invitations/{cusco.id}/revoke").status_code == 302
    assert db.session.get(Invitation, cusco.id).status == "revoked"


def test_a_coordinator_invites_people_of_their_region_only(client, two_regions):
    round_, *_ = two_regions
    login_as(client, coordinator("cusco"))
    db.session.commit()
    form = client.get(f"/rounds/{round_.id}/invitations/new").get_data(as_text=True)
    assert '<option value="cusco">' in form and '<option value="puno">' not in form
    csv_text = ("nombre,correo,institución,región\nRosa,rosa@cusco.gob.pe,Mininter,Cusco\n"
                "Juan,juan@puno.gob.pe,Mininter,Puno\n")
    response = client.post(f"/rounds/{round_.id}/invitations/upload",
                           data={"file": (io.BytesIO(csv_text.encode()), "lista.csv")},
                           content_type="multipart/form-data")
    report = client.get(response.location).get_data(as_text=True)
    assert "1 fila aceptada, 1 rechazada." in report
    assert "La región «Puno» no está entre las que usted coordina." in report


def test_a_coordinator_cannot_run_the_round_itself(client, two_regions):
    round_, *_ = two_regions
    login_as(client, coordinator("cusco"))
    db.session.commit()
    assert client.post(f"/rounds/{round_.id}/close").status_code == 403
    assert client.get("/rounds/new").status_code == 403


def test_an_observer_sees_only_the_rounds_shared_with_it_and_no_people(client, two_regions):
    round_, *_ = two_regions
    other = make_round(title="Ronda reservada")
    observer = make_staff("observer")
    observer.shared_rounds = [round_]
    login_as(client, observer)
    db.session.commit()
    assert client.get(f"/rounds/{round_.id}").status_code == 403  # the people of a round are not for observers
    assert client.get(f"/outbox/?round={round_.id}").status_code == 403
    assert client.get(f"/rounds/{other.id}/progress").status_code == 403


def test_an_admin_gives_a_coordinator_regions_and_the_sessions_end(client, db_session):
    admin = make_staff("admin")
    user = make_staff("analyst")
    login_as(client, admin)
    db_session.commit()
    version = user.session_version
    response = client.post(f"/admin/users/{user.id}/role", data={"role": "coordinator"})
    assert response.status_code == 400 and "Elija al menos una región" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(user), user.id).role == "analyst"
    response = client.post(f"/admin/users/{user.id}/role",
                           data={"role": "coordinator", "regions": [str(region("cusco").id)]})
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(type(user), user.id)
    assert changed.role == "coordinator" and [r.key for r in changed.regions] == ["cusco"]
    assert changed.session_version > version


@pytest.mark.parametrize(("role", "start"), [("coordinator", "/rounds/"), ("observer", "/results/")])
def test_coordinators_and_observers_land_on_their_own_start_page(client, db_session, role, start):
    from tests.factories import login_through_form, make_user

    user = make_user(role)
    if role == "coordinator":
        user.regions = [region("cusco")]
    db_session.commit()
    response = login_through_form(client, user.email)
    assert response.status_code == 302 and response.location.endswith(start)
    assert client.get(start).status_code == 200
