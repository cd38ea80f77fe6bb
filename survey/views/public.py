"""Public pages: the home page, language switch, and read-only questionnaire rendering."""
from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from survey.auth import public
from survey.auth.redirects import safe_next
from survey.i18n import current_language
from survey.services import questionnaires as qs

bp = Blueprint("public", __name__)


@bp.get("/")
@public
def index():
    """List the published questionnaires."""
    items = [q for q in qs.list_all() if q.latest_published is not None]
    return render_template("public/index.html", questionnaires=items)


@bp.get("/q/<key>")
@bp.get("/q/<key>/v<int:number>")
@public
def show(key: str, number: int | None = None):
    """Render a published questionnaire version read-only, all sections on one page."""
    questionnaire = qs.get(key)
    if questionnaire is None:
        abort(404)
    try:
        version = qs.get_version(questionnaire, number)
    except qs.VersionError:
        abort(404)
    if not version.is_published:
        abort(404)
    return render_template(
        "public/questionnaire.html",
        questionnaire=questionnaire,
        version=version,
        q=version.load(),
        lang=current_language(),
    )


@bp.post("/lang")
@public
def set_language():
    """Remember the chosen language and go back where the user was."""
    lang = request.form.get("lang")
    if lang in ("es", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))


@bp.get("/healthz")
@public
def health():
    """Liveness probe for load balancers."""
    return {"status": "ok"}


@bp.get("/favicon.ico")
@public
def favicon():
    """The site icon where browsers and feed readers look for it without a ``<link rel="icon">``."""
    # 1 KB read whole: no open file handle is left to the WSGI server (or the test client) to close.
    icon = Path(current_app.static_folder, "favicon.ico").read_bytes()
    response = Response(icon, mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
