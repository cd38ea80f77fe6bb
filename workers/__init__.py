"""The Celery application: every task runs inside a Flask app context.

Start a worker with ``celery -A workers worker`` (the app is built when the worker
imports :mod:`workers.app`, not at import of this package).
"""
