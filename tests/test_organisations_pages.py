"""The organisations pages: an editor registers, renames, merges, deactivates and imports; an analyst reads."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Organisation, Region
from survey.services import organisations
from tests.factories import login_as, make_staff


def region_id(key: str) -> int:
    return db.session.scalar(select(Region.id).where(Region.key == key))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def test_an_editor_registers_renames_and_finds_an_organisation_by_its_old_name(client, db_session):
    login_as(client, make_staff("editor"))
    db_session.commit()
    response = client.post("/organisations/new", data={
        "name": "Veeduría ciudadana de Puno", "kind": "watchdog", "institution": "0",
        "regions": [str(region_id("puno"))], "ruc": ""})
    assert response.status_code == 302
    veeduria = db.session.scalar(select(Organisation))
    assert veeduria.sector == "civil" and [r.key for r in veeduria.regions] == ["puno"]
    response = client.post(f"/organisations/{veeduria.id}", data={
        "name": "Veeduría Mirada Ciudadana de Puno", "kind": "watchdog", "institution": "0",
        "regions": [str(region_id("puno"))]})
    assert response.status_code == 302
    page = client.get("/organisations/?q=veeduria ciudadana de puno").get_data(as_text=True)
    assert "Veeduría Mirada Ciudadana de Puno" in page and "1 organización." in page
    assert "También conocida como: Veeduría ciudadana de Puno" in client.get(
        f"/organisations/{veeduria.id}").get_data(as_text=True)


def test_a_duplicate_name_and_a_ruc_for_a_watchdog_are_refused_with_the_form_kept(client, db_session):
    login_as(client, make_staff("editor"))
    organisations.create("Gobierno Regional de Cusco", "state_regional")
    db_session.commit()
    response = client.post("/organisations/new", data={"name": "gobierno regional de CUSCO", "kind": "state_regional",
                                                       "institution": "0"})
    assert response.status_code == 422 and "Ya existe una organización activa" in response.get_data(as_text=True)
    response = client.post("/organisations/new", data={"name": "Veeduría de Tacna", "kind": "watchdog",
                                                       "institution": "0", "ruc": "20131370301"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Solo las entidades del Estado" in page
    # The message sits under the RUC, where the mistake is, not under the name.
    assert '<a href="#ruc">RUC (solo entidades del Estado): Solo las entidades del Estado' in page
    assert count() == 1


def test_merging_from_the_page_keeps_one_and_deactivates_the_other(client, db_session):
    login_as(client, make_staff("editor"))
    kept = organisations.create("Municipalidad Provincial del Cusco", "state_local")
    duplicate = organisations.create("Muni Cusco", "state_local")
    db_session.commit()
    page = client.get(f"/organisations/{duplicate.id}").get_data(as_text=True)
    assert "Fusionar un duplicado" in page and "Municipalidad Provincial del Cusco" in page
    response = client.post(f"/organisations/{duplicate.id}/merge", data={"into": str(kept.id)})
    assert response.status_code == 302 and response.location.endswith(f"/organisations/{kept.id}")
    db.session.expire_all()
    assert not db.session.get(Organisation, duplicate.id).is_active
    assert "Muni Cusco" in client.get(f"/organisations/{kept.id}").get_data(as_text=True)


def test_deactivating_and_deleting(client, db_session):
    login_as(client, make_staff("editor"))
    organisation = organisations.create("Red regional de Tumbes", "state_regional")
    db_session.commit()
    assert client.post(f"/organisations/{organisation.id}/active").status_code == 302
    assert not db.session.get(Organisation, organisation.id).is_active
    assert "Red regional de Tumbes" not in client.get("/organisations/").get_data(as_text=True)
    assert "Red regional de Tumbes" in client.get("/organisations/?inactive=1").get_data(as_text=True)
    assert client.post(f"/organisations/{organisation.id}/delete").status_code == 302
    assert count() == 0


def test_an_import_with_bad_rows_names_them_and_saves_nothing_and_a_clean_one_saves_all(client, db_session):
    login_as(client, make_staff("editor"))
    db_session.commit()
    bad = "nombre,clase,regiones\nVeeduría de Puno,veeduría,Puno\nRed de Lima,otra,Lima\n".encode()
    response = client.post("/organisations/import", data={"file": (io.BytesIO(bad), "orgs.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "1 fila aceptada, 1 rechazada." in page and "No se guardó nada." in page
    assert "«Lima» puede ser más de una región" in page and count() == 0
    good = "nombre,clase,regiones\nVeeduría de Puno,veeduría,Puno\nRed de Lima,otra,1501\n".encode()
    response = client.post("/organisations/import", data={"file": (io.BytesIO(good), "orgs.csv"), "is_dry_run": "y"},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "todo está en orden" in response.get_data(as_text=True) and count() == 0
    response = client.post("/organisations/import", data={"file": (io.BytesIO(good), "orgs.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and count() == 2


def test_an_analyst_reads_the_registry_but_cannot_change_it(client, db_session):
    login_as(client, make_staff("analyst"))
    organisation = organisations.create("Defensoría del Pueblo", "state_national")
    db_session.commit()
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "Defensoría del Pueblo" in page and "Guardar cambios" not in page
    assert client.post(f"/organisations/{organisation.id}", data={"name": "X", "kind": "ngo"}).status_code == 403
    assert client.post("/organisations/import").status_code == 403
    assert client.get("/organisations/999999").status_code == 404
