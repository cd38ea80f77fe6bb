"""What the answering pages add when officials of one organisation share a response: who last changed a
section, who it is assigned to, who submits, and the notice of a colleague's change on the same question."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from questionnaires import Questionnaire, Section
from survey.filters import lima_datetime
from survey.models import Invitation, Response
from survey.respond import pages
from survey.services import institutional, shared_responses


@dataclass
class SharedPage:
    """The shared-response parts of a section page (all empty for an official answering alone)."""

    is_shared: bool = False
    #: JSON of the fingerprints of the page's answers as shown (the form's ``_seen`` field)
    seen: str = ""
    #: the colleague the section is assigned to, when it is not this official
    holder: Invitation | None = None
    #: "Última modificación: Ana Quispe, 02/12/2026 15:40"
    last_change: str = ""


def last_change_line(response: Response | None, section_key: str, names: dict[int, str] | None = None) -> str:
    """Who last changed a section of a shared response and when, in words ("" if nobody yet)."""
    change = (response.section_changes or {}).get(section_key) if response is not None else None
    if not change:
        return ""
    names = names if names is not None else institutional.names_of([change.get("invitation_id")])
    who = names.get(change.get("invitation_id")) or _("una persona que ya no participa")
    return _("Última modificación: %(name)s, %(time)s", name=who,
             time=lima_datetime(datetime.fromisoformat(change["at"])))


def section_page(invitation: Invitation, response: Response | None, section: Section) -> SharedPage:
    """The shared-response parts of *section*'s page for *invitation*."""
    if not shared_responses.is_shared(invitation):
        return SharedPage()
    answers = response.answers if response is not None else {}
    keys = [question.key for question in section.questions]
    holder = shared_responses.section_holder(invitation, section.key)
    return SharedPage(
        is_shared=True,
        seen=json.dumps(shared_responses.answer_fingerprints(answers or {}, keys)),
        holder=holder if holder is not None and holder.id != invitation.id else None,
        last_change=last_change_line(response, section.key),
    )


def review_lines(invitation: Invitation, response: Response | None, questionnaire: Questionnaire) -> dict[str, str]:
    """Section key -> its "last changed" line, for the review page of a shared response."""
    if not shared_responses.is_shared(invitation) or response is None:
        return {}
    changes = response.section_changes or {}
    names = institutional.names_of(change.get("invitation_id") for change in changes.values())
    return {section.key: last_change_line(response, section.key, names) for section in questionnaire.sections}


def conflict_notices(questionnaire: Questionnaire, result, typed: dict[str, Any], response: Response,
                     lang: str) -> list[str]:
    """One notice per question of *result* (a page save) not overwritten because a colleague changed it
    meanwhile: both values, who and when."""
    keys = result.conflicts
    if not keys:
        return []
    change = result.conflict_change or {}
    names = institutional.names_of([change.get("invitation_id")])
    who = names.get(change.get("invitation_id")) or _("otra persona de su organización")
    when = lima_datetime(datetime.fromisoformat(change["at"])) if change.get("at") else ""
    numbers = pages.question_numbers(questionnaire, response.answers or {})
    notices = []
    for key in keys:
        question = questionnaire.question(key)
        theirs = "; ".join(pages.answer_lines(question, (response.answers or {}).get(key), lang)) or _("sin respuesta")
        mine = _typed_words(question, typed.get(key), lang)
        notices.append(_(
            "Pregunta %(number)s («%(question)s»): %(name)s la cambió mientras usted editaba (%(time)s). "
            "Valor guardado por %(name)s: «%(theirs)s». Su valor: «%(mine)s». No reemplazamos el valor "
            "guardado; su valor sigue en el campo: si guarda de nuevo, se guardará el suyo.",
            number=numbers.get(key) or questionnaire.position(key) + 1, question=question.text.get(lang),
            name=who, time=when, theirs=theirs, mine=mine))
    return notices


def _typed_words(question, value: Any, lang: str) -> str:
    """What the official typed, in words where the value is an option (else as typed)."""
    if value in (None, "", [], {}):
        return _("sin respuesta")
    if isinstance(value, list):
        if question.type == "multiple_choice":
            return "; ".join(pages.answer_lines(question, value, lang))
        return str(value)
    if question.type in ("yes_no", "single_choice", "likert") and isinstance(value, str):
        parsed = {"true": True, "false": False}.get(value, value) if question.type == "yes_no" else value
        try:
            return "; ".join(pages.answer_lines(question, int(parsed) if question.type == "likert" else parsed, lang))
        except (TypeError, ValueError):
            return value
    return str(value)


def focal_point_of(invitation: Invitation) -> Invitation | None:
    """Who submits for the invitation's organisation (None when the invitation answers alone)."""
    return institutional.current_focal_point(invitation)
