"""The questionnaire life cycle from the shell: import, publish, draft, diff, export, re-import."""
from __future__ import annotations

import copy
import json

import pytest
from openpyxl import load_workbook

import questionnaires
from survey.models import AuditEvent, QuestionnaireVersion
from survey.services import questionnaires as qs
from tests.factories import reference_document


def write_json(path, document):
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def changed_document():
    """The reference questionnaire with one question reworded, one removed and one added."""
    document = reference_document()
    profile = document["sections"][0]
    profile["questions"][-1]["text"]["es"] = "¿Cuántos meses lleva en su cargo?"
    governance = document["sections"][1]
    removed = governance["questions"].pop()
    governance["questions"].append(
        {"key": "has_website", "type": "yes_no", "text": {"es": "¿Publica información en su portal?",
                                                            "en": "Do you publish information online?"}}
    )
    return document, removed["key"]


def invoke(runner, *args):
    result = runner.invoke(args=list(args))
    return result


def test_reference_questionnaire_full_life_cycle(runner, db_session, tmp_path):
    first = write_json(tmp_path / "pnat.json", reference_document())
    result = invoke(runner, "questionnaire", "import", str(first))
    assert result.exit_code == 0, result.output
    assert "pnat-officials version 1 (draft)" in result.output

    result = invoke(runner, "questionnaire", "publish", "pnat-officials")
    assert result.exit_code == 0, result.output
    questionnaire = qs.get("pnat-officials")
    assert questionnaire.versions[0].is_published

    document, removed_key = changed_document()
    result = invoke(runner, "questionnaire", "import", str(write_json(tmp_path / "v2.json", document)))
    assert result.exit_code == 0, result.output
    assert "version 2 (draft)" in result.output

    result = invoke(runner, "questionnaire", "diff", "pnat-officials", "1", "2")
    assert result.exit_code == 0, result.output
    assert "has_website" in result.output
    assert removed_key in result.output
    assert "months_in_role" in result.output

    assert invoke(runner, "questionnaire", "publish", "pnat-officials").exit_code == 0
    listing = invoke(runner, "questionnaire", "list").output
    assert "pnat-officials\tv1, v2" in listing

    xlsx = tmp_path / "v2.xlsx"
    result = invoke(runner, "questionnaire", "export", "pnat-officials", "--version", "2",
                    "--format", "xlsform", "-o", str(xlsx))
    assert result.exit_code == 0, result.output
    assert {"survey", "choices", "settings"} <= set(load_workbook(xlsx).sheetnames)

    # Re-importing the exported form gives a draft identical to what was published.
    result = invoke(runner, "questionnaire", "import", str(xlsx))
    assert result.exit_code == 0, result.output
    questionnaire = qs.get("pnat-officials")
    draft = questionnaire.draft
    assert draft.number == 3
    assert draft.document == qs.get_version(questionnaire, 2).document
    assert qs.diff_versions(questionnaire, 2, 3).is_empty

    actions = {e.action for e in db_session.query(AuditEvent)}
    assert {"questionnaire.import", "questionnaire.publish", "questionnaire.export"} <= actions


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_export_and_import_round_trip_in_text_formats(runner, db_session, tmp_path, fmt):
    assert invoke(runner, "questionnaire", "import", "--publish",
                  str(write_json(tmp_path / "pnat.json", reference_document()))).exit_code == 0
    out = tmp_path / f"out.{fmt}"
    assert invoke(runner, "questionnaire", "export", "pnat-officials", "--format", fmt, "-o", str(out)).exit_code == 0
    again = questionnaires.load(questionnaires.read_document(out.read_bytes(), fmt))
    assert again.to_document() == qs.get_version(qs.get("pnat-officials"), 1).document


def test_a_broken_definition_is_refused_with_every_error_and_nothing_saved(runner, db_session, tmp_path):
    document = reference_document()
    questions = document["sections"][1]["questions"]
    questions[1]["key"] = questions[0]["key"]  # duplicate key
    questions[2]["show_if"] = {"question": "nowhere", "equals": True}  # unknown reference
    document["sections"][2]["axis"] = "budget"  # unknown axis
    result = invoke(runner, "questionnaire", "import", str(write_json(tmp_path / "bad.json", document)))
    assert result.exit_code != 0
    assert "nothing was imported" in result.output
    assert questions[0]["key"] in result.output
    assert "nowhere" in result.output
    assert "budget" in result.output
    assert db_session.query(QuestionnaireVersion).count() == 0


def test_bad_files_and_arguments_get_clear_messages(runner, db_session, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    result = invoke(runner, "questionnaire", "import", str(notes))
    assert result.exit_code != 0 and "unsupported file type .txt" in result.output

    broken = tmp_path / "broken.json"
    broken.write_text('{"key": "x", ')
    result = invoke(runner, "questionnaire", "import", str(broken))
    assert result.exit_code != 0 and "broken.json" in result.output

    not_xlsx = tmp_path / "fake.xlsx"
    not_xlsx.write_bytes(b"not a zip")
    result = invoke(runner, "questionnaire", "import", str(not_xlsx))
    assert result.exit_code != 0 and "fake.xlsx" in result.output

    result = invoke(runner, "questionnaire", "publish", "missing-key")
    assert result.exit_code != 0 and "no questionnaire with key 'missing-key'" in result.output

    assert invoke(runner, "questionnaire", "import", "--publish",
                  str(write_json(tmp_path / "pnat.json", reference_document()))).exit_code == 0
    result = invoke(runner, "questionnaire", "publish", "pnat-officials")
    assert result.exit_code != 0 and "no draft" in result.output
    result = invoke(runner, "questionnaire", "export", "pnat-officials", "--version", "9", "-o",
                    str(tmp_path / "x.json"))
    assert result.exit_code != 0 and not (tmp_path / "x.json").exists()


def test_a_published_version_is_never_edited_by_the_service(db_session):
    version = qs.import_document(reference_document())
    qs.publish(version.questionnaire)
    with pytest.raises(qs.VersionError):
        qs.save_draft(version, copy.deepcopy(version.document))
    draft = qs.start_draft(version.questionnaire)
    assert draft.number == 2 and draft.document == version.document and not draft.is_published


def test_show_lists_sections_axes_and_conditions(runner, db_session, tmp_path):
    invoke(runner, "questionnaire", "import", "--publish", str(write_json(tmp_path / "p.json", reference_document())))
    result = invoke(runner, "questionnaire", "show", "pnat-officials")
    assert result.exit_code == 0, result.output
    assert "[governance]" in result.output and "(axis: governance)" in result.output
    assert "institution_other <text>" in result.output


def test_publishing_from_the_shell_refuses_a_draft_with_an_example_question(runner, db_session):
    from survey.builder import editing
    from tests.factories import builder_document

    document = builder_document()
    document["sections"][1]["questions"].append(editing.placeholder_question("pregunta_2"))
    qs.import_document(document)
    result = invoke(runner, "questionnaire", "publish", "demo")
    assert result.exit_code == 1 and "example questions: pregunta_2" in result.output
    assert db_session.query(QuestionnaireVersion).filter(QuestionnaireVersion.published_at.isnot(None)).count() == 0
