"""Importing definition files (JSON, YAML, XLSForm) and exporting versions in the same formats."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

import questionnaires
from questionnaires.safe_input import InputLimitError, read_limited
from questionnaires.xlsform import XLSFormError
from survey.auth import roles_required
from survey.builder.blueprint import EDIT, READ, bp, current_staff, questionnaire_or_404, version_or_404
from survey.builder.problems import XLSFORM_MESSAGES, Shown, explain
from survey.extensions import db
from survey.services import audit, definitions, input_limits
from survey.services import questionnaires as qs

EXPORTS = {
    "json": ("json", "application/json"),
    "yaml": ("yaml", "application/yaml"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _xlsform_problem(problem) -> Shown:
    parts = [_("hoja %(sheet)s", sheet=problem.sheet)]
    if problem.row is not None:
        parts.append(_("fila %(row)s", row=problem.row))
    if problem.column is not None:
        parts.append(_("columna %(column)s", column=problem.column))
    explained = XLSFORM_MESSAGES.get(problem.code)
    if explained is not None:
        return Shown(str(explained) % dict(problem.params), "", ", ".join(parts))
    return Shown(problem.message, "", ", ".join(parts))


def _read_upload() -> tuple[dict | None, list[Shown], str, str]:
    """(document, problems, file name, format) of the uploaded file; the document is None on problems."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, [Shown(_("Elija un archivo .json, .yaml o .xlsx."), "")], "", ""
    name = upload.filename
    try:
        fmt = definitions.format_of(name)
    except ValueError:
        return None, [Shown(_("Tipo de archivo no admitido: use .json, .yaml, .yml o .xlsx."), "", name)], name, ""
    try:
        # A definition is a few hundred kilobytes; the file, its nesting and its values are bounded
        # before and while it is parsed (questionnaires.safe_input).
        return definitions.read_definition(read_limited(upload.stream), fmt), [], name, fmt
    except InputLimitError as exc:
        return None, [Shown(input_limits.describe(exc), "", name)], name, fmt
    except XLSFormError as exc:
        return None, [_xlsform_problem(problem) for problem in exc.problems], name, fmt
    except questionnaires.DefinitionError as exc:
        return None, [explain(problem) for problem in exc.problems], name, fmt


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*EDIT)
def import_file():
    """Upload a definition: a new questionnaire, or the new draft of an existing one. All or nothing."""
    if request.method == "GET":
        return render_template("builder/import.html", problems=[], filename="")
    document, problems, name, fmt = _read_upload()
    if document is not None:
        try:
            version = qs.import_document(document, user=current_staff())
        except questionnaires.DefinitionError as exc:
            # import_document validates before it writes anything, so there is nothing to undo.
            problems = [explain(problem) for problem in exc.problems]
        else:
            audit.record("questionnaire.import", version.questionnaire, version=version.number, file=name,
                         format=fmt)
            db.session.commit()
            flash(_("Archivo importado como borrador de la versión %(n)s.", n=version.number), "success")
            return redirect(url_for("builder.overview", key=version.questionnaire.key))
    return render_template("builder/import.html", problems=problems, filename=name), 422


@bp.get("/<key>/v<int:number>/export.<fmt>")
@roles_required(*READ)
def export(key: str, number: int, fmt: str):
    """Download a version as JSON, YAML or an XLSForm workbook."""
    if fmt not in EXPORTS:
        abort(404)
    questionnaire = questionnaire_or_404(key)
    version = version_or_404(questionnaire, number)
    extension, mimetype = EXPORTS[fmt]
    data = definitions.write_definition(version.document, fmt)
    audit.record("questionnaire.export", questionnaire, version=version.number, format=fmt)
    db.session.commit()
    filename = f"{questionnaire.key}-v{version.number}.{extension}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
