"""Public scorecards: staff review and publish a round's figures; anyone reads them, and nobody can get
back a figure of fewer than k responses, neither from the page, the CSV, the JSON or a chart, nor by
subtracting what is shown from a total.

The round: Cusco sends 4 responses, Lima 3 and Puno 1. Puno's official is the only one who has no plan,
whose plan status is "none" and who chose action "c": numbers only Puno could produce.
"""
from __future__ import annotations

import csv
import io
import json

import pytest
from flask import g

import questionnaires
from survey.extensions import db
from survey.models import Publication
from tests.factories import (
    export_document,
    login_as,
    make_invitation,
    make_response,
    make_round,
    make_staff,
    publish_document,
)

K = 3
PLAN = {"has_plan": True, "plan_status": "approved", "actions": ["a", "b"], "staff": 7, "quality": 5,
        "grid": {"r1": "yes", "r2": "no"}, "org_name": "Oficina Cusco Centro"}
PUNO = {"has_plan": False, "plan_status": "none", "actions": ["c"], "staff": 1, "quality": 1,
        "grid": {"r1": "no", "r2": "no"}, "org_name": "Oficina Reservada del Altiplano",
        "notes": "Texto privado escrito en Puno"}
QUESTIONNAIRE = questionnaires.load(export_document())


def sign_in(client, user) -> None:
    """Log *user* in for the next requests (the test's app context outlives them)."""
    login_as(client, user)
    db.session.commit()
    g.pop("_login_user", None)
    g.pop("survey_scope", None)


@pytest.fixture
def round_(db_session):
    """The round with 4 responses from Cusco, 3 from Lima and 1 from Puno."""
    made = make_round(publish_document(export_document()), title="Ronda de incidencia 2026")
    for region, count in (("cusco", 4), ("lima", 3)):
        for i in range(count):
            invitation, _ = make_invitation(made, region=region, name=f"Persona {region} {i}")
            make_response(invitation, {**PLAN, "staff": 5 + i})
    puno, _ = make_invitation(made, region="puno", name="Luis Quispe", email="luis.quispe@puno.gob.pe")
    make_response(puno, PUNO)
    db.session.commit()
    return made


@pytest.fixture
def editor(client, db_session):
    user = make_staff("editor")
    sign_in(client, user)
    return user


def publish(client, round_id: int, **fields):
    response = client.post(f"/rounds/{round_id}/publication", data={"k": K, **fields})
    assert response.status_code == 303, response.data[:400]
    return db.session.query(Publication).filter_by(round_id=round_id, unpublished_at=None).one()


