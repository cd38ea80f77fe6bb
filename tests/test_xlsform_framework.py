"""A KoboToolbox-style XLSForm names no framework: the built-in one that holds its axes is taken.

KoboToolbox and ODK users never write a ``framework`` column; the groups carry PNAT axis keys.
"""
from __future__ import annotations

import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from questionnaires import load
from questionnaires.xlsform import XLSFormError, read_xlsform, write_xlsform
from survey.extensions import db
from survey.models import QuestionnaireVersion
from tests.factories import login_as, make_user
from tests.questionnaires.test_xlsform import KOBO_CHOICES, KOBO_SURVEY, make_form

KOBO_SETTINGS = [['form_id', 'form_title', 'version', 'default_language'],
                 ['kobo-sin-marco', 'Formulario Kobo', '2026120201', 'Spanish (es)']]


def kobo_form(tmp_path, survey=KOBO_SURVEY):
    return make_form(tmp_path, survey, KOBO_CHOICES, settings_rows=KOBO_SETTINGS)


def with_axis(survey: list, axis: str) -> list:
    """*survey* with the first group's axis replaced."""
    header, rows = survey[0], [list(row) for row in survey[1:]]
    column = header.index('axis')
    first_group = next(row for row in rows if row[0] == 'begin group')
    first_group[column] = axis
    return [header, *rows]


def test_a_form_without_framework_takes_the_pnat_framework_its_axes_belong_to(tmp_path):
    document = read_xlsform(kobo_form(tmp_path))
    assert document['framework'] == 'pnat-2017-2021'
    questionnaire = load(document)
    axes = {section.axis for section in questionnaire.sections if section.axis}
    assert axes and axes <= set(questionnaire.framework.axis_keys)
    write_xlsform(document, tmp_path / 'again.xlsx')
    again = read_xlsform(tmp_path / 'again.xlsx')
    assert json.dumps(again, sort_keys=True) == json.dumps(document, sort_keys=True)


def test_axes_that_no_built_in_framework_has_are_refused_naming_the_sheet_column_and_values(tmp_path):
    with pytest.raises(XLSFormError) as caught:
        read_xlsform(kobo_form(tmp_path, with_axis(KOBO_SURVEY, 'economia')))
    [problem] = [p for p in caught.value.problems if p.column == 'framework']
    assert (problem.sheet, problem.row, problem.code) == ('settings', 2, 'framework_unknown_axes')
    assert 'economia' in problem.message and 'pnat-2017-2021' in problem.message


def test_the_builder_imports_and_publishes_a_kobo_form_and_explains_a_misfit_in_spanish(client, db_session, tmp_path):
    login_as(client, make_user("editor"))
    db_session.commit()
    good = kobo_form(tmp_path).read_bytes()
    response = client.post("/builder/import", data={"file": (io.BytesIO(good), "kobo.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.text[:2000]
    draft = db.session.scalar(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id.desc()))
    assert client.post("/builder/kobo-sin-marco/publish", data={"base": draft.fingerprint}).status_code == 302
    version = db.session.get(QuestionnaireVersion, draft.id)
    assert version.published_at is not None and version.document["framework"] == "pnat-2017-2021"
    # The exported form, re-imported, is the same document.
    exported = client.get(f"/builder/kobo-sin-marco/v{version.number}/export.xlsx")
    assert load(read_xlsform(io.BytesIO(exported.data))).fingerprint == version.fingerprint
    assert openpyxl.load_workbook(io.BytesIO(exported.data))["settings"]["A1"].value is not None

    before = db.session.scalar(select(func.count()).select_from(QuestionnaireVersion))
    bad = make_form(tmp_path, with_axis(KOBO_SURVEY, 'economia'), KOBO_CHOICES, settings_rows=KOBO_SETTINGS,
                    name='malo.xlsx').read_bytes()
    response = client.post("/builder/import", data={"file": (io.BytesIO(bad), "malo.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Ningún marco incorporado tiene los ejes economia" in response.text
    assert "columna framework" in response.text and "hoja settings" in response.text
    assert "framework is required" not in response.text and "no built-in framework" not in response.text
    assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)) == before
