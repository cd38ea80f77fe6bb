"""Results of a round, and its exports (the workbook, the annex, the fact sheets): request, follow, download.

National staff see everything; a regional coordinator sees the results and workbooks of their regions
only (computed from those regions' responses); an observer sees the aggregated results of the rounds
shared with it, without anything personal, and no workbook (it holds one row per person).
Ids outside the user's scope answer the 404 of an unknown id (``survey.scopes``).
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from survey import charts, jobs, scopes
from survey.auth import roles_required
from survey.extensions import db
from survey.filters import to_lima
from survey.i18n import current_language
from survey.models import Export, Invitation, Region, Round
from survey.results.forms import DocumentForm, EvidenceForm, ExportForm
from survey.results.page import MIN_GROUP, build_page
from survey.services import exports as export_service
from survey.workbook.evidence import evidence_keys
from survey.workbook.questions import for_round

bp = Blueprint("results", __name__, url_prefix="/results")

#: who may read a round's results page (each within their scope)
READERS = ("analyst", "editor", "coordinator", "observer")
#: who may request and download workbooks (a coordinator's cover their regions only)
EXPORTERS = ("analyst", "editor", "coordinator")
#: what the exports page lists: workbooks and the writers' documents
LISTED = ("workbook", "evidence", *export_service.DOCUMENTS)


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return scopes.check_round(round_)


def _export(export_id: int) -> Export:
    """The export if the user's scope covers every region it holds; else the 404 of an unknown one."""
    export = db.session.get(Export, export_id)
    if export is None or not export_service.covers(scopes.current_scope().region_ids, export):
        abort(404)
    scopes.check_round(export.round)
    return export


def _exports_of(round_: Round) -> list[Export]:
    return export_service.for_round(round_.id, scopes.current_scope().region_ids, kinds=LISTED)


def _coverage(export: Export) -> str:
    """What an export covers, as its list shows it: every region, or the names of its regions (a fact sheet
    of one region: that region's)."""
    if export.sheet_region_id is not None:
        region = db.session.get(Region, export.sheet_region_id)
        return region.name(current_language()) if region is not None else ""
    if export.region_ids is None:
        return _("Todas las regiones")
    lang = current_language()
    regions = db.session.scalars(select(Region).where(Region.id.in_(export.region_ids)).order_by(Region.ubigeo))
    return ", ".join(region.name(lang) for region in regions)


def _other_rounds(round_: Round) -> list[SelectChoice]:
    others = db.session.scalars(
        select(Round).where(Round.questionnaire_id == round_.questionnaire_id, Round.id != round_.id,
                            scopes.rounds_in_scope())
        .order_by(Round.opens_at.desc())
    )
    return [SelectChoice(r.id, r.title) for r in others]


def _form(round_: Round) -> ExportForm:
    form = ExportForm()
    form.compare.choices = [SelectChoice(0, _("Sin comparación")), *_other_rounds(round_)]
    return form


def _document_form(round_: Round) -> DocumentForm:
    """The documents form; its regions are those of the round's invitations the user sees."""
    form = DocumentForm(prefix="document")
    form.compare.choices = [SelectChoice(0, _("La ronda anterior, si la hay")), *_other_rounds(round_)]
    lang = current_language()
    regions = db.session.scalars(
        select(Region).where(Region.id.in_(select(Invitation.region_id).where(
            Invitation.round_id == round_.id, scopes.invitations_in_scope()))).order_by(Region.ubigeo))
    form.region.choices = [SelectChoice(0, _("Todas las regiones")), *(SelectChoice(r.id, r.name(lang))
                                                                       for r in regions)]
    return form


def _exports_page(round_: Round, form: ExportForm | None = None, document_form: DocumentForm | None = None):
    return render_template("results/exports.html", round=round_, form=form or _form(round_),
                           document_form=document_form or _document_form(round_), exports=_exports_of(round_),
                           evidence_form=EvidenceForm(), asks_evidence=bool(evidence_keys(for_round(round_))),
                           scope_names=_scope_names(), coverage=_coverage)


@bp.get("/")
@roles_required(*READERS)
def index():
    """The rounds whose results the user may read (an observer's start page: the rounds shared with it)."""
    rounds = db.session.scalars(
        select(Round).where(Round.status != "draft", scopes.rounds_in_scope()).order_by(Round.opens_at.desc())
    ).all()
    return render_template("results/index.html", rounds=rounds)


@bp.get("/rounds/<int:round_id>")
@roles_required(*READERS)
def show(round_id: int):
    """The round's response rates, axis indices, heat map and a chart per question, within the user's scope."""
    round_ = _round(round_id)
    page = build_page(round_, current_language(), scopes.current_scope(),
                      is_verified_only=request.args.get("verified") == "1")
    return render_template("results/show.html", page=page, round=round_, heat_class=charts.heat_class,
                           format_number=charts.format_number, may_export=current_user.has_role(*EXPORTERS),
                           min_group=MIN_GROUP)


@bp.get("/rounds/<int:round_id>/exports")
@roles_required(*EXPORTERS)
def exports(round_id: int):
    """Past exports of the round the user may see (who asked, when, state) and the form to request one."""
    return _exports_page(_round(round_id))


def _scope_names() -> list[str]:
    """The names of a coordinator's regions (empty for national staff)."""
    scope = scopes.current_scope()
    if scope.is_national:
        return []
    lang = current_language()
    return [region.name(lang) for region in current_user.regions if region.id in scope.region_ids]


