"""Extension singletons; each is bound to an app in create_app through init_app."""
from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
class SurveyLimiter(Limiter):
    """Flask-Limiter that knows the ``survey+sql://`` storage (counters in the app's database)."""

    def init_app(self, app) -> None:
        """Point a ``survey+sql://`` storage at this app's database, then set up as usual."""
        from survey import ratelimit  # registers the scheme; imports models, hence not at the top

        # The options outlive an app on this singleton: drop the database of a previous one.
        self._storage_options.pop("database_url", None)
        if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(f"{ratelimit.SCHEME}://"):
            app.config["RATELIMIT_STORAGE_OPTIONS"] = {**app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
                                                       "database_url": ratelimit.counters_url(app)}
        super().init_app(app)


limiter = SurveyLimiter(key_func=get_remote_address, default_limits=[])
