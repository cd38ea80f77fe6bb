"""SQLite's single write lock: taken at the first query by default, only for the writes by readers.

Each test holds a transaction of the app on a SQLite file and probes the lock from a second,
raw connection that does not wait (``timeout=0``), as another gunicorn worker would.
"""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, insert, select

from survey import database
from survey.extensions import db
from survey.models import Region
from tests.conftest import BACKENDS, database_url, make_app


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    url = database_url("sqlite", tmp_path_factory, label="locks")
    app = make_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        db.create_all()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def other_writer(sqlite_app):
    """A second connection that tries to take the write lock at once; True if it got it."""
    path = sqlite_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)

    def try_to_write() -> bool:
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
            return False
        connection.execute("ROLLBACK")
        return True

    yield try_to_write
    connection.close()


def region(code: str, name: str) -> dict:
    return {"ubigeo": code, "key": f"test-{code}", "level": "department", "name_es": name, "name_en": name}


def count_regions() -> int:
    return db.session.scalar(select(func.count()).select_from(Region))


def test_a_transaction_holds_the_write_lock_from_its_first_query(sqlite_app, other_writer):
    with sqlite_app.app_context():
        count_regions()
        assert not other_writer()  # BEGIN IMMEDIATE: a later write cannot fail on a stale snapshot
        db.session.rollback()
        assert other_writer()


def test_a_reader_leaves_the_lock_free_until_it_begins_writing(sqlite_app, other_writer):
    with sqlite_app.app_context():
        database.begin_reading()
        before = count_regions()
        assert other_writer()
        assert database.begin_writing() is True
        assert not other_writer()
        db.session.execute(insert(Region).values(**region("99", "Región de prueba")))
        assert database.begin_writing() is False  # already writing: nothing to do
        db.session.commit()
        assert other_writer()
        assert count_regions() == before + 1
        db.session.rollback()


def test_a_write_by_a_reader_that_did_not_begin_writing_is_refused(sqlite_app):
    with sqlite_app.app_context():
        database.begin_reading()
        count_regions()
        with pytest.raises(database.WriteWhileReading):
            db.session.execute(insert(Region).values(**region("98", "Región de prueba")))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Region).where(Region.ubigeo == "98")) == 0


def test_objects_read_before_writing_stay_loaded(sqlite_app):
    with sqlite_app.app_context():
        db.session.execute(insert(Region).values(**region("97", "Antes")))
        db.session.commit()
        database.begin_reading()
        found = db.session.scalar(select(Region).where(Region.ubigeo == "97"))
        database.begin_writing()
        assert "name_es" in found.__dict__  # not expired: no second read needed
        found.name_es = "Después"
        db.session.commit()
        assert db.session.scalar(select(Region.name_es).where(Region.ubigeo == "97")) == "Después"


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL is not among the test backends")
def test_on_postgresql_reading_and_writing_are_one_transaction(tmp_path_factory):
    app = make_app(database_url("postgresql", tmp_path_factory, label="locks"), tmp_path_factory.mktemp("instance"))
    with app.app_context():
        db.create_all()
        database.begin_reading()
        count_regions()
        assert database.begin_writing() is False  # readers never block writers there: nothing to do
        db.session.execute(insert(Region).values(**region("96", "Región de prueba")))
        db.session.commit()
        assert count_regions() == 1
        db.session.remove()
        db.engine.dispose()
