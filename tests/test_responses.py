"""Saving pages and submitting responses (survey.services.responses), and handing a link off."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from survey import tokens
from survey.models import Answer, AuditEvent, Invitation, OutboxMessage, ResponseRevision
from survey.services import handoffs, responses, submissions
from tests.factories import make_invitation, make_round, publish_document, reference_document
from tests.respond_support import pnat_pages, use_memory_broker


@pytest.fixture(autouse=True)
def _broker(app):
    use_memory_broker(app)


@pytest.fixture
def ctx(app, db_session):
    with app.test_request_context():
        yield


@pytest.fixture
def invitation(ctx):
    return make_invitation(make_round())[0]


def answer_everything(invitation):
    for key, form in pnat_pages().items():
        result = responses.save_page(invitation, key, form, require_complete=True)
        assert result.ok, (key, result.errors)


def count(model, *where):
    from survey.extensions import db

    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_valid_answers_are_kept_and_wrong_ones_reported(invitation):
    result = responses.save_page(invitation, "profile", {"institution": ["mininter"], "months_in_role": ["doce"]})
    assert result.answers == {"institution": "mininter"}
    assert [(e.key, e.code) for e in result.errors] == [("months_in_role", "type")]
    assert invitation.status == "in_progress"
    assert invitation.response.current_section == "profile"


def test_a_wrong_value_never_erases_the_answer_saved_before(invitation):
    responses.save_page(invitation, "profile", {"months_in_role": ["24"]})
    result = responses.save_page(invitation, "profile", {"months_in_role": ["999999"]})
    assert [e.code for e in result.errors] == ["max"]
    assert invitation.response.answers["months_in_role"] == 24
    result = responses.save_page(invitation, "profile", {"months_in_role": ["2x"]})
    assert invitation.response.answers["months_in_role"] == 24


def test_emptying_a_field_clears_its_answer(invitation):
    responses.save_page(invitation, "profile", {"months_in_role": ["24"], "region": ["cusco"]})
    responses.save_page(invitation, "profile", {"months_in_role": [""], "region": ["cusco"]})
    assert invitation.response.answers == {"region": "cusco"}


def test_hidden_questions_answers_are_never_stored(invitation):
    result = responses.save_page(invitation, "profile", {"institution": ["mininter"], "institution_other": ["ONG"]})
    assert "institution_other" not in result.answers
    result = responses.save_page(invitation, "profile", {"institution": ["other"], "institution_other": ["ONG"]})
    assert result.answers["institution_other"] == "ONG"
    result = responses.save_page(invitation, "profile", {"institution": ["mpfn"], "institution_other": ["ONG"]})
    assert "institution_other" not in result.answers


def test_changing_an_answer_drops_answers_it_hides_on_later_pages(invitation):
    responses.save_page(invitation, "governance", {"member_antitrafficking_body": ["true"],
                                                   "sessions_attended": ["4"]})
    assert invitation.response.answers["sessions_attended"] == 4
    responses.save_page(invitation, "governance", {"member_antitrafficking_body": ["false"],
                                                   "sessions_attended": ["4"]})
    assert "sessions_attended" not in invitation.response.answers


def test_moving_forward_requires_the_page_and_stays_there(invitation):
    result = responses.save_page(invitation, "profile", {"institution": ["other"]}, go_to="governance",
                                 require_complete=True)
    assert {e.key for e in result.errors} == {"institution_other", "government_level", "region", "role",
                                              "months_in_role"}
    assert {e.code for e in result.errors} == {"required"}
    assert invitation.response.current_section == "profile"
    assert invitation.response.answers == {"institution": "other"}
    result = responses.save_page(invitation, "profile", pnat_pages()["profile"], go_to="governance",
                                 require_complete=True)
    assert result.ok and invitation.response.current_section == "governance"


def test_a_response_keeps_its_version_when_the_round_moves(ctx):
    round_ = make_round()
    first, _ = make_invitation(round_)
    responses.save_page(first, "profile", {"region": ["cusco"]})
    old_version = round_.version
    document = reference_document()
    document["sections"][0]["questions"][0]["text"]["es"] = "Institución (texto corregido)"
    round_.version = publish_document(document)
    second, _ = make_invitation(round_)
    assert responses.version_id_of(first) == old_version.id
    assert responses.version_id_of(second) == round_.version_id
    assert responses.questionnaire_of(second).question("institution").text.get("es") == "Institución (texto corregido)"
    assert responses.questionnaire_of(first).question("institution").text.get("es") != "Institución (texto corregido)"
    responses.save_page(second, "profile", {"region": ["cusco"]})
    assert second.response.version == round_.version != first.response.version
    answer_everything(first)
    assert submissions.submit(first, 0).status == "submitted"
    assert first.response.revisions[0].version_id == old_version.id


def test_submit_applies_once(invitation):
    answer_everything(invitation)
    outcome = submissions.submit(invitation, 0)
    assert outcome.status == "submitted" and outcome.revision == 1
    response = invitation.response
    assert response.is_submitted and response.revision == 1
    assert invitation.status == "submitted" and invitation.submitted_at is not None
    assert set(response.scores) == {"governance", "prevention", "prosecution", "protection"}
    assert all(0 <= value <= 100 for value in response.scores.values())
    assert submissions.submit(invitation, 0).status == "already"
    assert count(ResponseRevision, ResponseRevision.response_id == response.id) == 1
    assert count(OutboxMessage, OutboxMessage.invitation_id == invitation.id, OutboxMessage.kind == "receipt") == 1


def test_a_save_from_another_tab_between_reading_and_saving_is_kept(invitation):
    from survey.extensions import db
    from survey.models import Response
    from survey.models._types import utcnow

    responses.save_page(invitation, "profile", {"months_in_role": ["24"]})
    response = invitation.response  # as this tab's request read it
    db.session.execute(update(Response).where(Response.id == response.id).values(
        answers={**response.answers, "people_reached": 3400}, updated_at=utcnow())
        .execution_options(synchronize_session=False))  # the other tab's save, committed meanwhile
    result = responses.save_page(invitation, "profile", {"months_in_role": ["30"]})
    assert result.answers == {"months_in_role": 30, "people_reached": 3400}
    db.session.expire_all()
    assert invitation.response.answers == {"months_in_role": 30, "people_reached": 3400}


def test_a_save_that_lands_between_reading_and_submitting_is_what_gets_submitted(invitation):
    from survey.extensions import db
    from survey.models import Answer, Response
    from survey.models._types import utcnow

    answer_everything(invitation)
    response = invitation.response  # as the link's lookup read it
    read_answers = dict(response.answers)
    # Another tab saves a changed answer (a Core UPDATE leaves the loaded object as it was read).
    db.session.execute(update(Response).where(Response.id == response.id).values(
        answers={**read_answers, "months_in_role": 36}, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    assert response.answers["months_in_role"] == 24
    assert submissions.submit(invitation, 0).status == "submitted"
    db.session.expire_all()
    assert invitation.response.revisions[0].answers["months_in_role"] == 36
    assert db.session.scalar(select(Answer.value).where(
        Answer.response_id == response.id, Answer.question_key == "months_in_role")) == "36"


def test_a_save_that_empties_a_required_answer_before_submitting_makes_it_incomplete(invitation):
    from survey.extensions import db
    from survey.models import Response
    from survey.models._types import utcnow

    answer_everything(invitation)
    response = invitation.response
    remaining = {key: value for key, value in response.answers.items() if key != "institution"}
    db.session.execute(update(Response).where(Response.id == response.id).values(
        answers=remaining, updated_at=utcnow()).execution_options(synchronize_session=False))
    outcome = submissions.submit(invitation, 0)
    assert outcome.status == "incomplete" and [e.key for e in outcome.errors] == ["institution"]
    assert count(ResponseRevision, ResponseRevision.response_id == response.id) == 0


def test_answer_rows_are_flattened_for_aggregation(invitation):
    answer_everything(invitation)
    submissions.submit(invitation, 0)
    from survey.extensions import db

    rows = db.session.execute(select(Answer.question_key, Answer.item, Answer.value, Answer.number)
                              .where(Answer.response_id == invitation.response.id)).all()
    by_key = {}
    for key, item, value, number in rows:
        by_key.setdefault(key, []).append((item, value, number))
    assert sorted(by_key["budget_sources"]) == [("apnop", "apnop", None), ("pp_0030", "pp_0030", None)]
    assert ("pnp", "frequent", None) in by_key["coordination_matrix"] and len(by_key["coordination_matrix"]) == 11
    assert ("sexual__girls", "1", 1.0) in by_key["victims_matrix"] and len(by_key["victims_matrix"]) == 24
    assert by_key["budget_pim_pen"] == [("", "150000.5", 150000.5)]
    assert by_key["member_antitrafficking_body"] == [("", "true", None)]
    assert by_key["population_knowledge"] == [("", "3", 3.0)]
    assert by_key["plan_approval_date"] == [("", "2017-06-15", None)]
    assert "institution_other" not in by_key


def test_incomplete_answers_are_not_submitted(invitation):
    responses.save_page(invitation, "profile", pnat_pages()["profile"])
    outcome = submissions.submit(invitation, 0)
    assert outcome.status == "incomplete"
    assert outcome.errors[0].key == "focal_unit_designated"
    assert invitation.response.revision == 0 and not invitation.response.is_submitted
    assert count(OutboxMessage, OutboxMessage.invitation_id == invitation.id) == 0


def test_each_change_after_submitting_is_a_new_revision(ctx):
    invitation, _ = make_invitation(make_round(allow_edit_after_submit=True))
    answer_everything(invitation)
    submissions.submit(invitation, 0)
    assert responses.can_change(invitation)
    responses.save_page(invitation, "prevention", {**pnat_pages()["prevention"], "people_reached": ["5000"]})
    assert submissions.submit(invitation, 1).status == "submitted"
    assert submissions.submit(invitation, 1).status == "already"
    response = invitation.response
    assert [(r.number, r.answers["people_reached"]) for r in response.revisions] == [(1, 3400), (2, 5000)]
    assert response.revisions[0].submitted_at <= response.revisions[1].submitted_at
    assert count(Answer, Answer.response_id == response.id, Answer.question_key == "people_reached") == 1
    receipts = select(OutboxMessage.seq).where(OutboxMessage.invitation_id == invitation.id,
                                               OutboxMessage.kind == "receipt")
    from survey.extensions import db

    assert sorted(db.session.scalars(receipts)) == [1, 2]


def test_answers_are_final_when_the_round_forbids_changes(invitation):
    answer_everything(invitation)
    submissions.submit(invitation, 0)
    assert not responses.can_change(invitation)


def test_decline_records_the_reason(invitation):
    handoffs.decline(invitation, "  No tenemos competencia.  ")
    assert invitation.status == "declined" and invitation.declined_at is not None
    assert invitation.decline_reason == "No tenemos competencia."
    event = AuditEvent.query.filter_by(action="invitation.decline").one()
    assert event.actor == f"official:{invitation.id}"


def test_forward_invites_a_colleague_and_revokes_the_link(ctx):
    invitation, token = make_invitation(make_round(), institution="mimp", region="puno", language="en")
    colleague, new_token = handoffs.forward(invitation, "Rosa  Huamán", "Rosa.Huaman@MIMP.gob.pe", "Directora")
    assert invitation.status == "revoked" and invitation.revoked_at is not None
    assert tokens.find(new_token) is colleague
    assert (colleague.institution_id, colleague.region_id, colleague.round_id) == (
        invitation.institution_id, invitation.region_id, invitation.round_id)
    assert (colleague.name, colleague.email, colleague.language) == ("Rosa Huamán", "rosa.huaman@mimp.gob.pe", "en")
    assert colleague.forwarded_from_id == invitation.id
    event = AuditEvent.query.filter_by(action="invitation.forward").one()
    assert event.object_id == str(invitation.id) and event.details["to_invitation"] == colleague.id
    assert token not in str(event.details)
    assert count(OutboxMessage, OutboxMessage.invitation_id == colleague.id, OutboxMessage.kind == "invitation") == 1


@pytest.mark.parametrize("name,email,field", [
    ("", "a@gob.pe", "name"),
    ("Ana", "no-es-correo", "email"),
    ("Ana", "SELF", "email"),
    ("Ana", "TAKEN", "email"),
])
def test_forward_refuses_bad_colleagues(ctx, name, email, field):
    round_ = make_round()
    invitation, _ = make_invitation(round_)
    other, _ = make_invitation(round_)
    email = {"SELF": invitation.email.upper(), "TAKEN": other.email}.get(email, email)
    with pytest.raises(handoffs.HandoffError) as error:
        handoffs.forward(invitation, name, email)
    assert error.value.field == field
    assert invitation.status != "revoked"
    assert count(Invitation, Invitation.round_id == round_.id) == 2


def test_a_submitted_invitation_cannot_be_declined_or_forwarded(invitation):
    answer_everything(invitation)
    submissions.submit(invitation, 0)
    with pytest.raises(handoffs.HandoffError):
        handoffs.decline(invitation, "")
    with pytest.raises(handoffs.HandoffError):
        handoffs.forward(invitation, "Ana", "ana@gob.pe")


def test_control_characters_never_reach_the_database(invitation):
    answer_everything(invitation)
    responses.save_page(invitation, "prevention", {**pnat_pages()["prevention"],
                                                   "prevention_difficulties": ["Sin\x00 presupuesto\x07"]})
    assert invitation.response.answers["prevention_difficulties"] == "Sin presupuesto"
    assert submissions.submit(invitation, 0).status == "submitted"
