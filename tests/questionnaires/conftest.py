"""Fixtures for the questionnaire domain tests (pure Python: no app, no database)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# The factory module sits next to this file; importing it must work whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).parent))

import questionnaires


@pytest.fixture(scope='session')
def reference_document() -> dict:
    """The reference PNAT definition as a plain dict (tests copy before changing it)."""
    return json.loads(questionnaires.reference_definition_path().read_text('utf-8'))


@pytest.fixture(scope='session')
def reference(reference_document) -> questionnaires.Questionnaire:
    """The reference PNAT questionnaire, loaded."""
    return questionnaires.load(reference_document)
