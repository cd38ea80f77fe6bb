"""Login, logout, own password, and the error pages of access control (403, 429, CSRF)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from survey.auth import limits as login_limits
from survey.auth import public, roles_required
from survey.auth import session as staff_session
from survey.auth.forms import ChangePasswordForm, LoginForm
from survey.auth.passwords import verify_password
from survey.auth.redirects import safe_next
from survey.extensions import db, limiter
from survey.models.users import ROLES, User
from survey.services import audit, users

bp = Blueprint("auth", __name__)

#: failed checks of the current password per address (the login's own limits: survey.auth.limits)
LOGIN_LIMIT = "10 per 15 minutes"


@bp.before_app_request
def _forget_request_state() -> None:
    """Start every request without a cached user, scope, locale, CSRF token or login outcome.

    Flask-Login, Flask-Babel and Flask-WTF cache them on ``g``, and ``g`` outlives the request
    when an outer app context stays pushed (the test suite does that): a stale user would hide
    a revocation, a stale locale a language switch, a stale token another session's token.
    """
    for key in ("_login_user", "_flask_babel", "csrf_token", "survey_scope"):
        g.pop(key, None)
    g.login_failed = False


bp.before_app_request(staff_session.enforce_lifetime)
bp.before_app_request(staff_session.require_own_password)


def _login_failed(_response) -> bool:
    """Only failed attempts count against the limit: a user who gets it right costs nothing."""
    return bool(g.get("login_failed"))


def _may_open(user: User, endpoint: str) -> bool:
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    return getattr(view, "is_public", False) or user.has_role(*getattr(view, "required_roles", ()))


def landing_url(user: User) -> str:
    """Where a user goes after login: the builder if they may use it, else their own start page."""
    # Coordinators start at their rounds, observers at the results shared with them.
    for endpoint in ("builder.index", "admin.users", "rounds.index", "results.index"):
        if _may_open(user, endpoint):
            return url_for(endpoint)
    return url_for("public.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Log a member of staff in; the same answer for an unknown e-mail and a wrong password."""
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or landing_url(current_user))
    if request.method == "POST":
        refused = login_limits.refusal(request.form.get("email"))
        if refused is not None:
            return too_many_requests(None, retry_after=refused.retry_after, is_brake=refused.reason == "brake")
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        check = users.authenticate(form.email.data, form.password.data)
        if check.is_success:
            staff_session.start(check.user)
            audit.record("login.success", check.user)
            db.session.commit()
            return redirect(target or landing_url(check.user))
        failed = True
        login_limits.record_failure(form.email.data, check.user)
        audit.record("login.failed", check.user, actor="anonymous",
                     email=form.email.data.strip()[:254], reason=check.failure)
        db.session.commit()
    return render_template("auth/login.html", form=form, failed=failed, next=target)


@bp.post("/logout")
@public
def logout():
    """End the session for real: the cookie's session version stops matching the user's."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        audit.record("logout", user)
        staff_session.end(user)
        db.session.commit()
    flash(_("Ha cerrado la sesión."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(*ROLES)
@limiter.limit(LOGIN_LIMIT, key_func=get_remote_address, scope="password", methods=["POST"],
               deduct_when=_login_failed)
def change_password():
    """Let the logged-in user replace their own password (other sessions end)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if form.new.data == form.current.data:
            form.new.errors.append(_("La nueva contraseña debe ser distinta de la actual."))
        elif verify_password(user.password_hash, form.current.data):
            users.set_password(user, form.new.data)
            audit.record("user.password", user, by="self")
            staff_session.start(user)
            db.session.commit()
            flash(_("Contraseña cambiada."), "success")
            return redirect(landing_url(user))
        else:
            g.login_failed = True
            form.current.errors.append(_("La contraseña actual no es correcta."))
    return render_template("auth/password.html", form=form)


@bp.app_errorhandler(403)
def forbidden(_error):
    """A logged-in user without the role for this page."""
    return render_template("auth/error.html", title=_("Acceso no permitido"),
                           message=_("Su rol no permite abrir esta página.")), 403


@bp.app_errorhandler(429)
def too_many_requests(_error, *, retry_after: int = 15 * 60, is_brake: bool = False):
    """Too many attempts (the login limits and any other limit)."""
    if is_brake:
        message = _("Hubo muchos intentos fallidos para esta cuenta. Espere unos segundos y vuelva a intentarlo.")
    else:
        message = _("Hubo demasiados intentos. Espere unos 15 minutos y vuelva a intentarlo.")
    page = render_template("auth/error.html", title=_("Demasiados intentos"), message=message)
    return page, 429, {"Retry-After": str(retry_after)}


@bp.app_errorhandler(CSRFError)
def csrf_failed(_error):
    """A form without a valid CSRF token: nothing was saved."""
    return render_template("auth/error.html", title=_("Formulario no válido"),
                           message=_("El formulario caducó o no vino de este sitio; no se guardó nada. "
                                     "Vuelva a la página, recárguela e inténtelo de nuevo.")), 400
