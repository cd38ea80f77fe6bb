"""XLSForm (KoboToolbox / ODK spreadsheet) import and export of definition documents.

``read_xlsform(source) -> dict`` turns an .xlsx XLSForm into a definition document (pass it to
``questionnaires.load``); ``write_xlsform(document, target)`` writes a document as an .xlsx XLSForm that
reads back to the same document. Import collects every problem and raises :class:`XLSFormError`; it
never returns a partly converted document.

Mapping (see the README table for every column):

* settings: ``form_id`` = key; ``form_title`` = Spanish title (import also reads ``form_title::<lang>``);
  the English title is written to ``x_form_title::English (en)`` because pyxform (Kobo, ODK) fails on
  translated form titles; ``description::<lang>``; ``framework`` (built-in key, or JSON of an inline framework);
  ``reporting_period`` (JSON); ``x_extra`` (JSON of any other top-level key); ``version`` is written as the
  format number and ignored on import; ``default_language`` says which language plain ``label`` columns hold.
* ``begin group`` / ``end group`` at the top level are sections (``name`` = key, label = title,
  hint = description, ``axis`` column). Questions outside any group go to a default section
  ``general`` (``general_2``...) titled "General". A group inside a section is flattened (its
  ``relevant`` is and-ed into its questions' show_if); section-level ``relevant`` is pushed down the same way.
* ``select_one L`` -> single_choice, or yes_no when list L is exactly {yes, no}, or likert with
  appearance ``likert`` on an integer-named list; ``range`` (step 1) -> likert without options;
  ``select_multiple L`` -> multiple_choice; ``integer``; ``decimal`` (currency when ``x_type`` is currency);
  ``date``; ``text`` (long_text with appearance ``multiline``).
* A matrix is a group with ``x_type`` matrix (or appearance ``table-list``): ``select_one`` rows named
  ``<key>__<row>`` (single-choice cells), or row groups ``<key>__<row>`` of ``integer`` cells
  ``<key>__<row>__<column>``; ``x_value`` keeps each row/column value with its type.
* ``relevant`` and ``constraint`` are parsed by :mod:`.expr_conditions` and :mod:`.expr_constraints`
  (nothing is evaluated).
* Metadata rows (start, end, today, deviceid, username, ...) are skipped; other types are refused.

Layout: :mod:`.common` (columns, type tables, problem classes), :mod:`.cells` (sheets and cell values),
:mod:`.reader` with its passes ``import_*`` (settings, sections, questions, matrix, expressions),
:mod:`.writer`, and the expression modules ``expr_*`` (lexer, parser, literals, conditions, constraints).
"""
from __future__ import annotations

from .common import (
    CHOICES_COLUMNS,
    DEFAULT_SECTION_TITLE,
    LANGUAGE_NAMES,
    METADATA_TYPES,
    SETTINGS_COLUMNS,
    SURVEY_COLUMNS,
    X_TYPES,
    XLSFormError,
    XLSFormProblem,
)
from .expr_conditions import QuestionInfo, parse_condition, render_condition
from .expr_constraints import parse_constraint, render_constraint
from .expr_lexer import ExprError
from .reader import read_xlsform
from .writer import write_xlsform

__all__ = [
    'CHOICES_COLUMNS', 'DEFAULT_SECTION_TITLE', 'LANGUAGE_NAMES', 'METADATA_TYPES', 'SETTINGS_COLUMNS',
    'SURVEY_COLUMNS', 'X_TYPES', 'ExprError', 'QuestionInfo', 'XLSFormError', 'XLSFormProblem', 'parse_condition',
    'parse_constraint', 'read_xlsform', 'render_condition', 'render_constraint', 'write_xlsform',
]
