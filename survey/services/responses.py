"""Answering through a personal link: open the link, save a page.

Every function adds and flushes; the view commits. Answers are checked by the questionnaire core
on every save: what is stored is always valid, and a hidden question's answer is never stored.
Submitting lives in :mod:`survey.services.submissions`.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

import questionnaires
from questionnaires import AnswerError
from survey import database
from survey.extensions import db
from survey.models import Invitation, QuestionnaireVersion, Response
from survey.models._types import utcnow
from survey.services import evidence_query
from survey.services.definitions import load_cached
from survey.services.shared_responses import (
    SectionAssigned,
    changed_since_shown,
    fingerprint,
    is_shared,
    section_holder,
)

#: Invitation states from which saving an answer means "in progress".
_NOT_STARTED = ("invited", "opened", "declined")


@dataclass
class PageResult:
    """The outcome of saving one page: the stored answers, and what to show next to the fields."""

    answers: dict[str, Any]
    errors: list[AnswerError] = field(default_factory=list)
    warnings: list[AnswerError] = field(default_factory=list)
    #: questions of the page that this save opened (their condition became true): asked next, on the same page
    opened: list[str] = field(default_factory=list)
    #: questions of the page whose typed answer was not kept because their condition is false
    dropped: list[str] = field(default_factory=list)
    #: questions another official changed since the page was shown, whose typed value was not kept
    #: (keys; the stored value is in ``answers``)
    conflicts: list[str] = field(default_factory=list)
    #: whether this save changed an answer of the page
    changed: bool = False
    #: with conflicts: who last changed the section before this save, and when ({"invitation_id", "at"})
    conflict_change: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when nothing on the page needs fixing."""
        return not self.errors


def response_for(invitation: Invitation) -> Response | None:
    """The response the invitation works on: its own, or in a per-organisation round its organisation's.

    Both come with the personal-link lookup (one query), so this reads nothing more.
    """
    return invitation.shared_response if is_shared(invitation) else invitation.response


def version_id_of(invitation: Invitation) -> int:
    """The version the official answers: the response's own once started, else the round's."""
    response = response_for(invitation)
    return response.version_id if response is not None else invitation.round.version_id


def questionnaire_of(invitation: Invitation) -> questionnaires.Questionnaire:
    """The questionnaire the official answers (see :func:`version_id_of`), as their sector sees it."""
    return load_version(version_id_of(invitation), invitation.sector)


def load_version(version_id: int, sector: str | None = None) -> questionnaires.Questionnaire:
    """The questionnaire of version *version_id*, parsed once per process.

    With *sector* ("state" or "civil"), the view of it that kind of respondent answers
    (``Questionnaire.for_sector``): built once per parsed questionnaire and kept with it, so a
    page save or a submission pays a dictionary lookup for it.

    Only the fingerprint is read (once per database session, or never when the personal-link
    lookup brought it along, see :func:`remember_fingerprint`): the document (tens of KB of
    JSON) is read and parsed on a cache miss only, which keeps it out of every page save and
    submission.
    """
    known = db.session.info.setdefault(_FINGERPRINTS, {})
    if version_id not in known:
        known[version_id] = db.session.scalar(
            select(QuestionnaireVersion.fingerprint).where(QuestionnaireVersion.id == version_id))
    return load_cached(known[version_id], lambda: db.session.scalar(
        select(QuestionnaireVersion.document).where(QuestionnaireVersion.id == version_id))).for_sector(sector)


_FINGERPRINTS = "survey_version_fingerprints"


def remember_fingerprint(version_id: int, fingerprint: str) -> None:
    """Note, for this database session, the fingerprint of version *version_id* read by a caller."""
    db.session.info.setdefault(_FINGERPRINTS, {})[version_id] = fingerprint


def can_change(invitation: Invitation) -> bool:
    """True while the official may still save answers through the link."""
    if invitation.status == "revoked" or not invitation.round.is_accepting():
        return False
    response = response_for(invitation)
    return response is None or not response.is_submitted or invitation.round.allow_edit_after_submit


def open(invitation: Invitation) -> None:  # noqa: A001 - the verb of the service, used as responses.open
    """Record that the official followed the link (the first time only)."""
    if invitation.opened_at is not None and invitation.status != "invited":
        return  # the usual case: nothing to write, so no write lock either
    if database.begin_writing():
        db.session.refresh(invitation, ["opened_at", "status"])
    if invitation.opened_at is None:
        invitation.opened_at = utcnow()
    if invitation.status == "invited":
        invitation.status = "opened"
    db.session.flush()


