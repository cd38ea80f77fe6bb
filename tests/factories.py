"""Plain factory functions for tests: each builds one thing and flushes it."""
from __future__ import annotations

import itertools
import json
from datetime import timedelta

import questionnaires
from survey.extensions import db
from survey.models import Invitation, Round, User
from survey.models._types import utcnow
from survey.services import questionnaires as qs
from survey.services import users as user_service
from survey.services.reference import match_institution, match_region

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


def reference_document() -> dict:
    """The shipped PNAT questionnaire document."""
    return json.loads(questionnaires.reference_definition_path().read_text("utf-8"))


def make_user(role: str = "admin", email: str | None = None, password: str = PASSWORD) -> User:
    """A staff account with a known password."""
    return user_service.create(email or f"user{next(_seq)}@example.org", password, role, name=f"{role} tester")


def login_as(client, user: User) -> None:
    """Put *user* in the test client's session without going through the login form."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def publish_document(document: dict | None = None):
    """Import and publish a definition (default: the reference one); return the version."""
    version = qs.import_document(document or reference_document())
    return qs.publish(version.questionnaire)


def make_round(version=None, *, status: str = "open", days: int = 30, **fields) -> Round:
    """A round on a published version (default: the reference questionnaire)."""
    version = version or publish_document()
    now = utcnow()
    round_ = Round(
        title=fields.pop("title", f"Ronda {next(_seq)}"),
        questionnaire=version.questionnaire,
        version=version,
        opens_at=fields.pop("opens_at", now - timedelta(days=1)),
        closes_at=fields.pop("closes_at", now + timedelta(days=days)),
        status=status,
        **fields,
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def make_invitation(round_: Round, *, email: str | None = None, institution: str = "mininter",
                    region: str = "cusco", **fields) -> tuple[Invitation, str]:
    """An invitation with a fresh token; returns (invitation, token)."""
    from survey import tokens

    invitation = Invitation(
        round=round_,
        name=fields.pop("name", "Funcionaria de prueba"),
        email=email or f"official{next(_seq)}@example.gob.pe",
        institution=match_institution(institution),
        region=match_region(region),
        token_nonce="",
        token_hash=tokens.placeholder_hash(),
        **fields,
    )
    db.session.add(invitation)
    db.session.flush()
    token = tokens.issue(invitation)
    db.session.flush()
    return invitation, token
