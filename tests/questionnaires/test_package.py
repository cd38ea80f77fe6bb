"""The package's public face: its API names, the bundled reference file, and no web dependencies."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import questionnaires

PUBLIC = ['load', 'read_document', 'dump_document', 'DefinitionError', 'Problem', 'Questionnaire', 'Section',
          'Question', 'Option', 'Text', 'Framework', 'Axis', 'BUILTIN_FRAMEWORKS', 'QUESTION_TYPES', 'check_answers',
          'parse_form', 'visible_keys', 'AnswerCheck', 'AnswerError', 'score', 'score_details', 'overall', 'diff',
          'VersionDiff', 'reference_definition_path']


def test_the_public_api_is_exported():
    missing = [name for name in PUBLIC if not hasattr(questionnaires, name)]
    assert missing == []
    assert set(PUBLIC) <= set(questionnaires.__all__)


def test_the_question_types_and_builtin_framework():
    assert questionnaires.QUESTION_TYPES == ('single_choice', 'multiple_choice', 'yes_no', 'integer', 'decimal',
                                             'currency', 'date', 'text', 'long_text', 'likert', 'matrix')
    pnat = questionnaires.BUILTIN_FRAMEWORKS['pnat-2017-2021']
    assert pnat.axis_keys == ('governance', 'prevention', 'prosecution', 'protection')
    assert pnat.axis('prevention').name.get('en') == 'Prevention and awareness'
    assert pnat.axis('prosecution').name.get('es') == 'Fiscalización y persecución del delito'


def test_text_falls_back_to_spanish():
    label = questionnaires.Text('Sí')
    assert (label.get('en'), label.get('qu'), str(label)) == ('Sí', 'Sí', 'Sí')
    assert questionnaires.Text('Sí', 'Yes').get('en') == 'Yes'


def test_the_reference_definition_is_bundled():
    path = questionnaires.reference_definition_path()
    assert Path(str(path)).name == 'pnat-officials.json'
    assert '"pnat-officials"' in path.read_text('utf-8')


def test_importing_the_package_pulls_in_no_web_or_queue_library():
    code = ('import sys, questionnaires; '
            'print(sorted({m.split(".")[0] for m in sys.modules} & {"flask", "sqlalchemy", "celery", "werkzeug"}))')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                            cwd=Path(questionnaires.__file__).parent.parent)
    assert result.stdout.strip() == '[]'