def get(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, url
    body = response.get_data()
    response.close()
    return response, body


def puno_index(axis: str) -> float:
    return questionnaires.score(QUESTIONNAIRE, PUNO)[axis]


def test_puno_cannot_be_read_from_the_json_csv_svg_or_page_nor_by_subtraction(client, round_, editor):
    publish(client, round_.id)
    _, body = get(client, f"/p/{round_.id}/data.json")
    data = json.loads(body)
    assert data["licence"]["id"] == "CC-BY-4.0" and data["k"] == K
    tables = {table["key"]: table for table in data["tables"]}
    for axis in ("gov", "prot"):
        table = tables[f"region-{axis}"]
        cells = {cell["label"]["es"]: cell for cell in table["cells"]}
        assert cells["Puno"] == {"key": cells["Puno"]["key"], "label": cells["Puno"]["label"], "suppressed": True}
        assert cells["Cusco"]["n"] == 4 and not cells["Cusco"].get("suppressed")
        # Subtraction from the national total gets Puno and Lima together, never Puno alone.
        shown = [cell for cell in table["cells"] if not cell.get("suppressed")]
        rest_n = table["total"]["n"] - sum(cell["n"] for cell in shown)
        rest_sum = table["total"]["value"] * table["total"]["n"] - sum(cell["value"] * cell["n"] for cell in shown)
        assert rest_n >= K and rest_n != 1
        assert round(rest_sum / rest_n, 1) != round(puno_index(axis), 1)
    # Option "c" was chosen by Puno only: hidden with a complement, so answered minus the rest is not 1 either.
    actions = {cell["key"]: cell for cell in tables["q-actions"]["cells"]}
    assert actions["c"].get("suppressed") and "n" not in actions["c"]
    plan = tables["q-plan_status"]
    shown = [cell for cell in plan["cells"] if not cell.get("suppressed")]
    assert plan["total"]["n"] - sum(cell["n"] for cell in shown) >= K
    assert all(cell.get("suppressed") for cell in plan["cells"] if cell["key"] == "none")

    response, body = get(client, f"/p/{round_.id}/data.csv")
    assert "CC-BY-4.0" in body.decode() and 'rel="license"' in response.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    puno_rows = [row for row in rows if row["label"] == "Puno"]
    assert puno_rows and all(row["n"] == "" and row["value"] == "" and row["suppressed"] == "1" for row in puno_rows)
    assert next(row for row in rows if row["table"] == "q-actions" and row["cell"] == "c")["n"] == ""

    for key in ("region-gov", "region-prot", "q-actions", "q-plan_status", "national"):
        response, svg = get(client, f"/p/{round_.id}/charts/{key}.svg")
        assert response.mimetype == "image/svg+xml"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        if key.startswith("region"):  # the label stays, with no bar and no number
            assert "<title>Puno: suprimido</title>" in svg.decode()

    _, page = get(client, f"/p/{round_.id}/")
    html = page.decode()
    assert "Puno" in html and "suprimido" in html
    assert "members" not in data  # what the publication counted stays in the database
    for secret in ("Luis Quispe", "luis.quispe", "Oficina Reservada", "Texto privado", "Oficina Cusco", "Persona cusco"):
        assert secret not in html and secret not in body.decode() and secret not in json.dumps(data)


def test_the_page_is_a_snapshot_until_staff_publish_again(client, round_, editor):
    first = publish(client, round_.id)
    response, before = get(client, f"/p/{round_.id}/data.json")
    etag = response.headers["ETag"]
    assert get(client, f"/p/{round_.id}/data.json", 200)[0].headers["ETag"] == etag
    cached = client.get(f"/p/{round_.id}/data.json", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.get_data() == b""
    for _ in range(3):  # later answers: three more from Puno
        invitation, _ = make_invitation(round_, region="puno")
        make_response(invitation, PUNO)
    db.session.commit()
    assert get(client, f"/p/{round_.id}/data.json")[1] == before
    second = publish(client, round_.id)
    _, after = get(client, f"/p/{round_.id}/data.json")
    table = json.loads(after)["tables"][0]
    assert table["total"]["n"] == 11  # the three later responses count now
    regions = {cell["label"]["es"]: cell for cell in table["cells"]}
    # Puno has four responses now, but the first publication showed the total (8) and Cusco (4): Lima's 3
    # shown today would give Puno's first response back by subtraction, so both stay hidden.
    assert regions["Cusco"]["n"] == 4
    assert regions["Lima (región)"] == {**regions["Lima (región)"], "suppressed": True}
    assert regions["Puno"]["suppressed"] is True and "n" not in regions["Puno"]
    db.session.refresh(first)
    assert first.unpublished_at is not None and first.snapshot == {} and second.is_live


def test_unpublishing_removes_the_page_and_every_file(client, round_, editor):
    publish(client, round_.id)
    urls = [f"/p/{round_.id}/", f"/p/{round_.id}/data.csv", f"/p/{round_.id}/data.json",
            f"/p/{round_.id}/charts/region-gov.svg"]
    for url in urls:
        get(client, url, 200)
    assert client.post(f"/rounds/{round_.id}/publication/withdraw").status_code == 303
    for url in urls:
        get(client, url, 410)
    assert db.session.query(Publication).filter_by(round_id=round_.id).one().snapshot == {}


def test_a_round_never_published_is_unknown_to_the_public(client, round_):
    for url in (f"/p/{round_.id}/", f"/p/{round_.id}/data.json", f"/p/{round_.id}/charts/national.svg"):
        get(client, url, 404)


def test_the_review_step_shows_what_is_suppressed_and_why_before_anything_is_public(client, round_, editor):
    _, body = get(client, f"/rounds/{round_.id}/publication")
    html = body.decode()
    assert "Cifras suprimidas y por qué" in html and "menos de 3 respuestas" in html and "complementaria" in html
    assert "no nombra organizaciones" in html
    get(client, f"/p/{round_.id}/", 404)
    _, body = get(client, f"/rounds/{round_.id}/publication?k=5&is_naming_organisations=y")
    assert "nombra a las organizaciones" in body.decode() and 'name="k" value="5"' in body.decode()


def test_k_is_chosen_per_round_and_kept_in_the_snapshot(client, round_, editor):
    publication = publish(client, round_.id, k=5)
    assert publication.k == 5
    data = json.loads(get(client, f"/p/{round_.id}/data.json")[1])
    lima = next(cell for cell in data["tables"][0]["cells"] if cell["label"]["es"].startswith("Lima"))
    assert data["k"] == 5 and lima.get("suppressed")


def test_an_analyst_may_not_publish(client, round_):
    sign_in(client, make_staff("analyst"))
    assert client.post(f"/rounds/{round_.id}/publication", data={"k": K}).status_code == 403


def test_the_public_page_in_english(client, round_, editor):
    publish(client, round_.id)
    _, body = get(client, f"/p/{round_.id}/?lang=en")
    assert "Public results" in body.decode() and "suppressed" in body.decode()
    _, svg = get(client, f"/p/{round_.id}/charts/region-gov.svg?lang=en")
    assert "Puno: suppressed" in svg.decode()


def test_a_scale_question_shows_a_cell_per_point_of_the_scale(client, round_, editor):
    publish(client, round_.id)
    data = json.loads(get(client, f"/p/{round_.id}/data.json")[1])
    quality = next(table for table in data["tables"] if table["key"] == "q-quality")
    assert [cell["key"] for cell in quality["cells"]] == ["1", "2", "3", "4", "5"]
    # No point is "other": a 5 is a 5 (Cusco's and Lima's seven), the empty points rest on nobody.
    assert [cell.get("n") for cell in quality["cells"]][1:4] == [0, 0, 0]


def test_public_answers_carry_no_cookie_and_lang_lasts_one_request(client, round_, editor):
    # editor: a staff member is logged in, as when staff check the page they just published.
    publish(client, round_.id)
    for url in (f"/p/{round_.id}/?lang=en", f"/p/{round_.id}/data.csv", f"/p/{round_.id}/charts/region-gov.svg?lang=en"):
        response = client.get(url)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, url
        assert "Cookie" not in response.headers.get("Vary", ""), url
        response.close()
    # ?lang=en on an embedded chart changed nothing for the next visit.
    assert '<html lang="es">' in client.get(f"/p/{round_.id}/").get_data(as_text=True)
    with client.session_transaction() as session:
        assert session.get("lang") is None


def test_a_revalidation_by_date_alone_gets_a_304(client, round_, editor):
    publish(client, round_.id)
    response, _ = get(client, f"/p/{round_.id}/data.json")
    since = response.headers["Last-Modified"]
    cached = client.get(f"/p/{round_.id}/data.json", headers={"If-Modified-Since": since})
    assert cached.status_code == 304 and cached.get_data() == b""
    older = client.get(f"/p/{round_.id}/data.json", headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    assert older.status_code == 200
    older.close()
