"""Institutional responses: two officials of the Regional Government of Cusco answer one response for their
organisation. They see each other's answers and who changed a section last; a section given to one is read-only
for the other (even to a forged request); a save never overwrites a colleague's newer answer to the same
question, while different sections are both kept; only the focal point submits."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from survey.extensions import db, limiter
from survey.models import OutboxMessage, Response
from survey.models._types import utcnow
from survey.respond import nonces
from survey.services import institutional, responses, shared_responses
from tests.institutional_support import cusco_team, seen_of
from tests.respond_support import pnat_pages, use_memory_broker


@pytest.fixture(autouse=True)
def _isolated(app):
    use_memory_broker(app)
    limiter.reset()


@pytest.fixture
def team(db_session):
    built = cusco_team()
    db_session.commit()
    return built


def page_of(client, token, section) -> str:
    response = client.get(f"/r/{token}/s/{section}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def save(client, token, section, form, seen, nav="save"):
    return client.post(f"/r/{token}/s/{section}", data={**form, "_seen": seen, "nav": nav})


def shared_response(team) -> Response:
    db.session.expire_all()
    return db.session.scalars(select(Response).where(Response.organisation_id == team.organisation.id)).one()


def test_officials_of_one_organisation_work_on_one_response_and_see_who_changed_a_section(client, team):
    assert save(client, team.ana_token, "profile", pnat_pages()["profile"],
                seen_of(page_of(client, team.ana_token, "profile"))).status_code == 303
    page = page_of(client, team.luis_token, "profile")
    assert 'value="24"' in page  # Ana's months_in_role, on Luis's page
    assert re.search(r"Última modificación: Ana Quispe, \d\d/\d\d/\d{4} \d\d:\d\d", page)
    review = client.get(f"/r/{team.luis_token}/review").get_data(as_text=True)
    assert "Última modificación: Ana Quispe" in review
    assert db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.round_id == team.round.id)) == 1
    assert shared_response(team).section_changes["profile"]["invitation_id"] == team.ana.id


def test_a_person_mode_page_carries_no_guard_and_stores_no_changes(client, db_session):
    from tests.factories import make_invitation, make_round

    invitation, token = make_invitation(make_round())
    db_session.commit()
    assert 'name="_seen"' not in page_of(client, token, "profile")
    client.post(f"/r/{token}/s/profile", data={**pnat_pages()["profile"], "nav": "save"})
    db.session.expire_all()
    assert invitation.response.section_changes == {} and invitation.response.organisation_id is None


def test_the_same_question_changed_by_a_colleague_meanwhile_is_not_overwritten_and_both_values_are_shown(
        client, team):
    member = {"member_antitrafficking_body": "true"}
    seen_by_ana = seen_of(page_of(client, team.ana_token, "governance"))
    seen_by_luis = seen_of(page_of(client, team.luis_token, "governance"))  # both opened the page before saving
    assert save(client, team.ana_token, "governance", {**member, "sessions_attended": "4"},
                seen_by_ana).status_code == 303
    clash = save(client, team.luis_token, "governance",
                 {**member, "sessions_attended": "7", "case_registry": "none"}, seen_by_luis)
    assert clash.status_code == 409
    page = clash.get_data(as_text=True)
    assert "Valor guardado por Ana Quispe: «4»" in page and "Su valor: «7»" in page
    assert re.search(r'name="sessions_attended"[^>]*value="7"', page)  # what Luis typed stays in the field
    stored = shared_response(team).answers
    assert stored["sessions_attended"] == 4  # nothing overwritten
    assert stored["case_registry"] == "none"  # the page's other questions are saved
    # Having seen both, Luis saves again: now it is his choice, and his value is kept.
    assert save(client, team.luis_token, "governance", {**member, "sessions_attended": "7"},
                seen_of(page)).status_code == 303
    assert shared_response(team).answers["sessions_attended"] == 7


def test_autosave_reports_the_conflict_in_its_json(client, team):
    seen = seen_of(page_of(client, team.luis_token, "prevention"))
    save(client, team.ana_token, "prevention", {"people_reached": "340"},
         seen_of(page_of(client, team.ana_token, "prevention")))
    answer = client.post(f"/r/{team.luis_token}/autosave",
                         data={"_section": "prevention", "people_reached": "999", "_seen": seen}).get_json()
    assert answer["ok"] and len(answer["conflicts"]) == 1
    assert "Valor guardado por Ana Quispe: «340»" in answer["conflicts"][0] and "Su valor: «999»" in answer["conflicts"][0]
    assert shared_response(team).answers["people_reached"] == 340
    assert answer["seen"] != seen  # the next save is made knowing Ana's value


def test_saves_of_different_sections_at_the_same_time_keep_both(app, team):
    """Luis's save was worked out on the response as it was before Ana's landed: the guarded UPDATE
    misses, the page is worked out again on the row re-read under the lock, and Ana's answers stay."""
    with app.test_request_context():
        responses.save_page(team.ana, "profile", {"months_in_role": ["12"]})
        db.session.commit()
        response = responses.response_for(team.luis)
        assert response is not None
        # Ana's governance save commits while Luis's page is being worked out on the row read before it.
        db.session.execute(update(Response).where(Response.id == response.id).values(
            answers={**response.answers, "member_antitrafficking_body": True, "sessions_attended": 4},
            updated_at=utcnow())
            .execution_options(synchronize_session=False))
        responses.save_page(team.luis, "prevention", {"people_reached": ["3400"]},
                            seen=shared_responses.answer_fingerprints({}, ["people_reached"]))
        db.session.commit()
        stored = shared_response(team).answers
    assert (stored["months_in_role"], stored["sessions_attended"], stored["people_reached"]) == (12, 4, 3400)


