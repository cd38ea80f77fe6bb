"""XLSForm import: :func:`read_xlsform` and the importer that runs the passes over the sheets.

Every problem is collected; a document is returned only when there is none.
"""
from __future__ import annotations

import os
from typing import BinaryIO

from ..safe_input import InputLimitError, read_file, read_limited
from ..safe_xlsx import TextBudget, open_workbook
from .cells import _Sheet
from .common import XLSFormError, XLSFormProblem
from .import_expressions import _ExpressionReader
from .import_matrix import _MatrixReader
from .import_questions import _QuestionReader
from .import_sections import _SectionReader
from .import_settings import _SettingsReader


def read_xlsform(source: str | os.PathLike | BinaryIO) -> dict:
    """Read an XLSForm workbook and return the definition document it describes.

    :raise XLSFormError: listing every problem (sheet, row, column, message); no document is returned then.
    :raise InputLimitError: for a workbook past a limit of :mod:`questionnaires.safe_input` (checked before
        and while it is read).
    """
    problems: list[XLSFormProblem] = []
    data = read_file(source) if isinstance(source, (str, os.PathLike)) else read_limited(source)
    try:
        book = open_workbook(data)
    except InputLimitError:
        raise
    except Exception as exc:  # noqa: BLE001 - BadZipFile, InvalidFileException, KeyError... all mean "not an xlsx"
        raise XLSFormError([XLSFormProblem('workbook', None, None,
                                           f'not a readable .xlsx file ({type(exc).__name__}: {exc})')]) from None
    budget = TextBudget()
    try:
        sheets = {name.strip().lower(): _Sheet(name.strip().lower(), book[name], problems, budget)
                  for name in book.sheetnames}
    except InputLimitError:
        raise
    except Exception as exc:  # noqa: BLE001 - read-only openpyxl parses each sheet only now, with its rows
        raise XLSFormError([XLSFormProblem('workbook', None, None,
                                           f'not a readable .xlsx file ({type(exc).__name__}: {exc})')]) from None
    finally:
        book.close()
    document = _Importer(sheets, problems).run()
    if problems:
        raise XLSFormError(problems)
    return document


class _Importer(_SettingsReader, _SectionReader, _QuestionReader, _MatrixReader, _ExpressionReader):
    """Settings and choices first, then the survey tree, then the expressions (they need every question)."""

    def run(self) -> dict:
        document = self.read_settings()
        self.read_choices()
        survey = self.sheets.get('survey')
        if survey is None:
            self.problem('survey', None, None, 'the workbook has no "survey" sheet')
            return document
        self.survey = survey
        if ('type', None) not in survey.columns:
            self.problem('survey', survey.header_row, None, 'the survey sheet has no "type" column')
            return document
        root = self.build_tree(survey)
        document['sections'] = self.read_sections(root)
        self.infer_framework(document)
        self.parse_expressions()
        return document
