"""Worker entry point: ``celery -A workers.celery worker`` / ``beat``."""
from workers.app import create_celery

app = create_celery()
