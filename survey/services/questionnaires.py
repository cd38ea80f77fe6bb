"""Creating, drafting, publishing and comparing questionnaire versions."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

import questionnaires
from survey.extensions import db
from survey.models import Questionnaire, QuestionnaireVersion, User
from survey.models._types import utcnow


class VersionError(ValueError):
    """A version operation that the current state does not allow."""


def get(key: str) -> Questionnaire | None:
    """Return the questionnaire with *key*, or None."""
    return db.session.scalar(select(Questionnaire).where(Questionnaire.key == key))


def get_version(questionnaire: Questionnaire, number: int | None = None) -> QuestionnaireVersion:
    """Return version *number*, or the latest published (else the draft) when None."""
    if number is None:
        version = questionnaire.latest_published or questionnaire.draft
    else:
        version = next((v for v in questionnaire.versions if v.number == number), None)
    if version is None:
        raise VersionError(f"questionnaire {questionnaire.key} has no version {number}")
    return version


def _canonical(document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    loaded = questionnaires.load(document)
    return loaded.to_document(), loaded.fingerprint


def import_document(document: dict[str, Any], *, user: User | None = None) -> QuestionnaireVersion:
    """Create the questionnaire, or put *document* in its draft (a new one if needed).

    Raises :class:`questionnaires.DefinitionError` listing every problem; nothing is
    written then.
    """
    canonical, fingerprint = _canonical(document)
    questionnaire = get(canonical["key"])
    if questionnaire is None:
        questionnaire = Questionnaire(key=canonical["key"])
        db.session.add(questionnaire)
        db.session.flush()
    draft = questionnaire.draft
    if draft is None:
        draft = QuestionnaireVersion(
            questionnaire=questionnaire,
            number=(questionnaire.versions[-1].number + 1) if questionnaire.versions else 1,
            created_by=user,
        )
        db.session.add(draft)
    draft.document = canonical
    draft.fingerprint = fingerprint
    db.session.flush()
    db.session.refresh(questionnaire)
    return draft


def save_draft(version: QuestionnaireVersion, document: dict[str, Any]) -> QuestionnaireVersion:
    """Replace the document of a draft after validating it; the key cannot change."""
    if version.is_published:
        raise VersionError("a published version cannot be changed; start a new draft")
    canonical, fingerprint = _canonical(document)
    if canonical["key"] != version.questionnaire.key:
        raise VersionError("the questionnaire key cannot change")
    version.document = canonical
    version.fingerprint = fingerprint
    db.session.flush()
    return version


def start_draft(questionnaire: Questionnaire, *, user: User | None = None) -> QuestionnaireVersion:
    """Return the draft, creating it as a copy of the latest version when there is none."""
    if questionnaire.draft is not None:
        return questionnaire.draft
    latest = questionnaire.latest
    draft = QuestionnaireVersion(
        questionnaire=questionnaire,
        number=latest.number + 1,
        document=latest.document,
        fingerprint=latest.fingerprint,
        created_by=user,
    )
    db.session.add(draft)
    db.session.flush()
    db.session.refresh(questionnaire)
    return draft


def publish(questionnaire: Questionnaire, *, user: User | None = None) -> QuestionnaireVersion:
    """Freeze the draft forever and return it."""
    draft = questionnaire.draft
    if draft is None:
        raise VersionError(f"questionnaire {questionnaire.key} has no draft to publish")
    questionnaires.load(draft.document)  # a stored draft is valid; this guards older rows
    draft.published_at = utcnow()
    draft.published_by = user
    db.session.flush()
    return draft


def diff_versions(questionnaire: Questionnaire, a: int, b: int) -> questionnaires.VersionDiff:
    """Compare version *a* with version *b* of *questionnaire* by question key."""
    return questionnaires.diff(get_version(questionnaire, a).load(), get_version(questionnaire, b).load())


def list_all() -> list[Questionnaire]:
    """Every questionnaire, by key."""
    return list(db.session.scalars(select(Questionnaire).order_by(Questionnaire.key)))