def response_for_writing(invitation: Invitation) -> Response:
    """The invitation's response (see :func:`response_for`), re-read for writing, or created on the
    round's current version.

    The write lock is taken first (:func:`survey.database.begin_writing`) and the row is read
    again: with SELECT ... FOR UPDATE on PostgreSQL, under the database's write lock on SQLite.
    A save therefore cannot interleave with a submission or another save of the same response,
    whichever official of the organisation makes it.
    """
    database.begin_writing()
    shared = is_shared(invitation)
    if shared:
        which = (Response.round_id == invitation.round_id) & (Response.organisation_id == invitation.organisation_id)
    else:
        which = Response.invitation_id == invitation.id
    existing = db.session.scalar(
        select(Response).where(which).with_for_update().execution_options(populate_existing=True))
    if existing is not None:
        return existing
    response = Response(invitation_id=invitation.id, round_id=invitation.round_id,
                        organisation_id=invitation.organisation_id if shared else None,
                        version_id=invitation.round.version_id, answers={}, current_section="", section_changes={})
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        # A parallel request created it first (UNIQUE invitation_id, or round and organisation).
        response = db.session.scalars(select(Response).where(which)).one()
    db.session.expire(invitation, ["response", "shared_response"])
    return response


#: control characters nobody types on purpose; NUL cannot even be stored in a PostgreSQL text column
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_controls(formdata: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {name: [_CONTROLS.sub("", value) for value in ([values] if isinstance(values, str) else values)
                   if isinstance(value, str)]
            for name, values in formdata.items()}


def save_page(invitation: Invitation, section_key: str, formdata: Mapping[str, list[str]], *,
              go_to: str | None = None, require_complete: bool = False,
              follow_up: Collection[str] = (), seen: Mapping[str, str] | None = None) -> PageResult:
    """Save the answers typed on page *section_key* (``request.form.to_dict(flat=False)``).

    Valid answers are stored even when others on the page are wrong; a wrong value leaves the
    answer saved before it in place. With *require_complete* (moving forward) unanswered required
    questions are errors too. The response remembers *go_to* (else this page) as where to resume;
    on errors it stays on this page.

    *follow_up* names questions of the page that were closed when it was shown without
    JavaScript: if this save opens one of them, the official is asked it next on the same page
    (it is in ``opened``, not an error), the way a paper form says "if yes, answer 5".

    *seen* (a shared response's page: :func:`answer_fingerprints` of the answers it showed) guards
    against overwriting a colleague: a question whose stored answer changed since the page was shown,
    and whose typed value differs from it, keeps the stored answer and is listed in ``conflicts``.
    The page's other questions are saved. Saves of different sections never conflict: each writes
    its own questions over the answers as they are when it writes.

    The page is worked out from the response read with the link, before the write lock is taken;
    the UPDATE then requires the response's ``updated_at`` to be the one read. If another save or a
    submission came in between, the page is worked out again from the row re-read under the lock.

    :raise KeyError: when the questionnaire, as the invitation's sector sees it, has no section *section_key*.
    :raise SectionAssigned: when the section is assigned to another official of the organisation.
    """
    formdata = _without_controls(formdata)
    shared = is_shared(invitation)
    if shared:
        holder = section_holder(invitation, section_key)
        if holder is not None and holder.id != invitation.id:
            raise SectionAssigned(holder)
    changed_section = section_key if shared else None
    response = response_for(invitation)
    if response is not None:
        result, resume_at = _page(response, invitation.sector, section_key, formdata, go_to, require_complete,
                                  follow_up, seen, shared)
        database.begin_writing()
        if _store(invitation, response, result, resume_at, changed_section):
            return result
    response = response_for_writing(invitation)  # locked: nothing changes it until the commit
    result, resume_at = _page(response, invitation.sector, section_key, formdata, go_to, require_complete,
                              follow_up, seen, shared)
    if not _store(invitation, response, result, resume_at, changed_section):
        raise RuntimeError(f"response {response.id} changed under its lock")
    return result


def _page(response: Response, sector: str, section_key: str, formdata: dict[str, list[str]], go_to: str | None,
          require_complete: bool, follow_up: Collection[str] = (),
          seen: Mapping[str, str] | None = None, track_changes: bool = False) -> tuple[PageResult, str]:
    """The answers to store after this page, what to show, and the section to resume at.

    Worked out on the questionnaire as *sector* sees it: a section or question of the other kind
    is unknown here, so a forged field for it is never stored.
    """
    questionnaire = load_version(response.version_id, sector)
    keys = {question.key for question in questionnaire.section(section_key).questions}
    saved = dict(response.answers or {})
    parsed, parse_errors = questionnaires.parse_form(questionnaire, section_key, formdata)
    changed = changed_since_shown(saved, parsed, keys, seen)
    # The colleague's newer answer stays. Where this official typed something else, both are shown and
    # they choose; a field they left empty simply shows the colleague's answer from now on.
    clashes = [key for key in changed if fingerprint(parsed[key]) != fingerprint(None)]
    for key in changed:
        parsed.pop(key)
    merged = {key: value for key, value in {**saved, **parsed}.items() if value is not None}
    visible = questionnaires.visible_keys(questionnaire, merged)
    checked = questionnaires.check_answers(questionnaire, merged, require_complete=False)
    errors = [error for error in parse_errors if error.key in visible and error.key not in clashes]
    errors += [error for error in checked.errors if error.key in keys]
    # A matrix keeps its valid cells; any other wrong value must not erase the answer saved before.
    wrong = {error.key for error in errors if questionnaire.question(error.key).type != "matrix"}
    stored = checked.cleaned
    if wrong:
        for key in wrong:
            merged.pop(key, None)
            if key in saved:
                merged[key] = saved[key]
        stored = questionnaires.check_answers(questionnaire, merged, require_complete=False).cleaned
    # Typed into a question whose condition is false (a page without JavaScript shows it): not kept, and said.
    dropped = [key for key, value in parsed.items() if value not in (None, "", [], {}) and key not in visible]
    opened = [key for key in follow_up if key in keys and key in visible and stored.get(key) is None]
    if require_complete:
        wrong = {error.key for error in errors} | set(opened)
        complete = questionnaires.check_answers(questionnaire, stored, keys=keys, require_complete=True,
                                                evidence=evidence_query.keys_with_files(response))
        errors += [error for error in complete.errors if error.key not in wrong and error.key not in clashes]
    resume_at = section_key if errors or opened or clashes or go_to is None else go_to
    warnings = [warning for warning in checked.warnings if warning.key in keys]
    result = PageResult(stored, errors, warnings, opened if not errors else [], dropped, clashes)
    if clashes:
        result.conflict_change = dict((response.section_changes or {}).get(section_key) or {})
    if track_changes:  # a shared response notes who changed the section; a person's needs no digests
        result.changed = any(fingerprint(saved.get(key)) != fingerprint(stored.get(key)) for key in keys)
    return result, resume_at


_RESPONSES, _INVITATIONS = Response.__table__, Invitation.__table__
#: built once: autosave runs it every few seconds per official typing
_SAVE_ANSWERS = (
    update(_RESPONSES)
    .where(_RESPONSES.c.id == bindparam("r_id"), _RESPONSES.c.updated_at == bindparam("r_seen_at"))
    .values(answers=bindparam("r_answers"), current_section=bindparam("r_section"), updated_at=bindparam("r_at"))
)
#: the same for a shared response, which also says who changed the section
_SAVE_SHARED_ANSWERS = _SAVE_ANSWERS.values(section_changes=bindparam("r_changes"))
_MARK_IN_PROGRESS = (
    update(_INVITATIONS)
    .where(_INVITATIONS.c.id == bindparam("i_id"), _INVITATIONS.c.status != "revoked")
    .values(status=case((_INVITATIONS.c.status.in_(_NOT_STARTED), "in_progress"), else_=_INVITATIONS.c.status),
            opened_at=func.coalesce(_INVITATIONS.c.opened_at, bindparam("i_at")))
)


def _store(invitation: Invitation, response: Response, result: PageResult, resume_at: str,
           section_key: str | None) -> bool:
    """Write the page if the response is still as read; False (nothing written) if not.

    With *section_key* (a shared response) the section is noted as changed by this official, when
    the save changed one of its answers.
    """
    now = utcnow()
    answers = result.answers
    values = {"r_id": response.id, "r_seen_at": response.updated_at, "r_answers": answers, "r_section": resume_at,
              "r_at": now}
    written = [("answers", answers), ("current_section", resume_at), ("updated_at", now)]
    if section_key is None:
        moved = db.session.execute(_SAVE_ANSWERS, values)
    else:
        changes = dict(response.section_changes or {})
        if result.changed:
            changes[section_key] = {"invitation_id": invitation.id, "at": now.isoformat()}
        moved = db.session.execute(_SAVE_SHARED_ANSWERS, {**values, "r_changes": changes})
        written.append(("section_changes", changes))
    if moved.rowcount != 1:
        return False
    for name, value in written:
        set_committed_value(response, name, value)
    if invitation.status in _NOT_STARTED or invitation.opened_at is None:
        db.session.execute(_MARK_IN_PROGRESS, {"i_id": invitation.id, "i_at": now})
        db.session.refresh(invitation, ["status", "opened_at"])
    return True
