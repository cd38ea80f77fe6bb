"""Questionnaire domain: definitions, answer checks, show-if logic, scoring and version diffs.

Plain Python (stdlib + PyYAML): nothing here imports Flask, SQLAlchemy or Celery, so the web app,
the workers and the command line share one set of rules. The format is in docs/definition-format.md.
"""
from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from .answer_values import AnswerError
from .answers import AnswerCheck, check_answers, visible_keys
from .bilingual import Text
from .conditions import Condition
from .diff import VersionDiff, diff
from .documents import dump_document, read_document
from .forms import parse_form
from .frameworks import BUILTIN_FRAMEWORKS, Axis, Framework
from .loader import load
from .problems import DefinitionError, Problem
from .schema import (
    AUDIENCES,
    EVIDENCE_MODES,
    QUESTION_TYPES,
    Option,
    Question,
    Questionnaire,
    Score,
    Section,
)
from .scoring import QuestionScore, overall, score, score_details, scored_axes
from .translation_gaps import TranslationGap, translation_gaps

__all__ = [
    'AUDIENCES',
    'BUILTIN_FRAMEWORKS',
    'EVIDENCE_MODES',
    'QUESTION_TYPES',
    'AnswerCheck',
    'AnswerError',
    'Axis',
    'Condition',
    'DefinitionError',
    'Framework',
    'Option',
    'Problem',
    'Question',
    'QuestionScore',
    'Questionnaire',
    'Score',
    'Section',
    'Text',
    'TranslationGap',
    'VersionDiff',
    'check_answers',
    'diff',
    'dump_document',
    'load',
    'overall',
    'parse_form',
    'read_document',
    'reference_definition_path',
    'score',
    'score_details',
    'scored_axes',
    'translation_gaps',
    'visible_keys',
]


def reference_definition_path() -> Traversable:
    """Return the reference PNAT questionnaire file (definitions/pnat-officials.json).

    Found through importlib.resources so it also works from an installed wheel; for a normal
    install it is a ``pathlib.Path`` (it always has ``read_text``/``read_bytes``/``open``).
    """
    return files(__name__) / 'definitions' / 'pnat-officials.json'
