"""What the XLSForm reader and writer share: the column layout, type tables and the import problem classes.

The column tuples fix the order the writer lays columns out in; the reader finds columns by header, in any order.
"""
from __future__ import annotations

from dataclasses import dataclass

LANGUAGE_NAMES = {'es': 'Spanish (es)', 'en': 'English (en)'}
METADATA_TYPES = frozenset({'start', 'end', 'today', 'deviceid', 'subscriberid', 'simserial', 'phonenumber',
                            'username', 'email', 'audit', 'imei', 'caseid', 'start-geopoint',
                            'background-audio'})
#: x_type values allowed for each XLSForm base type.
X_TYPES = {'select_one': ('single_choice', 'yes_no', 'likert'), 'select_multiple': ('multiple_choice',),
           'integer': ('integer',), 'decimal': ('decimal', 'currency'), 'date': ('date',),
           'text': ('text', 'long_text'), 'range': ('likert',), 'begin group': ('matrix',)}
DEFAULT_SECTION_TITLE = {'es': 'General', 'en': 'General'}
SURVEY_COLUMNS = ('type', 'name', 'label::Spanish (es)', 'label::English (en)', 'hint::Spanish (es)',
                  'hint::English (en)', 'required', 'relevant', 'constraint', 'appearance', 'parameters', 'axis',
                  'score', 'x_type', 'x_value', 'x_min', 'x_max', 'x_decimals', 'x_currency', 'x_pnat_link',
                  'x_audience', 'x_evidence', 'x_show_if', 'x_extra')
CHOICES_COLUMNS = ('list_name', 'name', 'label::Spanish (es)', 'label::English (en)')
SETTINGS_COLUMNS = ('form_id', 'form_title', 'x_form_title::English (en)', 'version',
                    'default_language', 'description::Spanish (es)', 'description::English (en)', 'framework',
                    'reporting_period', 'x_extra')


@dataclass(frozen=True)
class XLSFormProblem:
    """One problem of an XLSForm: sheet, 1-based spreadsheet row and column header (None when not tied)."""

    sheet: str
    row: int | None
    column: str | None
    message: str
    #: a stable code and its values, for problems that the application explains in the user's language
    code: str = ''
    params: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        place = self.sheet
        if self.row is not None:
            place += f'!row {self.row}'
        if self.column is not None:
            place += f'{", " if self.row is not None else "!"}column {self.column}'
        return f'{place}: {self.message}'


class XLSFormError(ValueError):
    """An XLSForm that cannot be imported; ``problems`` lists every problem found, one line each in str()."""

    def __init__(self, problems: list[XLSFormProblem]) -> None:
        self.problems = list(problems)
        super().__init__('\n'.join(str(problem) for problem in self.problems))
