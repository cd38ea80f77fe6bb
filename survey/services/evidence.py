"""Attaching supporting documents to an answer, and removing them, through an official's link.

The file is checked before anything is written: its size (per file and per response), its type read
from the content, and, when ClamAV is configured, a scan. The bytes go to storage before the write lock
is taken (copying 20 MB must not hold SQLite's single writer); the row is added under the lock, after the
response is re-read, and the bytes are deleted again if the response changed meanwhile (submitted, full).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import IO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from survey import database
from survey.evidence import filetypes, scanner
from survey.evidence.storage import new_key, storage
from survey.extensions import db
from survey.models import Evidence, Invitation, Query
from survey.models._types import utcnow
from survey.services import audit, evidence_query, responses

MB = 1024 * 1024


class EvidenceRefused(Exception):
    """The file cannot be attached (or removed); ``message`` is for the official."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    """Bytes allowed per file and per response (all its active files)."""

    per_file: int
    per_response: int


def limits() -> Limits:
    """The configured limits (``SURVEY_EVIDENCE_MAX_FILE_MB``, ``SURVEY_EVIDENCE_MAX_RESPONSE_MB``)."""
    config = current_app.config
    return Limits(int(config["SURVEY_EVIDENCE_MAX_FILE_MB"] * MB), int(config["SURVEY_EVIDENCE_MAX_RESPONSE_MB"] * MB))


def _megabytes(size: int) -> str:
    return f"{size / MB:.0f}"


def too_large_message() -> str:
    """The sentence for a file over the per-file limit."""
    return _("El archivo pesa más de %(mb)s MB, el máximo por archivo. Redúzcalo (por ejemplo, escanee en "
             "menor resolución) o divídalo en partes.", mb=_megabytes(limits().per_file))


def _size_of(stream: IO[bytes]) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _check_question(invitation: Invitation, question_key: str) -> None:
    questionnaire = responses.questionnaire_of(invitation)
    try:
        question = questionnaire.question(question_key)
    except KeyError:
        question = None
    if question is None or question.evidence is None:
        raise EvidenceRefused("question", _("Esta pregunta no pide documentos de sustento."))


def _check_open(invitation: Invitation, question_key: str) -> None:
    """Files change while the answers may; after that, only those of a question a staff query reopened."""
    if responses.can_change(invitation) or is_reopened(invitation, question_key):
        return
    raise EvidenceRefused("locked", _("Sus respuestas ya fueron enviadas: los documentos ya no se pueden "
                                      "cambiar."))


def is_reopened(invitation: Invitation, question_key: str) -> bool:
    """True while a staff query on *question_key* of the invitation's response is open."""
    response = responses.response_for(invitation)
    if response is None:
        return False
    return db.session.scalar(select(func.count()).select_from(Query).where(
        Query.response_id == response.id, Query.question_key == question_key, Query.status == "open")) > 0


def _check_room(response_id: int | None, size: int) -> None:
    held = evidence_query.bytes_held(response_id) if response_id is not None else 0
    if held + size > limits().per_response:
        raise EvidenceRefused("response_full", _(
            "Con este archivo, los documentos de su respuesta pasarían de %(mb)s MB, el máximo por respuesta. "
            "Quite algún documento o redúzcalo.", mb=_megabytes(limits().per_response)))


def _scan(invitation: Invitation, question_key: str, stream: IO[bytes], sha256: str) -> bool:
    """Scan when clamd is configured (True: scanned clean); an infected file is refused and audited."""
    address = current_app.config.get("SURVEY_CLAMAV_SOCKET")
    if not address:
        return False
    try:
        verdict = scanner.scan(stream, address, float(current_app.config["SURVEY_CLAMAV_TIMEOUT"]))
    except scanner.ScanFailed as failure:
        current_app.logger.error("evidence scan failed: %s", failure)
        raise EvidenceRefused("scan_failed", _("No pudimos revisar el archivo en busca de virus. Inténtelo de "
                                               "nuevo en unos minutos.")) from failure
    if not verdict.is_infected:
        return True
    database.begin_writing()
    audit.record("evidence.infected", invitation, actor=f"official:{invitation.id}", round=invitation.round_id,
                 question=question_key, signature=verdict.signature, sha256=sha256)
    raise EvidenceRefused("infected", _("El archivo contiene un virus (%(name)s) y no se guardó. Revise su "
                                        "equipo con un antivirus y adjunte una copia limpia.",
                                        name=verdict.signature))


def attach(invitation: Invitation, question_key: str, stream: IO[bytes], filename: str) -> Evidence:
    """Attach the file in *stream* (a seekable upload) to the answer of *question_key*; flushes.

    Raises EvidenceRefused (with the official's message) when the question takes no files, the answers
    are final, the file is empty, too big, of a type not accepted, infected, or would fill the response.
    An infected file's audit entry is added before raising: the caller commits it.
    """
    _check_question(invitation, question_key)
    _check_open(invitation, question_key)
    size = _size_of(stream)
    if size == 0:
        raise EvidenceRefused("empty", _("El archivo está vacío."))
    if size > limits().per_file:
        raise EvidenceRefused("too_large", too_large_message())
    content_type = filetypes.sniff(stream)
    if not filetypes.is_accepted(content_type):
        raise EvidenceRefused("type", _(
            "Este tipo de archivo no se acepta (su contenido es %(type)s, sea cual sea su nombre). Adjunte un PDF, "
            "una imagen, un documento de Word, Excel o PowerPoint (u OpenDocument), un CSV o un texto.",
            type=content_type))
    existing = responses.response_for(invitation)
    _check_room(existing.id if existing is not None else None, size)
    sha256 = _sha256(stream)
    is_scanned = _scan(invitation, question_key, stream, sha256)
    key = new_key()
    backend = storage()
    backend.save(key, stream)
    try:
        response = responses.response_for_writing(invitation)
        # Re-checked under the lock: a colleague may have submitted or attached files meanwhile.
        _check_open(invitation, question_key)
        _check_room(response.id, size)
        item = Evidence(response_id=response.id, question_key=question_key,
                        original_name=filetypes.download_name(filename, content_type), stored_key=key,
                        size_bytes=size, content_type=content_type, sha256=sha256, is_scanned=is_scanned,
                        uploaded_by_id=invitation.id)
        db.session.add(item)
        db.session.flush()
    except BaseException:
        backend.delete(key)
        raise
    audit.record("evidence.attach", item, actor=f"official:{invitation.id}", round=invitation.round_id,
                 question=question_key, size=size, type=content_type, scanned=is_scanned)
    return item


def remove(invitation: Invitation, evidence_id: int) -> Evidence:
    """Mark one of the response's files removed (the caller deletes its bytes after the commit); flushes."""
    response = responses.response_for_writing(invitation)
    item = db.session.scalar(select(Evidence).where(Evidence.id == evidence_id, Evidence.response_id == response.id,
                                                    Evidence.removed_at.is_(None)))
    if item is None:
        raise EvidenceRefused("unknown", _("Ese documento ya no está en su respuesta."))
    _check_open(invitation, item.question_key)
    item.removed_at = utcnow()
    db.session.flush()
    audit.record("evidence.remove", item, actor=f"official:{invitation.id}", round=invitation.round_id,
                 question=item.question_key)
    return item


def delete_bytes(item: Evidence) -> None:
    """Delete a removed file's bytes from storage (after the commit that removed it)."""
    storage().delete(item.stored_key)
