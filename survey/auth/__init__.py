"""Staff authentication: session loading and role checks."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey.extensions import db, login_manager
from survey.models import User


@login_manager.user_loader
def _load_user(identity: str) -> User | None:
    """Load the user of a session; a bumped session version makes old cookies useless."""
    try:
        user_id, version = (int(part) for part in identity.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.is_enabled:
        return None
    return user


def roles_required(*roles: str):
    """Allow the view only to logged-in users with one of *roles* (admins always pass)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def public(view):
    """Mark a view as reachable without login (checked by the route-matrix test)."""
    view.is_public = True
    return view


def init_app(app: Flask) -> None:
    """Bind Flask-Login, and the session that public pages never send."""
    from survey.auth.session import SessionInterface

    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Inicie sesión para continuar.")
    login_manager.session_protection = "basic"
