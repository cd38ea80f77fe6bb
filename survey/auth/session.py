"""Staff session lifetime: a fresh session at login, idle timeout, absolute lifetime, revocation.

Flask keeps the session in a signed cookie, so the clock lives in the cookie too: the
login time and the last-seen time are signed with it and cannot be moved by the client.
Revocation (logout, role or password change, deactivation) bumps ``User.session_version``,
which the user loader compares with the version inside the cookie.
"""
from __future__ import annotations

import time

from flask import current_app, flash, has_request_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from survey.models import User
from survey.services import users

LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"
#: the last-seen time is rewritten at most this often (seconds), so most responses set no cookie
SEEN_RESOLUTION = 60
#: kept across login and logout: the interface language is not a secret of the session
_KEPT_KEYS = ("lang",)
#: what a user with a temporary password may still reach
_OPEN_WITH_TEMPORARY_PASSWORD = {"auth.change_password", "auth.logout", "public.set_language", "static"}


def _clear_keeping_preferences() -> None:
    kept = {key: session[key] for key in _KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)


def start(user: User) -> None:
    """Log *user* in on a brand-new session (nothing from before survives: no fixation)."""
    _clear_keeping_preferences()
    login_user(user)
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def end(user: User | None = None) -> None:
    """Log out and empty the session; with *user*, also revoke every other cookie they hold."""
    if user is not None:
        users.revoke_sessions(user)
    logout_user()
    _clear_keeping_preferences()


def is_expired(now: float) -> bool:
    """True when the session has been idle too long or has lived past its absolute lifetime."""
    idle = current_app.config["SURVEY_IDLE_TIMEOUT"].total_seconds()
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    return now - session[SEEN_AT] > idle or now - session[LOGIN_AT] > lifetime


def enforce_lifetime() -> None:
    """Before each request: end an expired staff session, else note that it is still in use."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    now = time.time()
    if LOGIN_AT not in session or SEEN_AT not in session:
        # Only login_user outside auth.login (test helpers) makes a session without a clock;
        # the cookie is signed, so nobody else can. Start the clock now.
        session[LOGIN_AT] = session[SEEN_AT] = int(now)
        return
    if is_expired(now):
        end()
        flash(_l("Su sesión terminó por inactividad o por tiempo. Inicie sesión de nuevo."), "info")
        return
    if now - session[SEEN_AT] >= SEEN_RESOLUTION:
        session[SEEN_AT] = int(now)


def require_own_password():
    """Before each request: someone holding a password an admin chose must replace it first."""
    if not current_user.is_authenticated or not current_user.has_temporary_password:
        return None
    if request.endpoint in _OPEN_WITH_TEMPORARY_PASSWORD:
        return None
    flash(_l("Elija su propia contraseña antes de continuar."), "info")
    return redirect(url_for("auth.change_password"))


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that the public open data (the ``scorecards`` blueprint) never
    sends a cookie: its answers are ``Cache-Control: public``, and a shared cache must not keep a staff
    member's session with them, nor may an embedded chart change a visitor's language."""

    cookieless_blueprints = frozenset({"scorecards"})

    def save_session(self, app, session, response) -> None:
        """Save as Flask does, unless the request is one of the cookieless blueprints'."""
        if has_request_context() and request.blueprint in self.cookieless_blueprints:
            return
        super().save_session(app, session, response)
