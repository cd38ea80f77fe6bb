"""A private, real clamd for the tests: Debian's daemon with a one-signature database written here.

Nothing can be downloaded in the tests (no freshclam), and clamd refuses to start without signatures,
so the database is one ``.ndb`` line that matches the EICAR test string. The daemon listens on a Unix
socket in its own directory, runs in the foreground as the test's child, and is stopped by the test.
"""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.evidence_support import EICAR

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
#: clamd with a one-signature database is up in well under a second; this is the patience for a busy CI
START_TIMEOUT = 20.0


def ping(address: str, timeout: float = 1.0) -> bool:
    """True when the clamd on the Unix socket *address* answers PING with PONG."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
            sock.sendall(b"zPING\0")
            return sock.recv(16).rstrip(b"\0") == b"PONG"
    except OSError:
        return False


def _write_config(folder: Path) -> Path:
    database = folder / "db"
    database.mkdir()
    # Name:TargetType(0 = any file):Offset(* = anywhere):hex of the bytes to match
    (database / "eicar.ndb").write_text(f"Eicar-Test-Signature:0:*:{EICAR.hex()}\n")
    config = folder / "clamd.conf"
    config.write_text("\n".join([
        f"LocalSocket {folder / 'clamd.sock'}",
        f"DatabaseDirectory {database}",
        f"TemporaryDirectory {folder}",
        f"LogFile {folder / 'clamd.log'}",
        "Foreground yes",
        "StreamMaxLength 25M",
        "SelfCheck 0",
        "",
    ]))
    return config


@contextlib.contextmanager
def running_clamd() -> Iterator[str]:
    """Start a private clamd and yield its socket path; stop it afterwards."""
    if not Path(CLAMD).exists():
        raise RuntimeError("clamd is missing: install Debian's clamav-daemon (bin/test does)")
    # A short path of its own: a Unix socket's path is limited to 108 bytes.
    folder = Path(tempfile.mkdtemp(prefix="clamd-"))
    address = str(folder / "clamd.sock")
    process = subprocess.Popen([CLAMD, "-c", str(_write_config(folder))], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ping(address):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "clamd.log").read_text() if (folder / "clamd.log").exists() else ""
                raise RuntimeError(f"clamd did not start (exit {process.poll()}): {log[-2000:]}")
            time.sleep(0.05)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
