"""Public scorecards read together: an adversary who combines tables of one publication (a region and the
organisations named in it) or two publications of one round (before and after a late response) must not
get back a figure of fewer than k responses.

The round: Zeta (3 responses) and Beta (1, the secret) in Cusco; Alfa in Lima and Delta in Puno with 3
each; all of one institution type.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

import questionnaires
from survey.extensions import db
from survey.models import Invitation, Organisation, Response
from survey.services import organisations
from survey.services.reference import match_institution, match_region
from survey.verification import answering, decisions
from tests.factories import export_document, make_invitation, make_response, make_round, make_staff, publish_document
from tests.test_publication import PLAN, PUNO, get, publish, sign_in

K = 3
SECRET = PUNO
AXES = [axis.key for axis in questionnaires.load(export_document()).framework.axes]


@pytest.fixture
def round_(db_session):
    """The round of the module docstring; returns (round, {organisation name: region name})."""
    made = make_round(publish_document(export_document()), title="Ronda cruzada")
    kind = match_institution("mininter")
    where = {"Zeta Cusco": "cusco", "Beta Cusco": "cusco", "Alfa Lima": "lima", "Delta Puno": "puno"}
    made_orgs = {name: organisations.create(name, "state_regional", institution=kind, regions=[match_region(region)])
                 for name, region in where.items()}
    for name, count in (("Zeta Cusco", 3), ("Alfa Lima", 3), ("Delta Puno", 3)):
        for i in range(count):
            invitation, _ = make_invitation(made, region=where[name], organisation_id=made_orgs[name].id)
            make_response(invitation, {**PLAN, "staff": 5 + i})
    invitation, _ = make_invitation(made, region="cusco", organisation_id=made_orgs["Beta Cusco"].id)
    make_response(invitation, SECRET)
    db.session.commit()
    return made, {name: match_region(region).name("es") for name, region in where.items()}


def varied(i: int) -> dict:
    """Answers that differ with *i* (and score on every axis)."""
    return {"has_plan": i % 2 == 0, "plan_status": ["approved", "draft", "none"][i % 3],
            "actions": ["a", "b", "c"][: i % 4], "staff": i % 10, "quality": 1 + i % 5,
            "grid": {"r1": "yes" if i % 3 else "no", "r2": "no"}}


def tables_of(client, round_id: int) -> dict[str, dict]:
    """The public JSON's tables by key (with the national one)."""
    data = json.loads(get(client, f"/p/{round_id}/data.json")[1])
    return {"national": data["national"], **{table["key"]: table for table in data["tables"]}}


def shown(cell: dict) -> bool:
    return not cell.get("suppressed")


def test_a_region_minus_the_organisations_named_in_it_never_leaves_a_small_figure(client, round_):
    made, region_of = round_
    sign_in(client, make_staff("editor"))
    publish(client, made.id, is_naming_organisations="y")
    tables = tables_of(client, made.id)
    for axis in AXES:
        regions = {cell["label"]["es"]: cell for cell in tables[f"region-{axis}"]["cells"]}
        named = {cell["label"]["es"]: cell for cell in tables[f"org-{axis}"]["cells"]}
        assert not shown(named["Beta Cusco"])
        for region, cell in regions.items():
            if not shown(cell):
                continue
            inside = [named[name] for name, where in region_of.items() if where == region]
            rest = cell["n"] - sum(org["n"] for org in inside if shown(org))
            assert rest == 0 or rest >= K, f"{axis}: {region} minus its named organisations rests on {rest}"
    # Without names the regions alone are safe: Cusco (4) is shown.
    publish(client, made.id)
    regions = {cell["label"]["es"]: cell for cell in tables_of(client, made.id)[f"region-{AXES[0]}"]["cells"]}
    assert regions["Cusco"]["n"] == 4


def subtractions(before: dict, after: dict) -> list[str]:
    """What subtracting two publications' figures gives back: a cell shown in both that moved by fewer
    than k responses, or whose responses stayed and whose value moved (a corrected answer)."""
    found = []
    for key, table in after.items():
        old = {cell["key"]: cell for cell in [*before.get(key, {}).get("cells", []),
                                              *([before[key]["total"]] if "total" in before.get(key, {}) else [])]}
        for cell in [*table["cells"], *([table["total"]] if "total" in table else [])]:
            earlier = old.get(cell["key"])
            if not (shown(cell) and earlier is not None and shown(earlier)):
                continue
            change = cell["n"] - earlier["n"]
            # An index over the same responses that moved: a corrected score (a share of a choice table moves
            # with its total, which is not a leak by itself).
            is_moved = change == 0 and table.get("kind") != "choice" and cell["value"] != earlier["value"]
            if 0 < abs(change) < K or is_moved:
                found.append(f"{key}/{cell['key']}: {change:+d} responses, {earlier['value']} -> {cell['value']}")
    return found


def test_publishing_again_after_one_late_response_does_not_give_it_away(client, round_):
    made, _ = round_
    sign_in(client, make_staff("editor"))
    publish(client, made.id)
    before = tables_of(client, made.id)
    invitation, _ = make_invitation(made, region="lima")
    make_response(invitation, SECRET)
    db.session.commit()
    publish(client, made.id)
    after = tables_of(client, made.id)
    assert not subtractions(before, after)
    # The page still says what it can: the figures that did not move are shown.
    assert shown({cell["label"]["es"]: cell for cell in after[f"region-{AXES[0]}"]["cells"]}["Puno"])


