"""Fixtures of the worker tests (see harness.py)."""
from __future__ import annotations

import pytest
import redis

from tests.workers.harness import REDIS_URL, Sink, SmtpServer, Stack


@pytest.fixture(scope="module")
def redis_db():
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def sink_server():
    sink = Sink()
    server = SmtpServer(sink)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_db, sink_server):
    """Redis broker (DB 5), SMTP to the in-process aiosmtpd, a SQLite file database."""
    return Stack(tmp_path_factory.mktemp("workers"), sink_server, REDIS_URL)
