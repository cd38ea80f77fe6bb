"""Virus scanning with a real clamd: the EICAR test file is refused with a clear message and an audit
entry, a clean ordinance goes through scanned, and a scanner that cannot be reached refuses the upload."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent
from tests.clamd_support import running_clamd
from tests.evidence_support import EICAR, evidence_document, pdf_bytes
from tests.factories import make_invitation, make_round, publish_document
from tests.test_evidence import attach, files_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clamd_socket():
    """One private clamd for the module (both databases' tests)."""
    with running_clamd() as address:
        yield address


@pytest.fixture
def scanning(app, clamd_socket, monkeypatch):
    """The app scans every upload with the private clamd."""
    monkeypatch.setitem(app.config, "SURVEY_CLAMAV_SOCKET", clamd_socket)
    return clamd_socket


@pytest.fixture
def official(db_session):
    invitation, token = make_invitation(make_round(publish_document(evidence_document())), region="cusco")
    db_session.commit()
    return invitation, token


def stored_files(app) -> set[str]:
    folder = app.config["SURVEY_EVIDENCE_DIR"]
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def test_the_eicar_file_is_refused_by_clamd_with_an_audit_entry(app, client, official, scanning):
    invitation, token = official
    before = stored_files(app)
    answer = attach(client, token, "has_plan", EICAR, "eicar.txt")
    assert answer.status_code == 303
    assert files_of(invitation) == [] and stored_files(app) == before
    page = client.get(f"/r/{token}/s/gov").get_data(as_text=True)
    assert "El archivo contiene un virus (Eicar-Test-Signature.UNOFFICIAL) y no se guardó" in page
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.infected"))
    assert entry is not None and entry.actor == f"official:{invitation.id}"
    assert entry.details["signature"] == "Eicar-Test-Signature.UNOFFICIAL"
    assert entry.details["question"] == "has_plan"


def test_a_clean_ordinance_is_scanned_and_kept(client, official, scanning):
    invitation, token = official
    attach(client, token, "has_plan", pdf_bytes(), "ordenanza.pdf")
    (ordinance,) = files_of(invitation)
    assert ordinance.is_scanned is True
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.infected")) is None


def test_a_scanner_out_of_reach_refuses_the_upload(app, client, official, tmp_path, monkeypatch):
    invitation, token = official
    monkeypatch.setitem(app.config, "SURVEY_CLAMAV_SOCKET", str(tmp_path / "no-clamd.sock"))
    before = stored_files(app)
    attach(client, token, "has_plan", pdf_bytes(), "ordenanza.pdf")
    assert files_of(invitation) == [] and stored_files(app) == before
    assert "No pudimos revisar el archivo en busca de virus" in client.get(f"/r/{token}/s/gov").get_data(as_text=True)


def test_without_a_scanner_files_are_stored_unscanned(app, client, official):
    invitation, token = official
    assert not app.config.get("SURVEY_CLAMAV_SOCKET")
    attach(client, token, "has_plan", pdf_bytes(), "ordenanza.pdf")
    (ordinance,) = files_of(invitation)
    assert ordinance.is_scanned is False
