"""Export tasks: build a requested export; delete the files of expired exports.

One task builds every kind (workbook, annex as Word or PDF, fact sheets): the row's ``kind`` picks the
builder (``survey.services.exports.FILES``), so the claim, the progress, the sweep that queues lost
builds again (``exports.requeue_stale``) and the expiry cover the documents without a task of their own.
"""
from __future__ import annotations

from celery import shared_task

from survey import jobs
from survey.extensions import db
from survey.services import exports

#: 100,000 responses take a few minutes; the limit is well over ten times that
BUILD_TIME_LIMIT = 3600


@shared_task(name=jobs.BUILD_EXPORT, time_limit=BUILD_TIME_LIMIT, soft_time_limit=BUILD_TIME_LIMIT - 60)
def build_export(export_id: int) -> None:
    """Build the file of export *export_id* (of any kind), committing progress as it goes."""
    exports.run(export_id, checkpoint=db.session.commit)
    db.session.commit()


@shared_task(name=jobs.EXPIRE_EXPORTS, time_limit=300, soft_time_limit=240)
def expire_exports() -> int:
    """Delete expired export files (run periodically by beat)."""
    count = exports.expire()
    db.session.commit()
    return count
