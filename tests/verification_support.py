"""A small world for verification tests: an organisation that answered last year's round and answers this one."""
from __future__ import annotations

import re
from datetime import timedelta

from survey.extensions import db
from survey.models._types import utcnow
from survey.services import organisations
from survey.services.reference import match_region
from tests.factories import make_invitation, make_response, make_round, publish_document


def cases_document(key: str = "casos") -> dict:
    """Cases reported and judicialized (a warning when more are judicialized), and a free-text remark."""
    return {
        "format": 1, "key": key, "title": {"es": "Casos de trata", "en": "Trafficking cases"},
        "framework": "pnat-2017-2021",
        "sections": [
            {"key": "casos", "title": {"es": "Casos", "en": "Cases"}, "axis": None, "questions": [
                {"key": "casos_reportados", "type": "integer", "min": 0,
                 "text": {"es": "Casos reportados", "en": "Cases reported"}, "required": True},
                {"key": "casos_judicializados", "type": "integer", "min": 0, "max_ref": "casos_reportados",
                 "text": {"es": "Casos judicializados", "en": "Cases brought to court"}},
                {"key": "comentario", "type": "text", "text": {"es": "Comentario", "en": "Remark"}},
            ]},
        ],
    }


def two_years(region: str = "cusco", name: str = "Fiscalía Provincial de Cusco"):
    """Last year's closed round (12 cases reported) and this year's open round; returns
    (this round, invitation, token, organisation)."""
    version = publish_document(cases_document())
    now = utcnow()
    last = make_round(version, title="Informe 2025", status="closed", opens_at=now - timedelta(days=400),
                      closes_at=now - timedelta(days=340))
    organisation = organisations.create(name, "state_regional", regions=[match_region(region)])
    before, _ = make_invitation(last, region=region, organisation=organisation, name="Funcionario 2025")
    make_response(before, {"casos_reportados": 12, "casos_judicializados": 3, "comentario": "2025"})
    this = make_round(version, title="Informe 2026")
    invitation, token = make_invitation(this, region=region, organisation=organisation, name="Funcionaria 2026")
    db.session.commit()
    return this, invitation, token, organisation


def nonce_of(client, token: str) -> str:
    """The submit nonce on the review page."""
    return re.search(r'name="nonce" value="([^"]+)"', client.get(f"/r/{token}/review").get_data(as_text=True)).group(1)
