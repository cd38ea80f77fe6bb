"""The registry of organisations: State bodies and citizen watchdogs, renamed, merged, imported from a file."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditEvent, Institution, Invitation, Organisation, Region
from survey.services import organisation_import, organisations
from survey.services.official_list import ListError
from survey.services.reference import region_candidates
from tests.factories import make_invitation, make_round

HEADER = "nombre,sigla,clase,tipo,regiones,ruc\n"


def region(key: str) -> Region:
    return db.session.scalar(select(Region).where(Region.key == key))


def institution(code: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == code))


def count_organisations() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def test_lima_alone_means_two_places_and_a_ubigeo_or_full_name_means_one(db_session):
    assert [r.key for r in region_candidates("Lima")] == ["lima", "lima_metropolitana"]
    assert [r.key for r in region_candidates("lima metropolitana")] == ["lima_metropolitana"]
    assert [r.key for r in region_candidates("15")] == ["lima"]
    assert [r.key for r in region_candidates("CUSCO")] == ["cusco"]
    assert region_candidates("Narnia") == []


def test_a_state_body_and_a_watchdog_are_registered_with_type_regions_and_sector(db_session):
    fiscalia = organisations.create("Fiscalía Provincial Especializada en Delitos de Trata de Personas de Cusco",
                                    "state_national", acronym="FISTRAP Cusco", institution=institution("mpfn"),
                                    regions=[region("cusco")], ruc="20131370301")
    veeduria = organisations.create("Veeduría ciudadana de Puno", "watchdog", regions=[region("puno")])
    assert (fiscalia.sector, veeduria.sector) == ("state", "civil")
    assert fiscalia.institution.acronym == "MPFN" and [r.key for r in veeduria.regions] == ["puno"]
    with pytest.raises(organisations.OrganisationError, match="Ya existe"):
        organisations.create("VEEDURIA  ciudadana de puno", "watchdog")


def test_a_renamed_organisation_is_still_found_by_its_old_name(db_session):
    gore = organisations.create("Gobierno Regional del Cusco", "state_regional", institution=institution("gore"),
                                regions=[region("cusco")])
    organisations.rename(gore, "Gobierno Regional de Cusco")
    assert organisations.match("gobierno regional del cusco").organisation is gore
    found = db.session.scalars(organisations.search("regional del cusco")).all()
    assert found == [gore]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.rename")).details == {
        "before": "Gobierno Regional del Cusco", "after": "Gobierno Regional de Cusco"}


def test_a_type_and_a_region_find_the_organisation_of_that_type_there(db_session):
    cusco = organisations.create("Gobierno Regional de Cusco", "state_regional", institution=institution("gore"),
                                 regions=[region("cusco")])
    organisations.create("Gobierno Regional de Puno", "state_regional", institution=institution("gore"),
                         regions=[region("puno")])
    assert organisations.match("GORE", region("cusco")).organisation is cusco
    both = organisations.match("GORE")
    assert both.organisation is None and len(both.candidates) == 2


def test_merging_moves_invitations_and_names_in_one_step_and_deactivates_the_duplicate(db_session):
    kept = organisations.create("Municipalidad Provincial del Cusco", "state_local", regions=[region("cusco")])
    duplicate = organisations.create("Muni. Prov. Cusco", "state_local", acronym="MPC")
    invitation, _ = make_invitation(make_round())
    invitation.organisation = duplicate
    db.session.flush()
    organisations.merge(kept, duplicate)
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).organisation_id == kept.id
    assert not duplicate.is_active and duplicate.merged_into_id == kept.id
    assert organisations.match("Muni. Prov. Cusco").organisation == kept and kept.acronym == "MPC"
    with pytest.raises(organisations.OrganisationError):
        organisations.set_active(duplicate, True)


def test_an_organisation_with_invitations_is_deactivated_not_deleted(db_session):
    used = organisations.create("Prefectura de Tacna", "state_regional")
    unused = organisations.create("Prefectura de Tumbes", "state_regional")
    invitation, _ = make_invitation(make_round())
    invitation.organisation = used
    db.session.flush()
    with pytest.raises(organisations.OrganisationError, match="desactívela"):
        organisations.delete(used)
    organisations.delete(unused)
    organisations.set_active(used, False)
    assert organisations.match("Prefectura de Tacna").organisation is None


def test_a_file_with_a_duplicate_an_unknown_region_and_type_and_an_ambiguous_name_saves_nothing(db_session):
    organisations.create("Defensoría del Pueblo - Oficina Defensorial de Puno", "state_national")
    content = HEADER + (
        "Veeduría ciudadana de Puno,,veeduría,,Puno,\n"                          # row 2: fine
        "Fiscalía Especializada de Cusco,FISTRAP,,MPFN,Cusco,20131370301\n"     # row 3: fine, kind from type
        "Veeduria Ciudadana de PUNO,,veeduría,,21,\n"                           # row 4: duplicate of row 2
        "Red regional de Narnia,,otra,,Narnia,\n"                               # row 5: unknown region
        "Oficina de la Magia,,,Ministerio de la Magia,Cusco,\n"                 # row 6: unknown type
        "Mesa regional de Lima,,estatal regional,GORE,Lima,\n"                  # row 7: Lima is two places
        "Defensoría del Pueblo - Oficina Defensorial de Puno,DP,,DP,Puno,\n"    # row 8: already registered
        "ONG Capital Humano,,ong,,Lima Metropolitana,20131370301\n"             # row 9: a RUC for an NGO
    )
    report = organisation_import.check("orgs.csv", content.encode())
    rejected = {row.row: " ".join(row.problems) for row in report.rejected}
    assert [row.row for row in report.accepted] == [2, 3]
    assert report.accepted[1].kind == "state_national" and report.accepted[1].institution.code == "mpfn"
    assert "Repetida: la fila 2" in rejected[4]
    assert "Región desconocida: «Narnia»" in rejected[5]
    assert "Tipo de institución desconocido: «Ministerio de la Magia»" in rejected[6]
    assert "Lima (región) (15)" in rejected[7] and "Lima Metropolitana (1501)" in rejected[7]
    assert "Ya está registrada" in rejected[8]
    assert "Solo las entidades del Estado" in rejected[9]
    before = count_organisations()
    with pytest.raises(ListError):
        organisation_import.save(report)
    assert count_organisations() == before


def test_a_clean_file_is_saved_whole_with_one_audit_entry(db_session):
    content = HEADER + "Veeduría ciudadana de Puno,,veeduría,,Puno,\nGobierno Regional de Loreto,GOREL,,gore,16,\n"
    report = organisation_import.check("orgs.csv", content.encode())
    created = organisation_import.save(report, source="orgs.csv")
    assert [(o.name, o.kind, [r.ubigeo for r in o.regions]) for o in created] == [
        ("Veeduría ciudadana de Puno", "watchdog", ["21"]), ("Gobierno Regional de Loreto", "state_regional", ["16"])]
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("organisation.%"))).all()
    assert [(a.action, a.details["count"]) for a in audit] == [("organisation.import", 2)]


def test_the_shell_imports_and_lists_and_reports_every_bad_row(runner, tmp_path):
    good = tmp_path / "orgs.csv"
    good.write_text(HEADER + "Veeduría ciudadana de Puno,,veeduría,,Puno,\n", encoding="utf-8")
    bad = tmp_path / "malo.csv"
    bad.write_text(HEADER + "Algo,,veeduría,,Lima,\nOtra,,,Magia,Cusco,\n", encoding="utf-8")
    result = runner.invoke(args=["org", "import", str(bad)])
    assert result.exit_code == 1
    assert "fila 2: «Lima» puede ser más de una región" in result.output and "fila 3:" in result.output
    assert "nothing was saved" in result.output
    assert runner.invoke(args=["org", "import", "--dry-run", str(good)]).exit_code == 0
    assert count_organisations() == 0
    result = runner.invoke(args=["org", "import", str(good)])
    assert result.exit_code == 0 and "1 organisations registered" in result.output
    listed = runner.invoke(args=["org", "list", "--region", "21"])
    assert "watchdog\t-\t21\tVeeduría ciudadana de Puno" in listed.output


def test_a_file_that_is_not_a_list_is_refused(db_session):
    with pytest.raises(ListError):
        organisation_import.check("orgs.csv", b"sigla,ruc\nX,1\n")


def test_merging_moves_an_institutional_response_but_never_fuses_two_of_one_round(db_session):
    from tests.factories import make_response

    kept = organisations.create("Gobierno Regional de Cusco", "state_regional", regions=[region("cusco")])
    duplicate = organisations.create("GORE Cusco", "state_regional")
    round_ = make_round(is_per_organisation=True)
    invitation, _ = make_invitation(round_, organisation=duplicate, is_focal_point=True)
    response = make_response(invitation, {}, submitted=False)
    response.organisation_id = duplicate.id
    db.session.flush()
    organisations.merge(kept, duplicate)
    db.session.expire_all()
    assert response.organisation_id == kept.id and invitation.organisation_id == kept.id

    other = organisations.create("Gobierno Regional del Cusco (copia)", "state_regional")
    colleague, _ = make_invitation(round_, organisation=other, email="otra@gore.gob.pe")
    second = make_response(colleague, {}, submitted=False)
    second.organisation_id = other.id
    db.session.flush()
    with pytest.raises(organisations.OrganisationError, match="su propia respuesta institucional"):
        organisations.merge(kept, other)


def test_a_name_typed_with_another_dash_is_the_same_organisation(db_session):
    # Word writes an en dash where people type a hyphen; both are one Defensoría office.
    organisations.create("Defensoría del Pueblo – Oficina Cusco", "state_national")
    content = HEADER + (
        "Defensoria del Pueblo - Oficina Cusco,,estatal nacional,,Cusco,\n"   # row 2: registered, en dash
        "Red “Kuska” de Puno,,veeduría,,Puno,\n"                              # row 3: fine
        "Red \"Kuska\" de Puno,,veeduría,,Puno,\n"                            # row 4: row 3 with straight quotes
    )
    report = organisation_import.check("orgs.csv", content.encode())
    rejected = {row.row: " ".join(row.problems) for row in report.rejected}
    assert "Ya está registrada" in rejected[2] and "Repetida: la fila 3" in rejected[4]
    assert [row.row for row in report.accepted] == [3]
    with pytest.raises(organisations.OrganisationError):
        organisations.create("Defensoría del Pueblo-Oficina Cusco", "state_national")
