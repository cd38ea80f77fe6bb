"""XLSForm import: :func:`read_xlsform` and the importer that runs the passes over the sheets.

Every problem is collected; a document is returned only when there is none.
"""
from __future__ import annotations

import os
import warnings
from typing import BinaryIO

import openpyxl

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
    """
    problems: list[XLSFormProblem] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')     # openpyxl warns about styles/extensions it does not read
            book = openpyxl.load_workbook(os.fspath(source) if isinstance(source, (str, os.PathLike)) else source,
                                          data_only=True)
    except OSError:
        raise
    except Exception as exc:    # zipfile.BadZipFile, InvalidFileException, KeyError... all mean "not an xlsx"
        raise XLSFormError([XLSFormProblem('workbook', None, None,
                                           f'not a readable .xlsx file ({type(exc).__name__}: {exc})')]) from None
    try:
        sheets = {name.strip().lower(): _Sheet(name.strip().lower(), book[name], problems)
                  for name in book.sheetnames}
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
