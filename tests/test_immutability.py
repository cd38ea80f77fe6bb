"""A published version, and the audit log, cannot be changed even by raw SQL."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from survey.models import AuditEvent, Questionnaire, QuestionnaireVersion
from survey.models._types import utcnow


def make_version(session, *, published: bool, key: str = "demo", number: int = 1) -> QuestionnaireVersion:
    questionnaire = session.query(Questionnaire).filter_by(key=key).one_or_none()
    if questionnaire is None:
        questionnaire = Questionnaire(key=key)
        session.add(questionnaire)
    version = QuestionnaireVersion(
        questionnaire=questionnaire,
        number=number,
        document={"key": key, "sections": []},
        fingerprint="0" * 64,
        published_at=utcnow() if published else None,
    )
    session.add(version)
    session.flush()
    return version


def test_a_draft_can_be_edited(db_session):
    version = make_version(db_session, published=False)
    version.document = {"key": "demo", "sections": [{"key": "s"}]}
    db_session.flush()
    db_session.execute(text("UPDATE questionnaire_versions SET fingerprint = 'x' WHERE id = :id"), {"id": version.id})


def test_a_published_version_refuses_orm_update(db_session):
    version = make_version(db_session, published=True)
    version.document = {"key": "demo", "sections": [{"key": "changed"}]}
    with pytest.raises((IntegrityError, DBAPIError), match="published questionnaire version cannot be changed"):
        with db_session.begin_nested():
            db_session.flush()


def test_a_published_version_refuses_raw_update_and_delete(db_session):
    version = make_version(db_session, published=True)
    for statement in (
        "UPDATE questionnaire_versions SET document = '{}' WHERE id = :id",
        "UPDATE questionnaire_versions SET published_at = NULL WHERE id = :id",
        "DELETE FROM questionnaire_versions WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="published questionnaire version cannot be changed"):
            with db_session.begin_nested():
                db_session.execute(text(statement), {"id": version.id})


def test_only_one_draft_per_questionnaire(db_session):
    make_version(db_session, published=False, number=1)
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            make_version(db_session, published=False, number=2)


def test_the_audit_log_is_append_only(db_session):
    event = AuditEvent(action="test.event", actor="cli")
    db_session.add(event)
    db_session.flush()
    for statement in ("UPDATE audit_events SET action = 'x' WHERE id = :id", "DELETE FROM audit_events WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db_session.begin_nested():
                db_session.execute(text(statement), {"id": event.id})
