"""Results of a round for staff (analysts and up), and the workbook exports: request, follow, download."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from survey import charts, jobs
from survey.auth import roles_required
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Export, Round
from survey.results.forms import ExportForm
from survey.results.page import build_page
from survey.services import exports as export_service

bp = Blueprint("results", __name__, url_prefix="/results")

READERS = ("analyst", "editor")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def _export(export_id: int) -> Export:
    export = db.session.get(Export, export_id)
    if export is None:
        abort(404)
    return export


def _form(round_: Round) -> ExportForm:
    form = ExportForm()
    others = db.session.scalars(
        select(Round).where(Round.questionnaire_id == round_.questionnaire_id, Round.id != round_.id)
        .order_by(Round.opens_at.desc())
    )
    form.compare.choices = [SelectChoice(0, _("Sin comparación"))] + [SelectChoice(r.id, r.title) for r in others]
    return form


@bp.get("/rounds/<int:round_id>")
@roles_required(*READERS)
def show(round_id: int):
    """The round's response rates, axis indices, heat map and a chart per question."""
    round_ = _round(round_id)
    page = build_page(round_, current_language())
    return render_template("results/show.html", page=page, round=round_, heat_class=charts.heat_class,
                           format_number=charts.format_number)


@bp.get("/rounds/<int:round_id>/exports")
@roles_required(*READERS)
def exports(round_id: int):
    """Past exports of the round (who asked, when, state) and the form to request one."""
    round_ = _round(round_id)
    return render_template("results/exports.html", round=round_, form=_form(round_),
                           exports=export_service.for_round(round_.id))


@bp.post("/rounds/<int:round_id>/exports")
@roles_required(*READERS)
def request_export(round_id: int):
    """Queue a workbook; the worker builds it once this commit is done."""
    round_ = _round(round_id)
    form = _form(round_)
    if not form.validate_on_submit():
        return render_template("results/exports.html", round=round_, form=form,
                               exports=export_service.for_round(round_.id)), 400
    compare = db.session.get(Round, form.compare.data) if form.compare.data else None
    existing = export_service.reusable(round_, lang=form.lang.data, compare_round=compare)
    if existing is not None:
        flash(_("La ronda está cerrada y ya hay un libro con sus datos finales: puede descargarlo."), "success")
        return redirect(url_for("results.export", export_id=existing.id), 303)
    export = export_service.request(round_, current_user, lang=form.lang.data, compare_round=compare)
    jobs.enqueue(jobs.BUILD_EXPORT, export.id)
    db.session.commit()
    flash(_("El libro se está preparando; esta página muestra el avance."), "success")
    return redirect(url_for("results.export", export_id=export.id), 303)


@bp.get("/exports/<int:export_id>")
@roles_required(*READERS)
def export(export_id: int):
    """The progress of one export (refreshes by itself; with JavaScript, without reloading)."""
    item = _export(export_id)
    return render_template("results/export.html", export=item, round=item.round)


@bp.get("/exports/<int:export_id>/status")
@roles_required(*READERS)
def export_status(export_id: int):
    """The progress of one export as JSON, polled by exports.js."""
    item = _export(export_id)
    return jsonify(
        status=item.state, percent=item.percent, rows_done=item.rows_done, rows_total=item.rows_total,
        is_finished=item.is_finished, error=item.error if item.status == "failed" else "",
        download_url=url_for("results.download", export_id=item.id) if item.state == "ready" else None,
    )


@bp.get("/exports/<int:export_id>/download")
@roles_required(*READERS)
def download(export_id: int):
    """Send the workbook (audited as export.download)."""
    item = _export(export_id)
    try:
        path = export_service.download(item)
    except export_service.ExportError:
        flash(_("Este libro ya no está disponible: solicite uno nuevo."), "error")
        return redirect(url_for("results.exports", round_id=item.round_id), 303)
    db.session.commit()
    stamp = item.created_at.strftime("%Y%m%d-%H%M")
    return send_file(path, mimetype=XLSX, as_attachment=True, max_age=0,
                     download_name=f"ronda-{item.round_id}-{item.lang}-{stamp}.xlsx")
