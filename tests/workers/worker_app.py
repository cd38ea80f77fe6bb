"""Celery entry point for the worker tests: ``celery -A worker_app worker``.

The app is the real one (workers.app.create_celery); SURVEY_TEST_CONFIG (JSON) adds
Flask settings and, under "CELERY", Celery settings such as a short visibility timeout.
"""
import json
import os

from workers.app import create_celery

_config = json.loads(os.environ.get("SURVEY_TEST_CONFIG", "{}"))
_celery_overrides = _config.pop("CELERY", {})
app = create_celery(_config)
app.conf.update(_celery_overrides)
