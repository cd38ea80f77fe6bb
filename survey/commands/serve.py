"""``survey serve``: the embedded run in one command (web app, a Celery worker and beat).

The web server and ``celery worker -B`` run as child processes; Ctrl-C (or SIGTERM)
stops them all, and if one dies the others are stopped too. Without SURVEY_REDIS_URL
the broker is kombu's SQLAlchemy transport on a SQLite file in the instance folder,
so nothing else needs to be installed or started. For production run the processes
separately (see README): gunicorn, one or more workers, exactly one beat.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from importlib.util import find_spec

import click
from flask import current_app

#: seconds a child gets to finish its work after SIGTERM before it is killed
STOP_GRACE = 15.0


def web_command(host: str, port: int, web_workers: int) -> list[str]:
    """gunicorn where available (POSIX), else Werkzeug's server."""
    if find_spec("gunicorn") is not None and os.name == "posix":
        return [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(web_workers),
                "--access-logfile", "-", "survey:create_app()"]
    return [sys.executable, "-m", "flask", "--app", "survey:create_app", "run", "--host", host, "--port",
            str(port), "--no-reload"]


def worker_command(concurrency: int, with_beat: bool) -> list[str]:
    """A Celery worker (with beat embedded unless *with_beat* is False)."""
    command = [sys.executable, "-m", "celery", "-A", "workers.celery", "worker", "--loglevel", "INFO",
               "--concurrency", str(concurrency)]
    return command + ["--beat"] if with_beat else command


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for child in children:
        try:
            child.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the web server.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port of the web server.")
@click.option("--web-workers", default=2, show_default=True, type=int, help="gunicorn worker processes.")
@click.option("--concurrency", default=1, show_default=True, type=int, help="Celery worker processes.")
@click.option("--no-beat", is_flag=True, help="Do not run beat (another process already does).")
def group(host: str, port: int, web_workers: int, concurrency: int, no_beat: bool) -> None:
    """Start the web app, a Celery worker and beat together; Ctrl-C stops them all."""
    env = dict(os.environ, SURVEY_INSTANCE_PATH=current_app.instance_path)
    if "SURVEY_BASE_URL" not in os.environ:  # links in e-mails point at this server
        env["SURVEY_BASE_URL"] = f"http://{host}:{port}"
    broker = current_app.config["CELERY"]["broker_url"].split("://", 1)[0]
    mail = current_app.config.get("SURVEY_SMTP_HOST") or "outbox in the browser (no SURVEY_SMTP_HOST)"
    click.echo(f"web http://{host}:{port}  broker {broker}  mail {mail}")
    children = [
        subprocess.Popen(web_command(host, port, web_workers), env=env),
        subprocess.Popen(worker_command(concurrency, not no_beat), env=env),
    ]
    stopping = False

    def on_signal(_signum, _frame):
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop(children)
    failed = [child.args[2] for child in children if child.returncode not in (0, -signal.SIGTERM, None)]
    if failed and not stopping:
        raise click.ClickException(f"stopped because a process ended: {', '.join(failed)}")
