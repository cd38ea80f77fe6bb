"""Migrations build the same schema as the models, triggers included, on both databases."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from survey.extensions import db
from tests.conftest import BACKENDS, database_url, make_app


@pytest.fixture(scope="module", params=BACKENDS)
def migrated_app(request, tmp_path_factory):
    url = database_url(request.param, tmp_path_factory, label="migrations")
    application = make_app(url, tmp_path_factory.mktemp("instance-migrations"))
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_upgrade_matches_the_models(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_published_versions_are_frozen_after_upgrade(migrated_app):
    with migrated_app.app_context(), db.engine.begin() as connection:
        connection.execute(text("INSERT INTO questionnaires (key, created_at) VALUES ('m', CURRENT_TIMESTAMP)"))
        qid = connection.execute(text("SELECT id FROM questionnaires WHERE key = 'm'")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO questionnaire_versions (questionnaire_id, number, document, fingerprint, created_at,"
                " published_at) VALUES (:q, 1, '{}', 'f', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"q": qid},
        )
    with migrated_app.app_context(), db.engine.connect() as connection:
        with pytest.raises(DBAPIError, match="cannot be changed"):
            connection.execute(text("UPDATE questionnaire_versions SET fingerprint = 'x'"))


def test_downgrade_then_upgrade_again(migrated_app):
    with migrated_app.app_context():
        downgrade(revision="base")
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM questionnaire_versions")).scalar_one() == 0
