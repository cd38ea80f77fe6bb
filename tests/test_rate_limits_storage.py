"""The database storage of the rate limits (``survey+sql://``), on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import time
import uuid
from types import SimpleNamespace

import pytest
from limits import parse
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select

from survey import ratelimit
from survey.config import from_environment
from survey.models import RateLimitHit
from tests.conftest import make_app


@pytest.fixture
def storage(app):
    storage = ratelimit.SQLStorage(f"{ratelimit.SCHEME}://", database_url=ratelimit.counters_url(app))
    yield storage
    storage.reset()


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_000_000.0}
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now["t"]))
    return now


def rows(storage) -> int:
    with storage.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(RateLimitHit)).scalar_one()


def test_a_window_takes_its_limit_and_refuses_the_next(storage, clock):
    assert [storage.acquire_entry("a", 3, 60) for _ in range(4)] == [True, True, True, False]
    assert storage.get_moving_window("a", 3, 60) == (clock["t"], 3)
    # another key has its own window
    assert storage.acquire_entry("b", 3, 60)
    assert storage.get_moving_window("nobody", 3, 60) == (clock["t"], 0)


def test_hits_leave_the_window_one_by_one(storage, clock):
    start = clock["t"]
    assert storage.acquire_entry("k", 2, 60)
    clock["t"] += 30
    assert storage.acquire_entry("k", 2, 60)
    assert not storage.acquire_entry("k", 2, 60)
    assert storage.get_moving_window("k", 2, 60) == (start, 2)
    # 60 s after the first hit only that one has left: one place, not two
    clock["t"] = start + 60.5
    assert storage.acquire_entry("k", 2, 60)
    assert not storage.acquire_entry("k", 2, 60)


def test_the_limits_strategy_counts_on_it(storage, clock):
    strategy = MovingWindowRateLimiter(storage)
    item = parse("2/minute")
    assert strategy.test(item, "ip", "10.0.0.1")
    assert strategy.hit(item, "ip", "10.0.0.1") and strategy.hit(item, "ip", "10.0.0.1")
    assert not strategy.test(item, "ip", "10.0.0.1") and not strategy.hit(item, "ip", "10.0.0.1")
    assert strategy.get_window_stats(item, "ip", "10.0.0.1").remaining == 0
    strategy.clear(item, "ip", "10.0.0.1")
    assert strategy.test(item, "ip", "10.0.0.1")


def test_expired_hits_are_pruned_by_a_later_write(storage, clock):
    for n in range(5):
        storage.acquire_entry(f"old{n}", 10, 60)
    assert rows(storage) == 5
    clock["t"] += 61 + ratelimit.PRUNE_EVERY
    storage.acquire_entry("new", 10, 60)
    assert rows(storage) == 1


def test_fixed_window_counting_on_the_same_log(storage, clock):
    assert storage.incr("f", 60) == 1
    clock["t"] += 50
    assert storage.incr("f", 60, amount=2) == 3
    assert storage.get("f") == 3
    assert storage.get_expiry("f") == pytest.approx(clock["t"] + 10)
    clock["t"] += 11  # the window began at the first hit and has ended
    assert storage.get("f") == 0
    assert storage.incr("f", 60) == 1
    storage.clear("f")
    assert storage.get("f") == 0


def test_long_keys_fit(storage, clock):
    key = "LIMITER/login-pair/" + "x" * 254 + "@example.org/2001:db8::1/10/15/minute"
    assert storage.acquire_entry(key, 1, 60)
    assert not storage.acquire_entry(key, 1, 60)
    assert storage.check()


def test_parallel_hits_never_take_more_than_the_limit(storage, monkeypatch):
    # Several processes' worth of connections ask for the last places of one window at once,
    # each slow between counting and writing: only the lock on the key keeps the count right.
    add = storage._add

    def slow_add(*args):
        time.sleep(0.02)
        add(*args)

    monkeypatch.setattr(storage, "_add", slow_add)
    key = f"race-{uuid.uuid4().hex}"
    results: list[bool | Exception] = []
    lock = threading.Lock()
    start = threading.Barrier(6, timeout=30)

    def attempt() -> None:
        for _ in range(5):
            start.wait()  # every round, all six ask at the same moment
            try:
                taken: bool | Exception = storage.acquire_entry(key, 10, 60)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                taken = exc
            with lock:
                results.append(taken)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r for r in results if isinstance(r, Exception)] == []
    assert results.count(True) == 10 and len(results) == 30
    assert storage.get_moving_window(key, 10, 60)[1] == 10


def test_without_redis_the_app_counts_in_its_database(tmp_path, monkeypatch):
    monkeypatch.delenv("SURVEY_REDIS_URL", raising=False)
    assert from_environment(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "survey+sql://"
    monkeypatch.setenv("SURVEY_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert from_environment(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"

    from survey.extensions import limiter

    application = make_app(f"sqlite:///{tmp_path / 'main.sqlite'}", tmp_path / "instance",
                           RATELIMIT_STORAGE_URI="survey+sql://")
    storage = limiter.storage
    assert isinstance(storage, ratelimit.SQLStorage)
    # SQLite: a file of its own, so a hit never waits for the request's own write lock
    assert str(storage.engine.url) == f"sqlite:///{tmp_path / 'instance' / ratelimit.SQLITE_FILE}"
    assert application.config["RATELIMIT_STORAGE_URI"] == "survey+sql://"
    # the next app on memory:// gets no database option it would not understand
    make_app(f"sqlite:///{tmp_path / 'other.sqlite'}", tmp_path / "other", RATELIMIT_STORAGE_URI="memory://")
    assert "database_url" not in limiter._storage_options
