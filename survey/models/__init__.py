"""All models, imported here so that metadata is complete wherever models are used."""
from survey.models.audit import AuditChain, AuditEvent
from survey.models.evidence import Evidence
from survey.models.exports import Export
from survey.models.organisations import Organisation, OrganisationName
from survey.models.outbox import OutboxMessage
from survey.models.publication import Publication
from survey.models.questionnaires import Questionnaire, QuestionnaireVersion
from survey.models.ratelimit import RateLimitHit
from survey.models.reference import Institution, Region
from survey.models.results import ResultRefresh, RoundResult
from survey.models.rounds import Answer, Invitation, Response, ResponseRevision, Round, SectionAssignment
from survey.models.users import User
from survey.models.verification import (
    PlausibilityNote,
    PlausibilityRule,
    Query,
    QueryMessage,
    Verification,
)

__all__ = [
    "Answer",
    "AuditChain",
    "AuditEvent",
    "Evidence",
    "Export",
    "Institution",
    "Invitation",
    "Organisation",
    "OrganisationName",
    "OutboxMessage",
    "PlausibilityNote",
    "PlausibilityRule",
    "Publication",
    "Query",
    "QueryMessage",
    "Questionnaire",
    "QuestionnaireVersion",
    "RateLimitHit",
    "Region",
    "Response",
    "ResponseRevision",
    "ResultRefresh",
    "Round",
    "RoundResult",
    "SectionAssignment",
    "User",
    "Verification",
]
