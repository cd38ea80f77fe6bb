"""Publishing and unpublishing a round's public scorecard (services add and flush; the view commits)."""
from __future__ import annotations

from sqlalchemy import select, update

from survey.extensions import db
from survey.models import Publication, Round, User
from survey.models._types import utcnow
from survey.publication import snapshot
from survey.services import audit


def live(round_id: int) -> Publication | None:
    """The round's live publication, if any."""
    return db.session.scalar(select(Publication).where(Publication.round_id == round_id,
                                                       Publication.unpublished_at.is_(None)))


def was_published(round_id: int) -> bool:
    """True when the round was published once and withdrawn since (its public URLs answer 410)."""
    return db.session.scalar(select(Publication.id).where(Publication.round_id == round_id).limit(1)) is not None


def _withdraw(round_id: int) -> int:
    """Withdraw the live publication of the round, dropping its figures; returns how many rows changed."""
    result = db.session.execute(
        update(Publication).where(Publication.round_id == round_id, Publication.unpublished_at.is_(None))
        .values(unpublished_at=utcnow(), snapshot={}, snapshot_hash="")
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def publish(round_: Round, user: User | None, *, k: int, is_naming_organisations: bool) -> Publication:
    """Take the snapshot of *round_*'s public figures now; it replaces the live one, if any."""
    review = snapshot.build(round_, k, is_naming_organisations)
    _withdraw(round_.id)
    db.session.flush()
    now = utcnow()
    public = snapshot.public(review)
    public["published_at"] = now.isoformat(timespec="seconds")
    publication = Publication(round_id=round_.id, snapshot=public, snapshot_hash=snapshot.digest(public),
                              shown=snapshot.shown_keys(public), members=review["members"], k=k,
                              is_naming_organisations=is_naming_organisations, published_by=user, published_at=now)
    db.session.add(publication)
    db.session.flush()
    audit.record("publication.publish", round_, k=k, is_naming_organisations=is_naming_organisations,
                 publication=publication.id)
    return publication


def unpublish(round_: Round) -> bool:
    """Withdraw *round_*'s public scorecard; False when none was live."""
    if not _withdraw(round_.id):
        return False
    db.session.expire_all()
    audit.record("publication.unpublish", round_)
    return True