def test_a_section_assigned_to_a_colleague_is_read_only_even_to_a_forged_request(client, team):
    institutional.assign(team.round, team.organisation.id, "governance", team.ana)
    db.session.commit()
    page = page_of(client, team.luis_token, "governance")
    assert "Esta sección está asignada a Ana Quispe" in page
    assert 'name="_seen"' not in page and 'name="nav"' not in page and " disabled" in page
    forged = client.post(f"/r/{team.luis_token}/s/governance", data={"sessions_attended": "9", "nav": "save"})
    assert forged.status_code == 403
    assert client.post(f"/r/{team.luis_token}/autosave",
                       data={"_section": "governance", "sessions_attended": "9"}).status_code == 403
    assert "sessions_attended" not in (shared_response(team).answers if db.session.scalar(
        select(func.count()).select_from(Response).where(Response.round_id == team.round.id)) else {})
    # Ana, who holds it, saves it; other sections stay open to Luis.
    assert save(client, team.ana_token, "governance", {"member_antitrafficking_body": "true", "sessions_attended": "4"},
                seen_of(page_of(client, team.ana_token, "governance"))).status_code == 303
    assert save(client, team.luis_token, "prevention", {"people_reached": "10"},
                seen_of(page_of(client, team.luis_token, "prevention"))).status_code == 303
    assert shared_response(team).answers["sessions_attended"] == 4


def answer_everything(client, token):
    for section, form in pnat_pages().items():
        seen = seen_of(page_of(client, token, section))
        assert save(client, token, section, form, seen, nav="next").status_code == 303, section


def test_only_the_focal_point_submits_and_the_receipt_goes_to_them(client, team):
    answer_everything(client, team.luis_token)
    review = client.get(f"/r/{team.luis_token}/review").get_data(as_text=True)
    assert "las envía su punto focal, Ana Quispe" in review and "Enviar respuestas" not in review
    forged = client.post(f"/r/{team.luis_token}/submit", data={"nonce": nonces.mint(team.luis.id, 0)})
    assert forged.status_code == 403 and not shared_response(team).is_submitted
    review = client.get(f"/r/{team.ana_token}/review").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', review).group(1)
    assert client.post(f"/r/{team.ana_token}/submit", data={"nonce": nonce}).status_code == 303
    assert shared_response(team).revision == 1
    receipts = db.session.scalars(select(OutboxMessage.invitation_id).where(OutboxMessage.kind == "receipt")).all()
    assert receipts == [team.ana.id]
    done = client.get(f"/r/{team.luis_token}/", follow_redirects=True).get_data(as_text=True)
    assert "Ana Quispe envió las respuestas de su organización" in done


