"""Work the sweep queues again besides mail: results that a lost task left out of date."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from survey.extensions import db
from survey.models import Response, ResultRefresh, Round
from survey.models._types import utcnow

#: a submission this much older than the round's results means its results.aggregate was lost
#: (the debounced run comes SURVEY_RESULTS_DEBOUNCE_SECONDS after it; the nightly run covers the rest)
RESULTS_LATE_AFTER = 300.0


def rounds_with_stale_results(now: datetime | None = None) -> list[int]:
    """Ids of rounds whose results are older than a submission made SURVEY_RESULTS_LATE_AFTER ago.

    Only rounds with no run booked for later. A round stays on the list until a computation
    covers the submission, so each sweep asks again while the broker or the workers are down;
    results.aggregate is debounced, so repeated asks cost one computation.
    """
    now = now or utcnow()
    late_before = now - timedelta(seconds=float(current_app.config.get("SURVEY_RESULTS_LATE_AFTER",
                                                                        RESULTS_LATE_AFTER)))
    # per round through its index, for the few rounds open or just closed (not a scan of all responses)
    last_submission = (
        select(func.max(Response.submitted_at)).where(Response.round_id == Round.id).scalar_subquery()
    )
    return list(db.session.scalars(
        select(Round.id)
        .outerjoin(ResultRefresh, ResultRefresh.round_id == Round.id)
        .where(Round.status != "draft", Round.closes_at > now - timedelta(days=2),
               last_submission <= late_before,
               or_(ResultRefresh.computed_at.is_(None), ResultRefresh.computed_at < last_submission),
               or_(ResultRefresh.deferred_until.is_(None), ResultRefresh.deferred_until <= now))
        .order_by(Round.id)
    ))
