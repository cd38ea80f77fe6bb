"""The services of the production rehearsal, each private to one run and stopped at its end.

A database and two roles on the shared PostgreSQL cluster (dropped afterwards), a password-protected
redis-server on a free port, an aiosmtpd server whose messages the test reads, a self-signed
certificate, and long-running processes (gunicorn, celery, nginx) in process groups of their own.
"""
from __future__ import annotations

import email
import os
import secrets
import signal
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller

from tests.conftest import PG_ADMIN_DSN, _suffix
from tests.workers.harness import free_port, wait_until

PG_HOST = "127.0.0.1:5432"


class Process:
    """A long-running command in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path, logs: Path):
        self.name = name
        self.log = logs / f"{name}.log"
        self._out = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def text(self) -> str:
        """What the process wrote so far."""
        return self.log.read_text(errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 30) -> None:
        """Wait until *needle* is in the log; fail at once if the process died."""
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            assert self.proc.poll() is None, f"{self.name} exited:\n{self.text()[-3000:]}"
            assert time.monotonic() < deadline, f"{needle!r} not in the {self.name} log:\n{self.text()[-3000:]}"
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM the group (a warm shutdown), then SIGKILL whatever is left after 10 s."""
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        self._out.close()


@contextmanager
def database() -> Iterator[dict[str, str]]:
    """A fresh database owned by a new owner role, and a new app role; both dropped afterwards.

    Names are unique per run: the cluster is shared with other test processes.
    """
    tag = f"{_suffix()}_{secrets.token_hex(3)}"
    names = {"database": f"survey_prod_{tag}", "owner": f"survey_owner_{tag}", "app": f"survey_app_{tag}"}
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{names["owner"]}" LOGIN')
        conn.execute(f'CREATE ROLE "{names["app"]}" LOGIN')
        conn.execute(f'CREATE DATABASE "{names["database"]}" OWNER "{names["owner"]}"')
    try:
        yield names | {
            "owner_url": f"postgresql+psycopg://{names['owner']}@{PG_HOST}/{names['database']}",
            "app_url": f"postgresql+psycopg://{names['app']}@{PG_HOST}/{names['database']}",
        }
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{names["database"]}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{names["app"]}"')
            conn.execute(f'DROP ROLE IF EXISTS "{names["owner"]}"')


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A redis-server of this run only, with a password, on a free loopback port; yields its URL."""
    password, port = secrets.token_hex(16), free_port()
    process = Process("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--requirepass", password,
                                "--save", "", "--appendonly", "no", "--dir", str(folder)],
                      dict(os.environ), folder, folder)
    try:
        process.wait_for_log("Ready to accept connections")
        yield f"redis://:{password}@127.0.0.1:{port}/0"
    finally:
        process.stop()


class Inbox:
    """aiosmtpd handler keeping every message received, for the test to read."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        """The messages sent to *address* so far."""
        with self.lock:
            return [message for recipients, message in self.messages if address in recipients]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30) -> list[Message]:
        """Wait until *address* has received *count* messages; return them."""
        def enough() -> list[Message] | None:
            found = self.to(address)
            return found if len(found) >= count else None

        return wait_until(enough, timeout=timeout, message=f"{count} message(s) to {address}")


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """An aiosmtpd server on a free loopback port; yields its inbox and port."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made with the openssl CLI; returns (certificate, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def nginx_config(folder: Path, server_block: str) -> Path:
    """A main nginx.conf of the run (foreground, files in *folder*) around the README's server block."""
    (folder / "survey.conf").write_text(server_block)
    # As root the workers would drop to "nobody", who cannot enter pytest's private tmp folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {kind}_temp_path {folder / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                           "scgi"))
    config = folder / "nginx.conf"
    config.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        f"events {{ worker_connections 128; }}\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp}    include {folder / 'survey.conf'};\n}}\n")
    return config


def wait_for_https(url: str, timeout: float = 40) -> None:
    """Wait until *url* answers 200 over HTTPS (the certificate is not checked: it is self-signed)."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE

    def answers() -> bool:
        try:
            with urllib.request.urlopen(url, context=context, timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    wait_until(answers, timeout=timeout, interval=0.3, message=f"{url} to answer 200")
