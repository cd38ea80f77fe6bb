"""The public scorecard of a round (no login): the page, its CSV and JSON, and an SVG per chart.

Every URL is drawn from the live publication's snapshot, never from the answers: later answers
change nothing until staff publish again. A round never published answers 404, a withdrawn one 410.

Caching: the snapshot only changes by publishing again, so every answer carries an ETag (the
snapshot's hash and the language) and Last-Modified; a browser or proxy revalidates each time
(``no-cache``) and gets a 304 without a body while the publication stands. Rendered bodies are kept in
memory per process, keyed by the snapshot's hash, so a page is rendered once per publication.

Embedding: a chart is embedded with ``<img src=".../charts/<key>.svg">``, which needs no framing
(the app's ``frame-ancestors 'none'`` stays). The SVG is served as ``image/svg+xml`` under its own
policy ``default-src 'none'; style-src 'unsafe-inline'`` and with ``Access-Control-Allow-Origin: *``
like the CSV and JSON (open data); an SVG shown through ``<img>`` runs no script anyway.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, g, render_template, request
from sqlalchemy import select

from survey.auth import public
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Publication
from survey.publication import render, services

bp = Blueprint("scorecards", __name__, url_prefix="/p")

SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
#: rendered bodies per (snapshot hash, language, what): a few publications' worth per process
_CACHE: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
CACHE_SIZE = 256


@bp.before_request
def _language() -> None:
    # This request's language: ?lang= or Spanish, never the session (these answers carry no cookie and
    # may be cached by anyone, and a chart embedded elsewhere must not change a visitor's language).
    wanted = request.args.get("lang")
    g.survey_locale = wanted if wanted in current_app.config["SURVEY_LANGUAGES"] else "es"


def _live(round_id: int) -> tuple[int, str, object]:
    """(id, hash, published_at) of the round's live publication, or 404/410; reads no snapshot."""
    row = db.session.execute(
        select(Publication.id, Publication.snapshot_hash, Publication.published_at)
        .where(Publication.round_id == round_id, Publication.unpublished_at.is_(None))).first()
    if row is None:
        abort(410 if services.was_published(round_id) else 404)
    return row


def _snapshot(publication_id: int) -> dict:
    return db.session.scalar(select(Publication.snapshot).where(Publication.id == publication_id))


def _answer(round_id: int, what: str, mimetype: str, build: Callable[[dict, str], bytes | None]) -> Response:
    """A cached, conditional answer built by *build* from the snapshot (None from *build*: 404)."""
    publication_id, digest, published_at = _live(round_id)
    lang = current_language()
    etag = f"{digest[:32]}-{lang}-{what}"
    # If-None-Match decides when sent; else If-Modified-Since (HTTP dates have whole seconds).
    since = request.if_modified_since
    if request.if_none_match.contains(etag) or (
            not request.if_none_match and since is not None and published_at.replace(microsecond=0) <= since):
        response = Response(status=304)
    else:
        key = (digest, lang, what)
        body = _CACHE.get(key)
        if body is None:
            body = build(_snapshot(publication_id), lang)
            if body is None:
                abort(404)
            _CACHE[key] = body
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
        response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.last_modified = published_at
    response.headers["Cache-Control"] = "public, no-cache"
    return response


@bp.get("/<int:round_id>/")
@public
def page(round_id: int):
    """The scorecard: national and per-region × axis indices, choice questions' figures, charts."""
    def build(snapshot: dict, lang: str) -> bytes:
        return render_template("publication/public.html", snapshot=snapshot, lang=lang, render=render,
                               is_review=False).encode()

    return _answer(round_id, "page", "text/html", build)


@bp.get("/<int:round_id>/data.json")
@public
def data_json(round_id: int):
    """Every published figure as JSON (the snapshot), with its licence."""
    def build(snapshot: dict, lang: str) -> bytes:
        return json.dumps(snapshot, ensure_ascii=False, sort_keys=True, indent=1).encode()

    response = _answer(round_id, "json", "application/json", build)
    return _open_data(response)


@bp.get("/<int:round_id>/data.csv")
@public
def data_csv(round_id: int):
    """Every published figure as CSV (one line per figure; a suppressed one without numbers)."""
    def build(snapshot: dict, lang: str) -> bytes:
        return ("\ufeff" + render.to_csv(snapshot, lang)).encode()

    response = _answer(round_id, "csv", "text/csv", build)
    response.headers["Content-Disposition"] = f'attachment; filename="ronda-{round_id}-cifras.csv"'
    return _open_data(response)


@bp.get("/<int:round_id>/charts/<chart>.svg")
@public
def chart(round_id: int, chart: str):
    """One chart as a standalone SVG, at a stable URL to embed with ``<img>``."""
    def build(snapshot: dict, lang: str) -> bytes | None:
        table = render.chart_of(snapshot, chart)
        if table is None:
            return None
        return render_template("publication/chart.svg", chart=render.bar_chart(table, lang)).encode()

    response = _answer(round_id, f"chart:{chart}", "image/svg+xml", build)
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return _open_data(response)


def _open_data(response: Response) -> Response:
    """Open data: any site may fetch it; the licence is linked from the answer."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Link"] = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    return response
