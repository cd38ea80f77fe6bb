"""Support for the respondent-kind tests: the reference PNAT questionnaire with parts for one sector only.

Plain Python (no app): the questionnaire domain tests use it too.
"""
from __future__ import annotations

import json

import questionnaires


def sectored_document() -> dict:
    """The reference questionnaire with governance (budgets, plans, the office's own registry) for State
    officials only, and one prevention question (how well the population knows the risks, a watchdog's
    observation) for civil society only."""
    document = json.loads(questionnaires.reference_definition_path().read_text("utf-8"))
    sections = {section["key"]: section for section in document["sections"]}
    sections["governance"]["audience"] = "state"
    for question in sections["prevention"]["questions"]:
        if question["key"] == "population_knowledge":
            question["audience"] = "civil"
    return document


#: The governance and prevention indices of tests.respond_support.pnat_pages(), worked out by hand:
#: governance: focal unit yes 1 x 2, member yes 1 x 2, 4 sessions 0.6 x 1, plan in force 1 x 2, budget > 0 1 x 3,
#: 120000 of 150000.50 executed (0.79) 0.6 x 2, own registry 0.6 x 2, coordination all frequent 0.66 x 2
#: = 13.32 of 16.
GOVERNANCE_STATE = 100 * 13.32 / 16
#: prevention: 2 of 4 actions 0.5 x 2, 12 activities 1 x 2, 3400 reached 1 x 1, 40 trained 1 x 2, high-risk focus
#: yes 1 x 2, results measured no 0 x 1 = 8 of 10; civil society is also asked population knowledge 3 on 1..5,
#: (3 - 1) / 4 = 0.5 x 1: 8.5 of 11.
PREVENTION_STATE = 100 * 8 / 10
PREVENTION_CIVIL = 100 * 8.5 / 11
