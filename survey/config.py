"""Configuration read from the environment, with safe defaults for the embedded run."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """Raised when the configuration is unsafe for the chosen environment."""


def _secret_key(instance_path: Path) -> str:
    """Return SURVEY_SECRET_KEY, or a key generated once and kept in the instance folder.

    A constant in the code would let anyone forge sessions; a key generated at every
    start would log everybody out at each restart.
    """
    key = os.environ.get("SURVEY_SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    """Build the Flask configuration mapping from SURVEY_* environment variables."""
    instance = Path(instance_path)
    database_url = os.environ.get("SURVEY_DATABASE_URL") or f"sqlite:///{instance / 'survey.sqlite'}"
    redis_url = os.environ.get("SURVEY_REDIS_URL") or None
    is_production = os.environ.get("SURVEY_ENV", "development") == "production"
    secret_key = _secret_key(instance)
    if is_production and len(secret_key.encode()) < 32:
        raise ConfigError("SURVEY_SECRET_KEY must be at least 32 bytes in production")
    if redis_url:
        broker_url = redis_url
    else:
        # kombu's SQLAlchemy transport: a real queue in a file, no service to run.
        broker_url = f"sqla+sqlite:///{instance / 'celery-broker.sqlite'}"
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SURVEY_REDIS_URL": redis_url,
        "SURVEY_BASE_URL": os.environ.get("SURVEY_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SURVEY_IS_PRODUCTION": is_production,
        "SURVEY_EXPORT_DIR": os.environ.get("SURVEY_EXPORT_DIR", str(instance / "exports")),
        "SURVEY_EXPORT_TTL_HOURS": int(os.environ.get("SURVEY_EXPORT_TTL_HOURS", "24")),
        # Supporting documents (survey.evidence): a private directory, or an S3-compatible bucket when named.
        "SURVEY_EVIDENCE_DIR": os.environ.get("SURVEY_EVIDENCE_DIR", str(instance / "evidence")),
        "SURVEY_EVIDENCE_MAX_FILE_MB": float(os.environ.get("SURVEY_EVIDENCE_MAX_FILE_MB", "20")),
        "SURVEY_EVIDENCE_MAX_RESPONSE_MB": float(os.environ.get("SURVEY_EVIDENCE_MAX_RESPONSE_MB", "100")),
        "SURVEY_EVIDENCE_S3_BUCKET": os.environ.get("SURVEY_EVIDENCE_S3_BUCKET") or None,
        "SURVEY_EVIDENCE_S3_PREFIX": os.environ.get("SURVEY_EVIDENCE_S3_PREFIX", ""),
        "SURVEY_EVIDENCE_S3_ENDPOINT_URL": os.environ.get("SURVEY_EVIDENCE_S3_ENDPOINT_URL") or None,
        "SURVEY_EVIDENCE_S3_REGION": os.environ.get("SURVEY_EVIDENCE_S3_REGION") or None,
        #: clamd's Unix socket path or host:port; without it files are stored unscanned
        "SURVEY_CLAMAV_SOCKET": os.environ.get("SURVEY_CLAMAV_SOCKET") or None,
        "SURVEY_CLAMAV_TIMEOUT": float(os.environ.get("SURVEY_CLAMAV_TIMEOUT", "60")),
        "SURVEY_SMTP_HOST": os.environ.get("SURVEY_SMTP_HOST") or None,
        "SURVEY_SMTP_PORT": int(os.environ.get("SURVEY_SMTP_PORT", "25")),
        "SURVEY_SMTP_USER": os.environ.get("SURVEY_SMTP_USER") or None,
        "SURVEY_SMTP_PASSWORD": os.environ.get("SURVEY_SMTP_PASSWORD") or None,
        "SURVEY_SMTP_TLS": os.environ.get("SURVEY_SMTP_TLS", "starttls"),
        "SURVEY_SMTP_TIMEOUT": float(os.environ.get("SURVEY_SMTP_TIMEOUT", "10")),
        "SURVEY_MAIL_SENDER": os.environ.get("SURVEY_MAIL_SENDER", "CHS Alternativo <encuestas@localhost>"),
        "CELERY": {
            "broker_url": broker_url,
            "task_ignore_result": True,
            "task_serializer": "json",
            "result_serializer": "json",
            "accept_content": ["json"],
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "task_time_limit": 600,
            "task_soft_time_limit": 540,
            # Redis only: kombu's SQLAlchemy transport hands its options to create_engine()
            "broker_transport_options": {"visibility_timeout": 3600} if redis_url else {},
            "broker_connection_retry_on_startup": True,
            "timezone": "America/Lima",
        },
        # Seconds during which a web process sends at most one results.aggregate per round
        # (sent with that countdown, so it covers the window); 0 sends one per submission.
        "SURVEY_RESULTS_DEBOUNCE_SECONDS": float(os.environ.get("SURVEY_RESULTS_DEBOUNCE_SECONDS", "10")),
        # Likewise for receipts: one mail.send_receipts per window sends every receipt waiting
        # (a burst of submissions shares SMTP connections); 0 sends one per submission at once.
        "SURVEY_RECEIPT_DEBOUNCE_SECONDS": float(os.environ.get("SURVEY_RECEIPT_DEBOUNCE_SECONDS", "2")),
        "BABEL_DEFAULT_LOCALE": "es",
        "BABEL_DEFAULT_TIMEZONE": "America/Lima",
        "SURVEY_LANGUAGES": ("es", "en"),
        # The CSRF token lives as long as the session: an official who reads slowly
        # must not lose a page of answers to an expired token.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SURVEY_SECURE_COOKIES", is_production),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SURVEY_IDLE_TIMEOUT": timedelta(minutes=int(os.environ.get("SURVEY_IDLE_MINUTES", "30"))),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Without Redis the counters live in the database (survey.ratelimit), shared by every
        # web process: counters in each process's memory would allow the limit once per process.
        "RATELIMIT_STORAGE_URI": redis_url or "survey+sql://",
        # A moving window counts the attempts of the last N minutes exactly: a fixed window would
        # let twice the limit through around a window's boundary.
        "RATELIMIT_STRATEGY": "moving-window",
        #: number of reverse proxies in front of the app (X-Forwarded-For/-Proto trusted that deep)
        "SURVEY_PROXIES": int(os.environ.get("SURVEY_PROXIES", "0")),
        # With Redis down the limits keep counting in memory: a limiter must never fail open.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": False,
    }
