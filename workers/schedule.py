"""The beat schedule, as data, and the scheduler that runs it.

With Redis (production) beat uses celery-redbeat: the schedule lives in Redis and a
Redis lock lets only one beat process send periodic tasks, so a second beat started
by mistake waits instead of doubling them. Without Redis (the embedded run) the plain
scheduler keeps its state in a file in the instance folder. The tasks are idempotent
anyway: a doubled dispatch, sweep or aggregation changes nothing.
"""
from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery import current_app as current_celery
from celery.schedules import crontab

from survey import jobs

#: default periods in seconds (SURVEY_REMINDER_EVERY, SURVEY_SWEEP_EVERY)
REMINDER_EVERY = 300.0
SWEEP_EVERY = 60.0


def period(config, name: str, default: float) -> float:
    """Seconds between two runs: the app setting *name*, else the environment variable, else *default*."""
    return float(config.get(name) or os.environ.get(name) or default)


def beat_schedule(config) -> dict[str, dict[str, Any]]:
    """The periodic tasks: reminders, outbox sweep, nightly results, export clean-up."""
    reminders = period(config, "SURVEY_REMINDER_EVERY", REMINDER_EVERY)
    sweep = period(config, "SURVEY_SWEEP_EVERY", SWEEP_EVERY)
    return {
        # a run not started within its period is dropped (the next one covers it), so a
        # stopped worker does not find a pile of them; never under 30 s of broker latency
        "reminders-dispatch": {"task": jobs.DISPATCH_REMINDERS, "schedule": reminders,
                               "options": {"expires": max(reminders, 30.0)}},
        "outbox-sweep": {"task": jobs.SWEEP_OUTBOX, "schedule": sweep, "options": {"expires": max(sweep, 30.0)}},
        "results-nightly": {"task": jobs.AGGREGATE_ALL_ROUNDS, "schedule": crontab(hour=2, minute=30)},
        "exports-expire": {"task": jobs.EXPIRE_EXPORTS, "schedule": 3600.0, "options": {"expires": 3600.0}},
    }


def configure(celery: Celery, config, instance_path: str) -> None:
    """Put the schedule and the right scheduler into *celery*'s configuration."""
    celery.conf.beat_schedule = beat_schedule(config)
    # beat wakes at least this often; redbeat renews its lock each time and a standby
    # beat takes over 5 periods after the holder died
    celery.conf.beat_max_loop_interval = min(period(config, "SURVEY_REMINDER_EVERY", REMINDER_EVERY), 60.0)
    redis_url = config.get("SURVEY_REDIS_URL")
    if redis_url:
        celery.conf.beat_scheduler = "redbeat.RedBeatScheduler"
        celery.conf.redbeat_redis_url = redis_url
        celery.conf.redbeat_key_prefix = config.get("SURVEY_REDBEAT_PREFIX", "survey:redbeat")
        celery.conf.redbeat_lock_key = f"{celery.conf.redbeat_key_prefix}::lock"
        celery.conf.redbeat_lock_timeout = int(5 * celery.conf.beat_max_loop_interval) + 1
    else:
        celery.conf.beat_scheduler = "celery.beat:PersistentScheduler"
        celery.conf.beat_schedule_filename = os.path.join(instance_path, "celerybeat-schedule")


_flask_app = current_celery.flask_app
configure(current_celery, _flask_app.config, _flask_app.instance_path)
