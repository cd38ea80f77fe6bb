"""What a file is, read from its content with libmagic (python-magic), never from its name or the browser.

An HTML page named ``informe.pdf`` is ``text/html`` here and refused: a browser told to open it could
run its scripts. The download name is the official's name made safe, with the extension of the real type.
"""
from __future__ import annotations

import os
from typing import IO

import magic
from werkzeug.utils import secure_filename

#: bytes read to type a file: enough for libmagic to tell an .xlsx from another ZIP
SNIFF_BYTES = 64 * 1024

#: accepted types -> the extensions a download may keep (the first is added when the name has none of them)
ACCEPTED: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/tiff": (".tif", ".tiff"),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
    "application/csv": (".csv",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.ms-powerpoint": (".ppt",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
}
#: CSV and plain text are stored as text/plain when libmagic calls a CSV file plain text; both are text
_TEXT_TYPES = ("text/plain", "text/csv", "application/csv")


def sniff(stream: IO[bytes]) -> str:
    """The MIME type of *stream*'s content (read from its start; the position is put back to 0)."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    return magic.from_buffer(head, mime=True)


def is_accepted(content_type: str) -> bool:
    """True for the documents officials may attach (PDF, images, office documents, CSV, plain text)."""
    return content_type in ACCEPTED


def download_name(original: str, content_type: str) -> str:
    """*original* made safe for a Content-Disposition header and a file system, ending in an extension
    of *content_type* (so a PDF named ``acta.html`` is saved as ``acta.html.pdf``)."""
    safe = secure_filename(original or "")[:200] or "documento"
    extensions = ACCEPTED.get(content_type) or ("",)
    if content_type in _TEXT_TYPES and os.path.splitext(safe)[1].lower() in (".txt", ".csv"):
        return safe
    if os.path.splitext(safe)[1].lower() in extensions:
        return safe
    return safe + extensions[0]
