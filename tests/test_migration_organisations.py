"""Migrating a database with invitations: each becomes an invitation for an organisation of its type and region."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from survey.extensions import db
from survey.services.reference import load_reference
from tests.conftest import BACKENDS, database_url, make_app

BEFORE = "0004_rate_limit_counters"


@pytest.fixture(params=BACKENDS)
def old_app(request, tmp_path_factory):
    url = database_url(request.param, tmp_path_factory, label="orgmigration")
    application = make_app(url, tmp_path_factory.mktemp("instance-orgmigration"))
    with application.app_context():
        upgrade(revision=BEFORE)
        load_reference()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _seed(connection) -> None:
    """Three invitations as the product wrote them before organisations: two MPFN Cusco, one GORE Puno."""
    connection.execute(text("INSERT INTO questionnaires (key, created_at) VALUES ('m', CURRENT_TIMESTAMP)"))
    connection.execute(text(
        "INSERT INTO questionnaire_versions (questionnaire_id, number, document, fingerprint, created_at) "
        "SELECT id, 1, '{}', 'f', CURRENT_TIMESTAMP FROM questionnaires"))
    connection.execute(text(
        "INSERT INTO rounds (title, description, questionnaire_id, version_id, opens_at, closes_at, status, "
        "allow_edit_after_submit, estimated_minutes, reminder_policy, created_at) "
        "SELECT 'R', '', q.id, v.id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP + INTERVAL '1 day', 'draft', false, 30, "
        "'{}', CURRENT_TIMESTAMP FROM questionnaires q JOIN questionnaire_versions v ON v.questionnaire_id = q.id"
        if connection.dialect.name == "postgresql" else
        "INSERT INTO rounds (title, description, questionnaire_id, version_id, opens_at, closes_at, status, "
        "allow_edit_after_submit, estimated_minutes, reminder_policy, created_at) "
        "SELECT 'R', '', q.id, v.id, '2026-01-01 00:00:00', '2026-02-01 00:00:00', 'draft', 0, 30, "
        "'{}', CURRENT_TIMESTAMP FROM questionnaires q JOIN questionnaire_versions v ON v.questionnaire_id = q.id"))
    for number, (institution, region) in enumerate((("mpfn", "cusco"), ("mpfn", "cusco"), ("gore", "puno"))):
        connection.execute(text(
            "INSERT INTO invitations (round_id, name, email, institution_id, region_id, position, language, "
            "token_nonce, token_hash, status, created_at, decline_reason, reminders_sent) "
            "SELECT r.id, :name, :email, t.id, g.id, '', 'es', 'n', :hash, 'invited', CURRENT_TIMESTAMP, '', 0 "
            "FROM rounds r, institutions t, regions g WHERE t.code = :institution AND g.key = :region"),
            {"name": f"P{number}", "email": f"p{number}@gob.pe", "hash": f"h{number}",
             "institution": institution, "region": region})
    # A response per invitation: a migration that copies the invitations table must not cascade-delete them.
    connection.execute(text(
        "INSERT INTO responses (invitation_id, round_id, version_id, answers, current_section, started_at, "
        "updated_at, revision, scores) SELECT i.id, i.round_id, r.version_id, '{\"a\": 1}', '', CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP, 0, '{}' FROM invitations i JOIN rounds r ON r.id = i.round_id"))


def test_invitations_become_invitations_for_organisations_of_their_type_and_region(old_app):
    with old_app.app_context():
        with db.engine.begin() as connection:
            _seed(connection)
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT i.email, o.name, o.kind, i.sector, t.code, g.key FROM invitations i "
                "JOIN organisations o ON o.id = i.organisation_id "
                "LEFT JOIN institutions t ON t.id = o.institution_id "
                "JOIN organisation_regions x ON x.organisation_id = o.id JOIN regions g ON g.id = x.region_id "
                "ORDER BY i.email")).all()
            organisations = connection.execute(text("SELECT count(*) FROM organisations")).scalar_one()
            responses = connection.execute(text("SELECT count(*) FROM responses")).scalar_one()
    assert organisations == 2
    assert responses == 3  # SQLite's batch copies ran with foreign keys off: no ON DELETE CASCADE fired
    assert [(email, kind, sector, code, region) for email, _, kind, sector, code, region in rows] == [
        ("p0@gob.pe", "state_national", "state", "mpfn", "cusco"),
        ("p1@gob.pe", "state_national", "state", "mpfn", "cusco"),
        ("p2@gob.pe", "state_regional", "state", "gore", "puno")]
    assert rows[0][1] == rows[1][1] and rows[0][1].startswith("Ministerio Público") and rows[0][1].endswith("Cusco")


def test_the_organisations_migration_goes_down_and_up_again(old_app):
    with old_app.app_context():
        upgrade()
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            columns = [row[1] for row in connection.execute(text("PRAGMA table_info(invitations)"))] \
                if connection.dialect.name == "sqlite" else [row[0] for row in connection.execute(text(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'invitations'"))]
        assert "organisation_id" not in columns
        upgrade()


@pytest.mark.parametrize("backend", BACKENDS)
def test_names_are_folded_again_with_dashes_alike_and_a_collision_is_left_for_staff(backend, tmp_path_factory):
    url = database_url(backend, tmp_path_factory, label="refold")
    application = make_app(url, tmp_path_factory.mktemp("instance-refold"))
    with application.app_context():
        upgrade(revision="0019_publication_shown")
        insert = text("INSERT INTO organisations (name, folded_name, acronym, kind, is_active, created_at) "
                      "VALUES (:name, :folded, '', 'state_national', :active, CURRENT_TIMESTAMP)")
        with db.engine.begin() as connection:
            # As the old folding stored them: the en dash kept, so the two Cusco offices were two names.
            for name, folded, active in (("Defensoría del Pueblo – Cusco", "defensoria del pueblo – cusco", True),
                                         ("Defensoria del Pueblo - Cusco", "defensoria del pueblo - cusco", True),
                                         ("Fiscalía – Puno", "fiscalia – puno", False)):
                connection.execute(insert, {"name": name, "folded": folded, "active": active})
        upgrade()
        with db.engine.connect() as connection:
            folded = dict(connection.execute(text("SELECT name, folded_name FROM organisations")).all())
        # One name now: the office already folded that way keeps it, the other its old one until staff merge them.
        assert folded["Defensoria del Pueblo - Cusco"] == "defensoria del pueblo - cusco"
        assert folded["Defensoría del Pueblo – Cusco"] == "defensoria del pueblo – cusco"
        assert folded["Fiscalía – Puno"] == "fiscalia - puno"
        downgrade(revision="0019_publication_shown")
        with db.engine.connect() as connection:
            folded = dict(connection.execute(text("SELECT name, folded_name FROM organisations")).all())
        assert folded["Fiscalía – Puno"] == "fiscalia – puno"
        db.session.remove()
        db.engine.dispose()
