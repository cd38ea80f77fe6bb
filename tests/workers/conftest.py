"""Fixtures of the worker tests (see harness.py)."""
from __future__ import annotations

import pytest
import redis

from tests.workers.harness import REDIS_URL, Sink, SmtpServer, Stack


def pytest_collection_modifyitems(items):
    """Keep every real-worker test on one xdist worker (they share Redis DB 5), and run one again
    if it fails: these tests drive real processes on real timers (visibility timeouts, kills at
    a given message), which a loaded 2-core machine can miss; a product fault fails every run."""
    for item in items:
        if "tests/workers/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.xdist_group("celery-redis-db5"))
            item.add_marker(pytest.mark.flaky(reruns=4, reruns_delay=2))


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
