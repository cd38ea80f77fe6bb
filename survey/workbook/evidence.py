"""Supporting documents in the workbook: a column after each answer that asks for them, and the Evidencias sheet.

Both appear only in the workbook of a round whose questionnaire asks for documents: any other round keeps
exactly the sheets and columns it had. File names were chosen by officials, so they go through
:class:`survey.workbook.cells.Sheet`, which writes formula-looking text as plain strings.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement

from survey.evidence.listing import files_of_round, human_size
from survey.services import evidence_query
from survey.workbook.cells import Sheet
from survey.workbook.i18n import text
from survey.workbook.questions import RoundQuestions


def evidence_keys(questions: RoundQuestions) -> frozenset[str]:
    """The keys of the questions that ask for (or require) supporting documents."""
    return frozenset(entry.key for entry in questions if getattr(entry.question, "evidence", None))


def cells(response_ids: Iterable[int], verified: Iterable[tuple[int, str]], lang: str) -> dict[tuple[int, str], str]:
    """(response id, question key) -> "informe.pdf (1.2 MB, verificada); acta.jpg (300 KB, verificada)" for
    every answer with live files; *verified* holds the answers staff verified."""
    decided = set(verified)
    yes, no = text("evidence.verified", lang), text("evidence.unverified", lang)
    found = {}
    for response_id, by_key in evidence_query.for_responses(response_ids).items():
        for key, items in by_key.items():
            state = yes if (response_id, key) in decided else no
            found[(response_id, key)] = "; ".join(f"{item.original_name} ({human_size(item.size_bytes)}, {state})"
                                                  for item in items)
    return found


def write_evidence(sheet: Sheet, round_id: int, lang: str, where: ColumnElement[bool] | None = None) -> int:
    """One row per live file of the round's submitted responses (of the invitations *where* keeps); return
    the number of files written."""
    headers = [text(key, lang) for key in ("organisation", "region", "key", "evidence.name", "evidence.size",
                                           "evidence.type", "evidence.sha256", "evidence.uploaded_at",
                                           "evidence.state")]
    yes, no = text("evidence.verified", lang), text("evidence.unverified", lang)
    rows = [[item.organisation, item.region, item.question_key, item.name, item.size_bytes, item.content_type,
             item.sha256, item.uploaded_at, yes if item.is_verified else no]
            for item in files_of_round(round_id, lang, where, is_submitted_only=True)]
    sheet.ws.freeze_panes = "A2"
    sheet.table(headers, rows)
    return len(rows)