def test_staff_move_the_focal_point(client, team):
    institutional.set_focal_point(team.luis)
    db.session.commit()
    assert "Enviar respuestas" not in client.get(f"/r/{team.ana_token}/review").get_data(as_text=True)
    assert "Enviar respuestas" in client.get(f"/r/{team.luis_token}/review").get_data(as_text=True)
    institutional.set_focal_point(team.ana)  # the previous choice is undone, never two
    db.session.commit()
    db.session.expire_all()
    assert (team.ana.is_focal_point, team.luis.is_focal_point) == (True, False)


def test_a_round_changes_mode_only_while_it_is_a_draft(db_session):
    from tests.factories import make_round

    draft = make_round(status="draft")
    institutional.set_per_organisation(draft, True)
    assert draft.is_per_organisation
    with pytest.raises(institutional.InstitutionalError):
        institutional.set_per_organisation(make_round(status="open"), True)


# --- Successors, reminders and progress -------------------------------------------------------------------


def test_a_successor_keeps_the_answers_and_the_old_link_dies_at_once(app, client, db_session):
    from tests.factories import make_invitation, make_round

    leaving, old_token = make_invitation(make_round(), name="Rosa Huamán")
    db_session.commit()
    client.post(f"/r/{old_token}/s/profile", data={**pnat_pages()["profile"], "nav": "save"})
    with app.test_request_context():
        db.session.refresh(leaving)
        new, new_token = institutional.successor(leaving, "Carlos Apaza", "carlos.apaza@example.gob.pe", "Director")
        db.session.commit()
    assert client.get(f"/r/{old_token}/").status_code == 404
    page = page_of(client, new_token, "profile")
    assert 'value="24"' in page  # Rosa's answers, now Carlos's
    db.session.expire_all()
    assert new.response is not None and new.response.answers["months_in_role"] == 24
    assert (leaving.status, new.forwarded_from_id, new.organisation_id) == ("revoked", leaving.id, None)
    mails = db.session.scalars(select(OutboxMessage.invitation_id).where(OutboxMessage.kind == "invitation")).all()
    assert mails == [new.id]  # the round is open: the new link is on its way
    from survey.models import AuditEvent
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.successor")).one()
    assert "Carlos" not in str(event.details) and event.details.get("to_invitation") == new.id


def test_in_an_institutional_round_the_successor_inherits_the_focal_point_and_the_sections(app, client, team):
    institutional.assign(team.round, team.organisation.id, "governance", team.ana)
    db.session.commit()
    save(client, team.ana_token, "profile", pnat_pages()["profile"], seen_of(page_of(client, team.ana_token, "profile")))
    with app.test_request_context():
        new, new_token = institutional.successor(team.ana, "Carmen Ccori", "carmen.ccori@example.gob.pe")
        db.session.commit()
    assert client.get(f"/r/{team.ana_token}/s/profile").status_code == 404
    assert 'value="24"' in page_of(client, new_token, "profile")
    assert "Enviar respuestas" in client.get(f"/r/{new_token}/review").get_data(as_text=True)
    assert "asignada a Carmen Ccori" in page_of(client, team.luis_token, "governance")
    db.session.expire_all()
    assert new.is_focal_point and not team.ana.is_focal_point


def test_a_successor_needs_a_new_address(app, team):
    with app.test_request_context(), pytest.raises(institutional.InstitutionalError):
        institutional.successor(team.ana, "Luis otra vez", team.luis.email)


def test_everyone_of_an_organisation_is_reminded_until_its_response_is_submitted(app, team):
    from datetime import timedelta

    from survey.services import reminders

    now = utcnow()
    team.round.reminder_policy = {"days_before_close": [], "interval_days": 1, "max_count": 3,
                                  "quiet_start": "00:00", "quiet_end": "00:00"}
    for invitation in (team.ana, team.luis):
        invitation.invited_at = now - timedelta(days=3)
    db.session.flush()
    assert {due.invitation_id for due in reminders.due_in(team.round, now)} == {team.ana.id, team.luis.id}
    with app.test_request_context():
        responses.save_page(team.luis, "profile", {"months_in_role": ["3"]})
    response = responses.response_for_writing(team.luis)
    response.submitted_at, response.revision = now, 1  # the focal point submitted for both
    db.session.flush()
    assert reminders.due_in(team.round, now) == []


