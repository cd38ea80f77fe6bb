"""``survey serve``: the embedded run in one command (web app, a Celery worker and beat).

The web server and ``celery worker -B`` run as child processes; Ctrl-C (or SIGTERM)
stops them all, and if one dies the others are stopped too. Without SURVEY_REDIS_URL
the broker is kombu's SQLAlchemy transport on a SQLite file in the instance folder,
so nothing else needs to be installed or started. For production run the processes
separately (see README): gunicorn, one or more workers, exactly one beat.

The run is quiet and leaves its runtime files in the instance folder: gunicorn's control
socket there (not in the home directory), beat's schedule there (workers/schedule.py), no
Celery banner.
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

#: gunicorn's control socket (``gunicornc -s instance/gunicorn.ctl``), in the instance folder
CONTROL_SOCKET = "gunicorn.ctl"

#: AF_UNIX paths longer than this cannot be bound (108 bytes with the NUL on Linux, 104 on BSD)
MAX_SOCKET_PATH = 103

#: Celery warns when its worker runs as root. The embedded run's worker runs the same code on the
#: same files as its web server, as the same user, and accepts JSON only (Celery refuses outright
#: to run as root with pickle, the case that warning is about), so the warning tells the user nothing
#: they can act on there. Matched on its text: a ``-W`` category would import Celery at startup.
ROOT_WARNING_FILTER = "ignore:You're running the worker with superuser privileges"


def control_socket_options(instance_path: str) -> list[str]:
    """gunicorn's control socket in the instance folder, or none where that path is too long to bind."""
    path = os.path.join(os.path.abspath(instance_path), CONTROL_SOCKET)
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        return ["--no-control-socket"]
    return ["--control-socket", path]


def web_command(host: str, port: int, web_workers: int, instance_path: str) -> list[str]:
    """gunicorn where available (POSIX), else Werkzeug's server."""
    if find_spec("gunicorn") is not None and os.name == "posix":
        return [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(web_workers),
                *control_socket_options(instance_path), "--access-logfile", "-", "survey:create_app()"]
    return [sys.executable, "-m", "flask", "--app", "survey:create_app", "run", "--host", host, "--port",
            str(port), "--no-reload"]


def worker_command(concurrency: int, with_beat: bool) -> list[str]:
    """A Celery worker without its banner (with beat embedded unless *with_beat* is False)."""
    command = [sys.executable, "-W", ROOT_WARNING_FILTER, "-m", "celery", "-A", "workers.celery", "--quiet",
               "worker", "--loglevel", "INFO", "--concurrency", str(concurrency)]
    return command + ["--beat"] if with_beat else command


def _name(command: list[str]) -> str:
    """The module a ``python ... -m MODULE`` command runs (gunicorn, flask, celery)."""
    return command[command.index("-m") + 1]


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
        subprocess.Popen(web_command(host, port, web_workers, current_app.instance_path), env=env),
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
    failed = [_name(child.args) for child in children if child.returncode not in (0, -signal.SIGTERM, None)]
    if failed and not stopping:
        raise click.ClickException(f"stopped because a process ended: {', '.join(failed)}")
