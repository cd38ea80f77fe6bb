"""Round results: recomputed after submissions (debounced) and nightly."""
from __future__ import annotations

from celery import shared_task
from flask import current_app

from survey import jobs
from survey.extensions import db
from survey.services import results

#: default seconds between two computations of the same round
DEBOUNCE_SECONDS = 30.0


@shared_task(name=jobs.AGGREGATE_ROUND, bind=True, time_limit=600, soft_time_limit=540)
def aggregate(self, round_id: int, force: bool = False) -> str:
    """Recompute the results of round *round_id*, at most once per debounce window.

    A request inside the window books one deferred run at its end; later ones are
    dropped since that run will see their answers. *force* skips the debounce.
    """
    debounce = float(current_app.config.get("SURVEY_RESULTS_DEBOUNCE", DEBOUNCE_SECONDS))
    wait = results.plan(round_id, debounce=debounce, force=force)
    db.session.commit()
    if wait is None:
        return "covered"
    if wait > 0:
        aggregate.apply_async((round_id,), countdown=wait)
        return "deferred"
    results.aggregate(round_id)
    db.session.commit()
    return "computed"


@shared_task(name=jobs.AGGREGATE_ALL_ROUNDS, time_limit=300, soft_time_limit=240)
def aggregate_all() -> int:
    """Queue a full recomputation of every open or recently closed round (nightly)."""
    round_ids = results.rounds_to_refresh()
    db.session.rollback()
    for round_id in round_ids:
        aggregate.delay(round_id, True)
    return len(round_ids)