def test_progress_counts_organisations_besides_people(app, team):
    from survey.services import organisations, progress
    from survey.services.reference import match_region
    from tests.factories import make_invitation

    other = organisations.create("Municipalidad Provincial del Cusco", "state_local", regions=[match_region("cusco")])
    make_invitation(team.round, organisation=other, institution="muni")
    with app.test_request_context():
        responses.save_page(team.luis, "profile", {"months_in_role": ["3"]})
    counts = progress.progress(team.round).organisations
    assert (counts.submitted, counts.in_progress, counts.not_started, counts.total) == (0, 1, 1, 2)
    assert progress.progress(team.round).overall.invited == 3  # people are still counted too


# --- Staff pages and the command line ---------------------------------------------------------------------


def test_staff_see_the_organisation_choose_its_focal_point_and_assign_its_sections(client, team):
    from tests.factories import login_as, make_staff

    login_as(client, make_staff("editor"))
    db.session.commit()
    page = client.get(f"/rounds/{team.round.id}").get_data(as_text=True)
    assert "Gobierno Regional de Cusco" in page and "Punto focal: Ana Quispe." in page
    assert client.post(f"/rounds/{team.round.id}/invitations/{team.luis.id}/focal-point").status_code == 302
    sections = f"/rounds/{team.round.id}/organisations/{team.organisation.id}/sections"
    assert "Abierta a todos" in client.get(sections).get_data(as_text=True)
    assert client.post(sections, data={"section-governance": str(team.ana.id)}).status_code == 302
    db.session.expire_all()
    assert team.luis.is_focal_point
    assert "asignada a Ana Quispe" in page_of(client, team.luis_token, "governance")
    assert client.post(sections, data={"section-governance": "999999"}).status_code == 400


def test_a_coordinator_of_another_region_gets_404_for_the_organisation(client, team):
    from survey.models import Region
    from tests.factories import login_as, make_staff

    coordinator = make_staff("coordinator")
    coordinator.regions = [db.session.scalars(select(Region).where(Region.key == "puno")).one()]
    login_as(client, coordinator)
    db.session.commit()
    assert client.get(f"/rounds/{team.round.id}/organisations/{team.organisation.id}/sections").status_code == 404
    assert client.post(f"/rounds/{team.round.id}/invitations/{team.luis.id}/focal-point").status_code == 404
    assert client.get(f"/rounds/{team.round.id}/invitations/{team.luis.id}/successor").status_code == 404


def test_staff_move_an_invitation_to_a_successor_through_the_form(client, team):
    from tests.factories import login_as, make_staff

    login_as(client, make_staff("editor"))
    db.session.commit()
    url = f"/rounds/{team.round.id}/invitations/{team.ana.id}/successor"
    assert client.post(url, data={"name": "", "email": "no"}).status_code == 422
    assert client.post(url, data={"name": "Carmen Ccori", "email": "carmen@example.gob.pe"}).status_code == 302
    assert client.get(f"/r/{team.ana_token}/").status_code == 404


def test_the_command_line_creates_an_institutional_round_and_moves_an_invitation(runner, team):
    from survey.models import Round
    from tests.factories import publish_document

    publish_document()
    db.session.commit()
    created = runner.invoke(args=["round", "create", "--questionnaire", "pnat-officials", "--title", "Por organización",
                                  "--opens", "2026-05-01T08:00", "--closes", "2026-06-01T18:00", "--per-organisation"])
    assert created.exit_code == 0, created.output
    assert db.session.get(Round, int(created.output.strip())).is_per_organisation
    moved = runner.invoke(args=["round", "successor", str(team.round.id), str(team.luis.id), "--name", "Pedro Condori",
                                "--email", "pedro@example.gob.pe"])
    assert moved.exit_code == 0, moved.output
    db.session.expire_all()
    assert team.luis.status == "revoked"
