"""The baseline of bench_submit.py: bare Flask + SQLAlchemy, one endpoint inserting one row.

Served by gunicorn exactly like the survey app (``gunicorn benchmarks.bare_app:app``), on the
database named by ``BENCH_DATABASE_URL``; SQLite runs in WAL mode with synchronous=NORMAL and a
busy timeout, like the survey app. The table is created by the benchmark before the server starts.
"""
from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the one table."""


class Item(Base):
    """One inserted row."""

    __tablename__ = "bench_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    payload: Mapped[str] = mapped_column(String(200))


def make_engine(url: str):
    """An engine tuned as the survey app tunes its own (WAL, NORMAL sync, busy timeout on SQLite)."""
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _tune(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
    return engine


app = Flask(__name__)
_engine = make_engine(os.environ["BENCH_DATABASE_URL"]) if "BENCH_DATABASE_URL" in os.environ else None


@app.post("/insert")
def insert():
    """Insert one row through an ORM session and commit it."""
    with Session(_engine) as session:
        session.add(Item(payload=request.form.get("payload", "x")[:200]))
        session.commit()
    return "ok", 201
