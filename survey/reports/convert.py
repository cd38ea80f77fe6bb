"""DOCX to PDF with LibreOffice headless, the way a writer's own copy of the annex would print."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

#: a 200-page annex converts in well under a minute; a hung soffice must not hold the worker
TIMEOUT = 600


class ConversionError(RuntimeError):
    """LibreOffice did not produce the PDF."""


def soffice() -> str:
    """The LibreOffice binary (``SURVEY_SOFFICE`` or soffice on the PATH)."""
    found = os.environ.get("SURVEY_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ConversionError("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    return found


def docx_to_pdf(source: Path, target: Path, *, timeout: float = TIMEOUT) -> Path:
    """Convert *source* to the PDF *target*.

    Each conversion gets a private LibreOffice profile: two workers converting at once would otherwise
    fight over the user's profile lock, and the second one would exit without a word.
    """
    with tempfile.TemporaryDirectory(prefix="survey-soffice-") as work:
        work_dir = Path(work)
        command = [soffice(), f"-env:UserInstallation={work_dir.joinpath('profile').as_uri()}", "--headless",
                   "--norestore", "--convert-to", "pdf", "--outdir", str(work_dir), str(source)]
        # Its own process group: soffice starts soffice.bin, and a timeout must stop both.
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                              env={**os.environ, "HOME": work}) as process:
            try:
                _, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise ConversionError(f"LibreOffice took more than {timeout:.0f} s") from exc
        done = subprocess.CompletedProcess(command, process.returncode, b"", stderr)
        produced = work_dir / (source.stem + ".pdf")
        if done.returncode != 0 or not produced.is_file():
            detail = done.stderr.decode(errors="replace")[-500:]
            raise ConversionError(f"LibreOffice failed ({done.returncode}): {detail}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), target)
    return target
