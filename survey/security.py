"""Security headers on every response, and the refusal of state-changing requests from other sites."""
from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFError

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

#: Fetch metadata values of a request started by a page of another origin. "same-site" counts too: a
#: sibling subdomain is another origin, and SameSite=Lax cookies would still ride along from it.
FOREIGN_SITES = frozenset({"cross-site", "same-site"})


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Personal links carry the token in the URL: no other site may see it in a Referer. Our own pages
    # do get it: over HTTPS Flask-WTF refuses a form whose Referer is missing or of another host
    # (under no-referrer every browser form failed its CSRF check there).
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def refuse_foreign_writes() -> None:
    """Before each request: refuse a form post (or any write) that the browser says another site sent.

    A second line behind the CSRF token, and one that also holds over plain HTTP, where Flask-WTF does
    not compare the Referer. Browsers without Fetch metadata send no ``Sec-Fetch-Site`` and are left
    to the token. Raised as a CSRF failure, so the pages show their usual "nothing was saved" answer.
    """
    if request.method not in current_app.config["WTF_CSRF_METHODS"]:
        return
    if request.headers.get("Sec-Fetch-Site", "").strip().lower() in FOREIGN_SITES:
        raise CSRFError("The request came from another site (Sec-Fetch-Site).")


def init_app(app: Flask) -> None:
    """Register the cross-site refusal and the header hook."""
    app.before_request(refuse_foreign_writes)
    app.after_request(_headers)
