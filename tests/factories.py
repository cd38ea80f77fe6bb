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


def login_through_form(client, email: str, password: str = PASSWORD, **environ):
    """Log in through the real login form (auth.login); returns the response."""
    return client.post("/login", data={"email": email, "password": password}, environ_base=environ)


def make_response(invitation: Invitation, answers: dict, submitted: bool = True, *, version=None,
                  submitted_at=None):
    """A response of *invitation* written directly, as the answering service stores a submission.

    Submitted: revision 1 with the same answers, per-axis scores from ``questionnaires.score``
    and the flattened Answer rows (``survey.services.submissions.answer_rows``). Answers are
    not checked, so tests can store odd text an import or an older version might hold.
    """
    from sqlalchemy import insert

    from survey.models import Answer, Response, ResponseRevision
    from survey.services.submissions import answer_rows

    version = version or invitation.round.version
    questionnaire = version.load().for_sector(invitation.sector)  # what the invitation's sector is asked
    when = submitted_at or utcnow()
    response = Response(
        invitation=invitation, round_id=invitation.round_id, version_id=version.id, answers=dict(answers),
        current_section="", revision=1 if submitted else 0, submitted_at=when if submitted else None,
        scores=questionnaires.score(questionnaire, answers) if submitted else {},
    )
    db.session.add(response)
    db.session.flush()
    if submitted:
        db.session.add(ResponseRevision(response_id=response.id, number=1, version_id=version.id,
                                        answers=dict(answers), submitted_at=when))
        rows = answer_rows(questionnaire, response, answers)
        if rows:
            db.session.execute(insert(Answer), rows)
        invitation.status = "submitted"
        invitation.submitted_at = when
    db.session.flush()
    return response


def export_document(*, extra_option: bool = False, drop: tuple[str, ...] = (), add_question: bool = False) -> dict:
    """A small two-axis questionnaire with every question type, for export tests.

    *extra_option* adds option ``other`` to ``actions``; *drop* removes question keys;
    *add_question* adds ``new_count`` (integer) to the first axis: three ways versions differ.
    """
    def t(es: str) -> dict:
        return {"es": es, "en": es + " (en)"}

    def opts(*values) -> list:
        return [{"value": v, "label": t(f"Opción {v}")} for v in values]

    gov = [
        {"key": "has_plan", "type": "yes_no", "text": t("¿Tiene plan?"), "score": {"weight": 2, "method": "boolean"}},
        {"key": "plan_status", "type": "single_choice", "text": t("Estado del plan"),
         "options": opts("approved", "draft", "none"),
         "score": {"weight": 1, "method": "option_points", "points": {"approved": 1, "draft": 0.5, "none": 0}}},
        {"key": "actions", "type": "multiple_choice", "text": t("Acciones"),
         "options": opts("a", "b", "c", *(("other",) if extra_option else ())),
         "score": {"weight": 1, "method": "count_selected", "cap": 2}},
        {"key": "budget", "type": "currency", "text": t("Presupuesto"), "min": 0},
        {"key": "staff", "type": "integer", "text": t("Personal"), "min": 0,
         "score": {"weight": 1, "method": "threshold", "thresholds": [{"gte": 5, "points": 1}]}},
        {"key": "plan_date", "type": "date", "text": t("Fecha del plan")},
    ]
    if add_question:
        gov.append({"key": "new_count", "type": "integer", "text": t("Nuevo conteo"), "min": 0})
    prot = [
        {"key": "grid", "type": "matrix", "text": t("Coordinación"), "cell_type": "single_choice",
         "rows": opts("r1", "r2"), "options": opts("yes", "no"),
         "score": {"weight": 1, "method": "matrix_mean", "column_points": {"yes": 1, "no": 0}}},
        {"key": "victims", "type": "matrix", "text": t("Víctimas"), "cell_type": "integer",
         "rows": opts("f", "m"), "columns": opts("adult", "minor")},
        {"key": "quality", "type": "likert", "text": t("Calidad"), "min": 1, "max": 5,
         "score": {"weight": 1, "method": "linear"}},
        {"key": "notes", "type": "long_text", "text": t("Notas"), "show_if": {"question": "has_plan", "equals": True}},
    ]
    sections = [
        {"key": "profile", "title": t("Perfil"), "axis": None,
         "questions": [{"key": "org_name", "type": "text", "text": t("Nombre de la oficina")}]},
        {"key": "gov", "title": t("Gobernanza"), "axis": "gov", "questions": gov},
        {"key": "prot", "title": t("Protección"), "axis": "prot", "questions": prot},
    ]
    for section in sections:
        section["questions"] = [q for q in section["questions"] if q["key"] not in drop]
    return {
        "format": 1, "key": "export-test", "title": t("Cuestionario de prueba"),
        "framework": {"key": "test-fw", "name": t("Marco"),
                      "axes": [{"key": "gov", "name": t("Gobernanza")}, {"key": "prot", "name": t("Protección")}]},
        "sections": sections,
    }


def builder_document(key: str = "demo") -> dict:
    """A small valid definition for builder tests: a yes/no question, a show-if on it, a scored section."""
    return {
        "format": 1, "key": key, "title": {"es": "Cuestionario de prueba", "en": "Test questionnaire"},
        "framework": "pnat-2017-2021",
        "sections": [
            {"key": "perfil", "title": {"es": "Perfil", "en": "Profile"}, "axis": None, "questions": [
                {"key": "tiene_oficina", "type": "yes_no", "text": {"es": "¿Tiene oficina?", "en": "Office?"},
                 "required": True},
                {"key": "oficina_nombre", "type": "text", "text": {"es": "Nombre de la oficina", "en": "Office name"},
                 "show_if": {"question": "tiene_oficina", "equals": True}},
            ]},
            {"key": "prevencion", "title": {"es": "Prevención", "en": "Prevention"}, "axis": "prevention",
             "questions": [
                 {"key": "campanas", "type": "integer", "text": {"es": "Número de campañas", "en": "Campaigns"},
                  "min": 0, "score": {"weight": 1, "method": "threshold", "thresholds": [{"gte": 1, "points": 1}]}},
             ]},
        ],
    }


def make_draft(document: dict | None = None):
    """Import *document* (default: builder_document()) as a draft; return the draft version."""
    return qs.import_document(document or builder_document())


def use_fast_password_hashing(monkeypatch):
    """Hash with OWASP's Argon2id minimum (m=19 MiB, t=2, p=1) instead of argon2-cffi's dearer
    defaults, so tests that log in many times stay fast; returns the production hasher."""
    from argon2 import PasswordHasher

    from survey.auth import passwords

    original = passwords._hasher
    cheaper = PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheaper)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheaper.hash("not a real password, only for timing"))
    return original


def make_staff(role: str = "editor", email: str | None = None) -> User:
    """A staff account with no usable password, for tests that log in with login_as (skips the slow hash)."""
    user = User(email=email or f"staff{next(_seq)}@example.org", role=role, name=f"{role} tester",
                password_hash="!no-password")
    db.session.add(user)
    db.session.flush()
    return user
