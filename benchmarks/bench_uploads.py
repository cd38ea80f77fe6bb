"""Benchmark: how much an idle gunicorn worker's memory grows for a 20 MB supporting document and for a
200 MB upload attempt.

Not a test. For each upload it starts a fresh ``survey:create_app()`` under gunicorn with ONE sync
worker over a SQLite round that asks for evidence, opens the official's section page (session, CSRF
token), attaches a 1 KB PDF to warm the worker up (imports, libmagic's database), reads the worker's
``VmHWM`` (peak resident memory) and then sends the upload as a browser would: a multipart body with a
Content-Length, streamed from a file on disk. The worker's VmHWM afterwards minus before is its growth.
The 20 MB file is stored (a 20 MB PDF); the 200 MB attempt must be refused from its Content-Length
before the body is read (the client's send is cut off).

    .venv/bin/python benchmarks/bench_uploads.py
"""
from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_submit import SECRET_KEY, free_port

MB = 1024 * 1024
BOUNDARY = "----benchuploadboundary7f3a"


def prepare(url: str, folder: Path) -> str:
    """A round of the evidence test questionnaire with one official; returns the personal link's token."""
    from survey import create_app
    from survey.extensions import db
    from survey.services.reference import load_reference
    from tests.evidence_support import evidence_document
    from tests.factories import make_invitation, make_round, publish_document

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}, instance_path=str(folder / "prep"))
    with app.app_context(), app.test_request_context():
        db.create_all()
        load_reference()
        _, token = make_invitation(make_round(publish_document(evidence_document()), title="Benchmark"),
                                   region="cusco")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return token


def multipart_file(folder: Path, csrf: str, size: int) -> Path:
    """The body of pressing "Adjuntar" with a PDF of *size* bytes, written to disk (never held in memory)."""
    path = folder / f"body-{size}.bin"
    head = "".join(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                   for name, value in (("csrf_token", csrf), ("_follow_up", ""), ("evidence_for", "has_plan")))
    head += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence_file__has_plan"; '
             f'filename="ordenanza.pdf"\r\nContent-Type: application/pdf\r\n\r\n')
    with path.open("wb") as out:
        out.write(head.encode())
        out.write(b"%PDF-1.4\n")
        left = size - 9
        block = b"0" * MB
        while left > 0:
            out.write(block[:min(left, MB)])
            left -= min(left, MB)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return path


class Worker:
    """gunicorn with one sync worker; the worker's /proc status read by pid."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "survey:create_app()"], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
            stderr=(folder / "gunicorn.log").open("ab"))
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        self.worker_pid = int(children[0])

    def memory(self) -> dict[str, int]:
        """VmRSS and VmHWM of the worker, in KiB."""
        status = Path(f"/proc/{self.worker_pid}/status").read_text()
        return {key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.MULTILINE).group(1)) for key in ("VmRSS", "VmHWM")}

    def stop(self) -> None:
        """Stop gunicorn and its worker."""
        self.process.terminate()
        self.process.wait(timeout=30)


def post_file(port: int, path: str, cookie: str, body: Path) -> int | str:
    """POST *body* from disk in 64 KB pieces; the status, or what cut the send off."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        connection.putheader("Content-Length", str(body.stat().st_size))
        connection.putheader("Cookie", cookie)
        connection.endheaders()
        try:
            with body.open("rb") as source:
                while chunk := source.read(64 * 1024):
                    connection.send(chunk)
        except (BrokenPipeError, ConnectionResetError) as exc:
            try:
                return f"{connection.getresponse().status} (send cut off: {type(exc).__name__})"
            except (OSError, http.client.HTTPException):
                return f"send cut off ({type(exc).__name__})"
        return connection.getresponse().status
    finally:
        connection.close()


def measure(url: str, folder: Path, token: str, size: int) -> tuple[dict, dict, object]:
    """A fresh worker's memory before and after one upload of *size* bytes, and the answer it got."""
    env = {"SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": SECRET_KEY,
           "SURVEY_INSTANCE_PATH": str(folder / "instance"), "SURVEY_ENV": "development"}
    worker = Worker(env, folder)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=30)
        connection.request("GET", f"/r/{token}/s/gov")
        reply = connection.getresponse()
        page = reply.read()
        cookie = reply.getheader("Set-Cookie").split(";", 1)[0]
        connection.close()
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        upload = f"/r/{token}/s/gov/evidence"
        assert post_file(worker.port, upload, cookie, multipart_file(folder, csrf, 1024)) == 303
        before = worker.memory()
        status = post_file(worker.port, upload, cookie, multipart_file(folder, csrf, size))
        time.sleep(0.2)
        return before, worker.memory(), status
    finally:
        worker.stop()


def main() -> None:
    """Measure the 20 MB file and the 200 MB attempt, each on a fresh worker, and print the figures."""
    folder = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    url = f"sqlite:///{folder / 'uploads.sqlite'}"
    token = prepare(url, folder)
    print("gunicorn, 1 sync worker, SQLite, local evidence directory; VmHWM = the worker's peak RSS")
    for label, size in (("20 MB file", 20 * MB - 64 * 1024), ("200 MB attempt", 200 * MB)):
        before, after, status = measure(url, folder, token, size)
        growth = (after["VmHWM"] - before["VmHWM"]) / 1024
        print(f"{label:>15}: answer {status}; VmHWM {before['VmHWM'] / 1024:.1f} -> {after['VmHWM'] / 1024:.1f} MiB "
              f"(+{growth:.1f} MiB); VmRSS after {after['VmRSS'] / 1024:.1f} MiB")
        for body in folder.glob("body-*.bin"):
            body.unlink()
    stored = sorted((folder / "instance" / "evidence").glob("*"))
    print(f"stored files: {len(stored)}, sizes {[item.stat().st_size for item in stored]}")


if __name__ == "__main__":
    main()
