"""Blueprint registration."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every blueprint of the app."""
    from survey.views import public

    app.register_blueprint(public.bp)
    try:  # the staff login lives in survey.auth.views once it exists
        from survey.auth import views as auth_views
    except ImportError:  # pragma: no cover - transitional
        auth_views = None
    if auth_views is not None:
        app.register_blueprint(auth_views.bp)
