"""A per-organisation round with two officials of the Regional Government of Cusco, for the institutional tests."""
from __future__ import annotations

import re
from dataclasses import dataclass

from survey.models import Invitation, Organisation, Round
from survey.services import organisations
from survey.services.reference import match_region
from tests.factories import make_invitation, make_round


@dataclass
class Team:
    """A round collecting one response per organisation, and two officials of one organisation."""

    round: Round
    organisation: Organisation
    ana: Invitation
    ana_token: str
    luis: Invitation
    luis_token: str


def cusco_team(**round_fields) -> Team:
    """Ana Quispe (invited first: the focal point by default) and Luis Mamani, of the GORE Cusco."""
    round_ = make_round(title="Informe Alternativo 2026", is_per_organisation=True, **round_fields)
    gore = organisations.create("Gobierno Regional de Cusco", "state_regional", acronym="GORE Cusco",
                                regions=[match_region("cusco")])
    ana, ana_token = make_invitation(round_, name="Ana Quispe", organisation=gore, institution="gore")
    luis, luis_token = make_invitation(round_, name="Luis Mamani", organisation=gore, institution="gore")
    return Team(round_, gore, ana, ana_token, luis, luis_token)


def seen_of(page: str) -> str:
    """The ``_seen`` field of a section page (what each answer was when it was shown)."""
    found = re.search(r'name="_seen" value="([^"]*)"', page)
    assert found, "the page of a shared response carries _seen"
    return found.group(1).replace("&#34;", '"').replace("&quot;", '"')
