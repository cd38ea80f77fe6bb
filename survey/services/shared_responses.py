"""Responses shared by the officials of one organisation (a per-organisation round): which
invitations share one, who may change a section, and how a save notices a colleague's change.

Read by :mod:`survey.services.responses` on every page save; staff actions live in
:mod:`survey.services.institutional`.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select, true

from survey.extensions import db
from survey.models import Invitation, SectionAssignment


class SectionAssigned(PermissionError):
    """The section is assigned to another official of the organisation: read-only for this one."""

    def __init__(self, holder: Invitation) -> None:
        super().__init__(f"section assigned to invitation {holder.id}")
        self.holder = holder


def is_shared(invitation: Invitation) -> bool:
    """True when the invitation works on its organisation's response (a per-organisation round).

    An invitation without an organisation answers on its own even in such a round.
    """
    return invitation.round.is_per_organisation and invitation.organisation_id is not None


def answer_fingerprints(answers: Mapping[str, Any], keys: Collection[str]) -> dict[str, str]:
    """A short digest of each answer of *keys* as stored (None when unanswered), for the page form.

    A page of a shared response carries them; a save compares them with the stored answers to find
    the questions somebody else changed since the page was shown (see :func:`save_page`).
    """
    return {key: fingerprint(answers.get(key)) for key in keys}


def fingerprint(value: Any) -> str:
    """A short digest of one answer (an empty one counts as no answer)."""
    if value in ("", [], {}):
        value = None  # an empty field and no answer are the same answer
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_fingerprints(text: str | None) -> dict[str, str] | None:
    """The fingerprints a page form sent back (its ``_seen`` field); None when absent or unreadable."""
    if not text:
        return None
    try:
        seen = json.loads(text)
    except ValueError:
        return None
    if not isinstance(seen, dict):
        return None
    return {str(key): str(value) for key, value in seen.items()}


def section_holder(invitation: Invitation, section_key: str) -> Invitation | None:
    """The official of the invitation's organisation a section is assigned to (None: open to all)."""
    return db.session.scalar(
        select(Invitation).join(SectionAssignment, SectionAssignment.invitation_id == Invitation.id).where(
            SectionAssignment.round_id == invitation.round_id,
            SectionAssignment.organisation_id == invitation.organisation_id,
            SectionAssignment.section_key == section_key))


def changed_since_shown(saved: Mapping[str, Any], parsed: Mapping[str, Any], keys: Collection[str],
                        seen: Mapping[str, str] | None) -> list[str]:
    """Questions whose stored answer changed since the page was shown (*seen*) and whose value sent now
    differs from it: saving them would overwrite a colleague's newer answer."""
    if seen is None:
        return []
    found = []
    for key in keys:
        if key not in parsed:
            continue
        stored = fingerprint(saved.get(key))
        if seen.get(key, stored) != stored and fingerprint(parsed[key]) != stored:
            found.append(key)
    return found


def focal_point(round_id: int, organisation_id: int) -> Invitation | None:
    """The official who submits the organisation's response: the one staff chose, else the first invited.

    Revoked invitations never count (a successor takes over the choice, see
    :func:`survey.services.institutional.successor`).
    """
    return db.session.scalar(
        select(Invitation).where(Invitation.round_id == round_id, Invitation.organisation_id == organisation_id,
                                 Invitation.revoked_at.is_(None))
        .order_by(Invitation.is_focal_point.is_(true()).desc(), Invitation.id).limit(1))


def is_focal_point(invitation: Invitation) -> bool:
    """True when *invitation* submits for its organisation (always, for an invitation answering alone)."""
    if not is_shared(invitation):
        return True
    chosen = focal_point(invitation.round_id, invitation.organisation_id)
    return chosen is not None and chosen.id == invitation.id