def test_two_late_responses_in_two_regions_do_not_give_each_other_away(client, round_):
    # Two responses together are fewer than k: either respondent, knowing their own, would read the other's.
    made, _ = round_
    sign_in(client, make_staff("editor"))
    publish(client, made.id)
    before = tables_of(client, made.id)
    for region in ("lima", "puno"):
        invitation, _ = make_invitation(made, region=region)
        make_response(invitation, SECRET)
    db.session.commit()
    publish(client, made.id)
    assert not subtractions(before, tables_of(client, made.id))


def test_merging_two_organisations_between_publications_gives_neither_away(client, db_session):
    # Zeta (3) and Beta (1, the secret) in Cusco, two offices of 3 in Lima, two of 1 in Puno: the first
    # publication names Zeta. Merged, Zeta counts Beta's response: Zeta now minus Zeta then would be Beta.
    made = make_round(publish_document(export_document()), title="Ronda con fusión")
    kind = match_institution("mininter")
    offices = {}
    for name, region, count in (("Zeta Cusco", "cusco", 3), ("Beta Cusco", "cusco", 1), ("Alfa Lima", "lima", 3),
                                ("Gamma Lima", "lima", 3), ("Delta Puno", "puno", 1), ("Epsilon Puno", "puno", 1)):
        offices[name] = organisations.create(name, "state_regional", institution=kind, regions=[match_region(region)])
        for i in range(count):
            invitation, _ = make_invitation(made, region=region, organisation_id=offices[name].id)
            make_response(invitation, SECRET if name == "Beta Cusco" else {**PLAN, "staff": 5 + i})
    db.session.commit()
    sign_in(client, make_staff("editor"))
    publish(client, made.id, is_naming_organisations="y")
    before = tables_of(client, made.id)
    assert shown({c["label"]["es"]: c for c in before[f"org-{AXES[0]}"]["cells"]}["Zeta Cusco"])
    organisations.merge(offices["Zeta Cusco"], offices["Beta Cusco"])
    db.session.commit()
    publish(client, made.id, is_naming_organisations="y")
    assert not subtractions(before, tables_of(client, made.id))


@pytest.mark.parametrize("k", [3, 2])
def test_an_answer_corrected_after_a_query_between_publications_is_not_given_away(client, round_, k):
    # With k = 2 too: the earlier and the corrected score are two unknowns but one respondent.
    made, _ = round_
    sign_in(client, make_staff("editor"))
    publish(client, made.id, k=k)
    before = tables_of(client, made.id)
    response = db.session.scalar(select(Response).join(Invitation).where(Invitation.organisation_id == db.session.scalar(
        select(Organisation.id).where(Organisation.name == "Beta Cusco"))))
    query = decisions.ask(response, "has_plan", "¿Tienen plan aprobado?", user=make_staff("editor"))
    answering.reply(response.invitation, query, {"has_plan": ["true"], "plan_status": ["approved"]}, "Sí, aprobado.")
    db.session.commit()
    publish(client, made.id, k=k)
    assert not subtractions(before, tables_of(client, made.id))


def test_naming_organisations_then_not_still_counts_what_was_named(client, db_session):
    # Zeta (3) and Xeno (1, the secret) in Cusco, an office of 6 in Lima, one of 1 in Tacna and Moquegua.
    # Named first: Zeta shown, Cusco hidden. Then three unnamed Cusco responses and a publication without
    # names, Cusco shown: Cusco now, minus the national growth, minus Zeta then, would be Xeno.
    made = make_round(publish_document(export_document()), title="Ronda nombrada y luego no")
    kind = match_institution("mininter")
    for name, region, count in (("Zeta Cusco", "cusco", 3), ("Xeno Cusco", "cusco", 1), ("Oficina Lima", "lima", 6),
                                ("Tau Tacna", "tacna", 1), ("Mu Moquegua", "moquegua", 1)):
        office = organisations.create(name, "state_regional", institution=kind, regions=[match_region(region)])
        for i in range(count):
            invitation, _ = make_invitation(made, region=region, organisation_id=office.id)
            make_response(invitation, varied(len(office.name) + i))
    db.session.commit()
    sign_in(client, make_staff("editor"))
    publish(client, made.id, is_naming_organisations="y")
    before = tables_of(client, made.id)
    for i in range(3):
        invitation, _ = make_invitation(made, region="cusco")
        make_response(invitation, varied(30 + i))
    db.session.commit()
    publish(client, made.id)
    after = tables_of(client, made.id)
    for axis in AXES:
        zeta = {c["label"]["es"]: c for c in before[f"org-{axis}"]["cells"]}["Zeta Cusco"]
        cusco = {c["label"]["es"]: c for c in after[f"region-{axis}"]["cells"]}["Cusco"]
        then, now = (next(c for c in tables["national"]["cells"] if c["key"] == axis) for tables in (before, after))
        assert not all(shown(cell) for cell in (zeta, cusco, then, now)), (
            f"{axis}: Xeno = Cusco now - national growth - Zeta then")


def test_the_review_step_says_why_a_figure_is_hidden_across_tables(client, round_):
    made, _ = round_
    sign_in(client, make_staff("editor"))
    page = client.get(f"/rounds/{made.id}/publication?k=3&is_naming_organisations=y").get_data(as_text=True)
    assert "cruzada: con otras tablas o con una publicación anterior" in page
    # The table scrolls sideways on a phone: a focusable, named region, so keyboards can scroll it (axe-core).
    assert '<div class="table-wrap" tabindex="0" role="region" aria-labelledby="suppressed"><table>' in page
