"""An officials list names organisations: found in the registry, registered on request, never guessed."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Institution, Invitation, Organisation, Region
from survey.services import invitations as invitation_service
from survey.services import organisations
from survey.services.official_list import OfficialRow
from survey.services.reference import match_institution
from tests.factories import login_as, make_invitation, make_round, make_staff


def region(key: str) -> Region:
    return db.session.scalar(select(Region).where(Region.key == key))


def row(number: int, *, institution: str = "", organisation: str = "", region_: str = "Puno",
        kind: str = "") -> OfficialRow:
    return OfficialRow(row=number, name=f"Persona {number}", email=f"p{number}@example.org", institution=institution,
                       region=region_, organisation=organisation, kind=kind)


@pytest.fixture
def veeduria(db_session):
    return organisations.create("Veeduría ciudadana de Puno", "watchdog", regions=[region("puno")])


def test_a_watchdog_member_is_invited_for_the_registered_organisation_as_civil_society(veeduria, request_ctx):
    round_ = make_round(status="draft")
    report = invitation_service.check_rows(round_, [row(2, organisation="veeduria ciudadana de PUNO")])
    [checked] = report.accepted
    assert checked.organisation is veeduria and checked.sector == "civil" and not report.to_create
    [invitation] = invitation_service.save(round_, report)
    assert (invitation.organisation, invitation.sector, invitation.institution) == (veeduria, "civil", None)


def test_a_type_and_region_name_one_organisation_registered_once_for_all_its_rows(request_ctx):
    round_ = make_round(status="draft")
    rows = [row(2, institution="MPFN", region_="Cusco"), row(3, institution="Ministerio Público", region_="08")]
    report = invitation_service.check_rows(round_, rows)
    assert report.is_clean and len(report.to_create) == 1
    created = invitation_service.save(round_, report)
    assert created[0].organisation is created[1].organisation
    organisation = created[0].organisation
    assert organisation.institution.code == "mpfn" and [r.key for r in organisation.regions] == ["cusco"]
    assert organisation.name.endswith("– Cusco") and {i.sector for i in created} == {"state"}
    # The next list finds it instead of registering it again.
    again = invitation_service.check_rows(round_, [row(4, institution="MPFN", region_="Cusco")])
    assert again.accepted[0].organisation is organisation and not again.to_create


def test_an_unknown_organisation_is_refused_unless_asked_to_register_it_with_its_kind(request_ctx):
    round_ = make_round(status="draft")
    unknown = [row(2, organisation="Red Kuska de Puno")]
    refused = invitation_service.check_rows(round_, unknown)
    assert [r.code for r in refused.rejected[0].reasons] == ["organisation_unknown"]
    without_kind = invitation_service.check_rows(round_, unknown, create_orgs=True)
    assert [r.code for r in without_kind.rejected[0].reasons] == ["organisation_kind_missing"]
    report = invitation_service.check_rows(round_, [row(2, organisation="Red Kuska de Puno", kind="ONG")],
                                           create_orgs=True)
    assert [planned.name for planned in report.to_create.values()] == ["Red Kuska de Puno"]
    [invitation] = invitation_service.save(round_, report)
    assert invitation.organisation.kind == "ngo" and invitation.sector == "civil"


def test_lima_alone_and_an_acronym_shared_by_two_regions_are_never_guessed(request_ctx):
    round_ = make_round(status="draft")
    mpfn = db.session.scalar(select(Institution).where(Institution.code == "mpfn"))
    cusco = organisations.create("FISTRAP Cusco", "state_national", acronym="FISTRAP", institution=mpfn,
                                 regions=[region("cusco")])
    organisations.create("FISTRAP Puno", "state_national", acronym="FISTRAP", institution=mpfn,
                         regions=[region("puno")])
    report = invitation_service.check_rows(round_, [row(2, organisation="FISTRAP", region_="Cusco"),
                                                    row(3, organisation="FISTRAP", region_="Lima"),
                                                    row(4, organisation="FISTRAP", region_="Tacna")])
    assert report.accepted[0].organisation is cusco
    reasons = {r.source.row: " ".join(str(reason.message) for reason in r.reasons) for r in report.rejected}
    assert "Lima (región) (15)" in reasons[3] and "Lima Metropolitana (1501)" in reasons[3]
    assert "puede ser más de una organización: FISTRAP Cusco (FISTRAP); FISTRAP Puno (FISTRAP)" in reasons[4]


def test_the_web_report_offers_to_register_missing_organisations_and_lists_them_before_saving(client, db_session):
    round_ = make_round(status="draft")
    login_as(client, make_staff("editor"))
    db_session.commit()
    csv_text = "nombre,correo,organización,clase,región\nRosa,rosa@kuska.org,Red Kuska de Puno,ONG,Puno\n"
    response = client.post(f"/rounds/{round_.id}/invitations/upload",
                           data={"file": (io.BytesIO(csv_text.encode()), "lista.csv")},
                           content_type="multipart/form-data")
    report = client.get(response.location).get_data(as_text=True)
    assert "Organización desconocida: «Red Kuska de Puno»" in report
    assert "Revisar de nuevo registrando las organizaciones que faltan" in report
    report = client.get(response.location + "?create_orgs=1").get_data(as_text=True)
    assert "Organizaciones que se registrarán al confirmar" in report and "Red Kuska de Puno · Puno" in report
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
    assert client.post(response.location, data={"create_orgs": "1"}).status_code == 302
    invitation = db.session.scalar(select(Invitation).where(Invitation.round_id == round_.id))
    assert invitation.organisation.name == "Red Kuska de Puno" and invitation.sector == "civil"


@pytest.fixture
def request_ctx(app, db_session):
    with app.test_request_context():
        yield


def test_a_colleague_a_link_is_forwarded_to_answers_for_the_same_organisation(client, veeduria):
    _, token = make_invitation(make_round(), region="puno", organisation=veeduria, sector="civil")
    db.session.commit()
    response = client.post(f"/r/{token}/forward", data={"name": "Rosa Huamán", "email": "rosa@veeduria.org"})
    assert response.status_code == 200
    colleague = db.session.scalar(select(Invitation).where(Invitation.email == "rosa@veeduria.org"))
    assert (colleague.organisation, colleague.sector) == (veeduria, "civil")


def test_the_mails_and_the_welcome_page_name_the_organisation_not_its_type(client, veeduria, app):
    # A watchdog member (no institution type) and a prosecutor's office of the MPFN type.
    from survey.services import mailer, outbox

    fiscalia = organisations.create("Fiscalía Provincial Especializada en Trata de Personas de Cusco",
                                    "state_regional", institution=match_institution("mpfn"), regions=[region("cusco")])
    round_ = make_round()
    civil, civil_token = make_invitation(round_, region="puno", organisation=veeduria, sector="civil")
    civil.institution = None
    state, _ = make_invitation(round_, region="cusco", organisation=fiscalia, institution="mpfn")
    db.session.commit()
    with app.test_request_context():
        for invitation, name in ((civil, "Veeduría ciudadana de Puno"), (state, fiscalia.name)):
            for kind in ("invitation", "reminder"):
                rendered = mailer.render(mailer.draft(outbox.add(invitation, kind, 1)))
                assert name in rendered.text, (kind, rendered.text)
        assert "Ministerio Público" not in mailer.render(mailer.draft(outbox.add(state, "invitation"))).text
    welcome = client.get(f"/r/{civil_token}/").get_data(as_text=True)
    assert "<dd>Veeduría ciudadana de Puno</dd>" in welcome