@bp.post("/rounds/<int:round_id>/exports")
@roles_required(*EXPORTERS)
def request_export(round_id: int):
    """Queue a workbook (of the coordinator's regions only, for a coordinator); the worker builds it once
    this commit is done."""
    round_ = _round(round_id)
    form = _form(round_)
    if not form.validate_on_submit():
        return _exports_page(round_, form=form), 400
    compare = db.session.get(Round, form.compare.data) if form.compare.data else None
    region_ids = scopes.current_scope().region_ids
    options = {"lang": form.lang.data, "compare_round": compare, "region_ids": region_ids,
               "is_verified_only": form.verified_only.data}
    existing = export_service.reusable(round_, **options)
    if existing is not None:
        flash(_("La ronda está cerrada y ya hay un libro con sus datos finales: puede descargarlo."), "success")
        return redirect(url_for("results.export", export_id=existing.id), 303)
    export = export_service.request(round_, current_user, **options)
    jobs.enqueue(jobs.BUILD_EXPORT, export.id)
    db.session.commit()
    flash(_("El libro se está preparando; esta página muestra el avance."), "success")
    return redirect(url_for("results.export", export_id=export.id), 303)


@bp.post("/rounds/<int:round_id>/documents")
@roles_required(*EXPORTERS)
def request_document(round_id: int):
    """Queue the annex (Word or PDF) or the fact sheets, of the coordinator's regions only for a coordinator
    (their fact sheets compare each region with those regions combined); the worker builds it after the commit."""
    round_ = _round(round_id)
    form = _document_form(round_)
    if not form.validate_on_submit():
        return _exports_page(round_, document_form=form), 400
    compare = db.session.get(Round, form.compare.data) if form.compare.data else None
    region_ids = scopes.current_scope().region_ids
    options = {"lang": form.lang.data, "compare_round": compare, "region_ids": region_ids, "kind": form.kind.data,
               "sheet_region_id": (form.region.data or None) if form.kind.data == "factsheets" else None}
    try:
        existing = export_service.reusable(round_, **options)
        export = None if existing is not None else export_service.request(round_, current_user, **options)
    except export_service.ExportError:
        # The form's choices already keep to the user's scope; this is the service's own refusal (a coordinator
        # with no region assigned), which is the user's situation to fix, not a server error.
        form.form_errors.append(_("No se puede preparar este documento con las regiones de su cuenta: elija una "
                                  "región de la lista o pida a un administrador que le asigne sus regiones."))
        return _exports_page(round_, document_form=form), 400
    if existing is not None:
        flash(_("La ronda está cerrada y ya hay un documento con sus datos finales: puede descargarlo."), "success")
        return redirect(url_for("results.export", export_id=existing.id), 303)
    jobs.enqueue(jobs.BUILD_EXPORT, export.id)
    db.session.commit()
    flash(_("El documento se está preparando; esta página muestra el avance."), "success")
    return redirect(url_for("results.export", export_id=export.id), 303)


@bp.post("/rounds/<int:round_id>/evidence")
@roles_required(*EXPORTERS)
def request_evidence(round_id: int):
    """Queue the ZIP of the round's supporting documents (of the coordinator's regions only, for a coordinator);
    the worker builds it after the commit."""
    round_ = _round(round_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _exports_page(round_), 400
    options = {"lang": current_language(), "region_ids": scopes.current_scope().region_ids, "kind": "evidence"}
    existing = export_service.reusable(round_, **options)
    if existing is not None:
        flash(_("La ronda está cerrada y ya hay un ZIP con sus documentos finales: puede descargarlo."), "success")
        return redirect(url_for("results.export", export_id=existing.id), 303)
    export = export_service.request(round_, current_user, **options)
    jobs.enqueue(jobs.BUILD_EXPORT, export.id)
    db.session.commit()
    flash(_("El ZIP de documentos se está preparando; esta página muestra el avance."), "success")
    return redirect(url_for("results.export", export_id=export.id), 303)


@bp.get("/exports/<int:export_id>")
@roles_required(*EXPORTERS)
def export(export_id: int):
    """The progress of one export (refreshes by itself; with JavaScript, without reloading)."""
    item = _export(export_id)
    return render_template("results/export.html", export=item, round=item.round)


@bp.get("/exports/<int:export_id>/status")
@roles_required(*EXPORTERS)
def export_status(export_id: int):
    """The progress of one export as JSON, polled by exports.js."""
    item = _export(export_id)
    return jsonify(
        status=item.state, percent=item.percent, rows_done=item.rows_done, rows_total=item.rows_total,
        is_finished=item.is_finished, error=item.error if item.status == "failed" else "",
        download_url=url_for("results.download", export_id=item.id) if item.state == "ready" else None,
    )


@bp.get("/exports/<int:export_id>/download")
@roles_required(*EXPORTERS)
def download(export_id: int):
    """Send the workbook or document as an attachment (audited as export.download)."""
    item = _export(export_id)
    try:
        path = export_service.download(item)
    except export_service.ExportError:
        flash(_("Este archivo ya no está disponible: solicite uno nuevo."), "error")
        return redirect(url_for("results.exports", round_id=item.round_id), 303)
    db.session.commit()
    stamp = to_lima(item.created_at).strftime("%Y%m%d-%H%M")  # the time the exports list shows
    file = export_service.FILES.get(item.kind, export_service.FileKind("", "application/octet-stream"))
    name = {"workbook": "ronda", "factsheets": "fichas", "evidence": "evidencias"}.get(item.kind, "anexo")
    return send_file(path, mimetype=file.mimetype, as_attachment=True, max_age=0,
                     download_name=f"{name}-{item.round_id}-{item.lang}-{stamp}{file.suffix}")
