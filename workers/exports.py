"""Export tasks: build a requested workbook; delete the files of expired exports."""
from __future__ import annotations

from celery import shared_task

from survey import jobs
from survey.extensions import db
from survey.services import exports

#: 100,000 responses take a few minutes; the limit is well over ten times that
BUILD_TIME_LIMIT = 3600


@shared_task(name=jobs.BUILD_EXPORT, time_limit=BUILD_TIME_LIMIT, soft_time_limit=BUILD_TIME_LIMIT - 60)
def build_export(export_id: int) -> None:
    """Build the workbook of export *export_id*, committing progress as pages are written."""
    exports.run(export_id, checkpoint=db.session.commit)
    db.session.commit()


@shared_task(name=jobs.EXPIRE_EXPORTS, time_limit=300, soft_time_limit=240)
def expire_exports() -> int:
    """Delete expired export files (run periodically by beat)."""
    count = exports.expire()
    db.session.commit()
    return count
