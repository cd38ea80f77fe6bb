"""Personal links: bad and revoked tokens, guessing limits, headers, CSRF without lost answers,
autosave, declining and forwarding."""
from __future__ import annotations

import logging
import re
import secrets
from types import SimpleNamespace

import pytest

from survey import tokens
from survey.extensions import db, limiter
from survey.models import AuditEvent, Invitation
from survey.services import invitations as invitation_service
from tests.factories import make_invitation, make_round
from tests.respond_support import pnat_pages, use_memory_broker


@pytest.fixture(autouse=True)
def _isolated(app):
    use_memory_broker(app)
    limiter.reset()


@pytest.fixture
def link(db_session):
    invitation, token = make_invitation(make_round())
    db_session.commit()
    return invitation, token


def main_of(response) -> str:
    return re.search(r"<main.*</main>", response.get_data(as_text=True), re.S).group(0)


def test_unknown_and_revoked_links_get_the_same_page(client, link):
    invitation, token = link
    unknown = client.get(f"/r/{secrets.token_urlsafe(32)}/")
    with client.application.test_request_context():
        invitation_service.reissue(invitation)
    db.session.commit()
    replaced = client.get(f"/r/{token}/s/profile")
    new_token = tokens.token_for(invitation)
    invitation_service.revoke(invitation)
    db.session.commit()
    revoked = client.get(f"/r/{new_token}/review")
    assert unknown.status_code == replaced.status_code == revoked.status_code == 404
    assert main_of(unknown) == main_of(replaced) == main_of(revoked)
    assert "Enlace no válido" in unknown.get_data(as_text=True)
    assert client.post(f"/r/{new_token}/submit", data={"nonce": "x"}).status_code == 404


def test_guessing_is_limited_per_address_and_valid_use_is_not(app, client, link):
    _, token = link
    for _ in range(30):
        assert client.get(f"/r/{token}/").status_code == 200
    for _ in range(20):
        assert client.get(f"/r/{secrets.token_urlsafe(32)}/").status_code == 404
    limited = client.get(f"/r/{secrets.token_urlsafe(32)}/")
    assert limited.status_code == 429 and "Demasiados intentos" in limited.get_data(as_text=True)
    # Over the limit a valid link still opens: a 256-bit token is never a guess, and officials
    # behind the same address (a ministry's NAT) must not be locked out by one guesser.
    assert client.get(f"/r/{token}/").status_code == 200
    assert client.get(f"/r/{secrets.token_urlsafe(32)}/").status_code == 429
    elsewhere = app.test_client()
    assert elsewhere.get(f"/r/{token}/", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_guesses_are_counted_over_the_last_minute_not_per_calendar_window(client, link, monkeypatch):
    import limits.storage.memory

    clock = {"now": 1_000.0}
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=lambda: clock["now"]))

    def guess() -> int:
        return client.get(f"/r/{secrets.token_urlsafe(32)}/").status_code

    assert guess() == 404
    clock["now"] = 1_059.0
    assert [guess() for _ in range(19)] == [404] * 19
    assert guess() == 429
    # A minute after the first guess only that one has left the window: one more try, not twenty
    # (a fixed window would start counting from zero again here).
    clock["now"] = 1_060.5
    assert guess() == 404
    assert guess() == 429


def test_pages_keep_the_link_private(client, link):
    _, token = link
    for path in ("", "s/profile", "review", "decline", "forward", "../nope/"):
        response = client.get(f"/r/{token}/{path}")
        assert response.headers["Referrer-Policy"] == "same-origin"  # never sent to another site
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        html = response.get_data(as_text=True)
        for url in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert url.startswith(("/", "#")) and not url.startswith("//"), url
        assert "<script>" not in html and " style=" not in html and "onclick" not in html


def test_the_token_is_never_logged(app, client, link, caplog):
    _, token = link
    caplog.set_level(logging.DEBUG)
    client.get(f"/r/{token}/")
    client.post(f"/r/{token}/s/profile", data=pnat_pages()["profile"])
    client.get(f"/r/{token}x/")
    # Flask logs the path of a failed request, servers log request lines: both are redacted.
    app.logger.error("Exception on /r/%s/submit [POST]", token)
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /r/%s/ HTTP/1.1" 200 -', token)
    assert caplog.records and not any(token in record.getMessage() for record in caplog.records)
    assert "/r/<token>/submit" in caplog.text


@pytest.mark.usefixtures("csrf_enabled")
def test_an_expired_csrf_token_gives_the_page_back_with_the_answers(client, link):
    invitation, token = link
    client.get(f"/r/{token}/s/profile")
    response = client.post(f"/r/{token}/s/profile", data={
        "csrf_token": "expired", "nav": "next", "region": "puno", "months_in_role": "30"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "pulse de nuevo el botón" in page
    assert 'value="puno" checked' in page and 'value="30"' in page
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert invitation.response is None
    again = client.post(f"/r/{token}/s/profile", data={"csrf_token": fresh, "nav": "save", "region": "puno"})
    assert again.status_code == 303 and invitation.response.answers == {"region": "puno"}


@pytest.mark.usefixtures("csrf_enabled")
def test_a_submit_with_an_expired_csrf_token_shows_the_review_again(client, link):
    invitation, token = link
    page = client.get(f"/r/{token}/review").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    response = client.post(f"/r/{token}/submit", data={"nonce": nonce})
    assert response.status_code == 400 and "Revise sus respuestas" in response.get_data(as_text=True)
    assert invitation.response is None


@pytest.mark.usefixtures("csrf_enabled")
def test_autosave_uses_the_header_token_and_renews_an_expired_one(client, link):
    invitation, token = link
    refused = client.post(f"/r/{token}/autosave", data={"_section": "profile", "region": "puno"},
                          headers={"X-CSRFToken": "expired"})
    assert refused.status_code == 400 and refused.json["error"] == "csrf"
    saved = client.post(f"/r/{token}/autosave", data={"_section": "profile", "region": "puno"},
                        headers={"X-CSRFToken": refused.json["csrf_token"]})
    assert saved.status_code == 200 and saved.json["ok"] is True and saved.json["saved_at"]
    assert invitation.response.answers == {"region": "puno"}


def test_autosave_reports_problems_without_losing_valid_answers(client, link):
    invitation, token = link
    response = client.post(f"/r/{token}/autosave", data={"_section": "profile", "region": "puno",
                                                        "months_in_role": "-3"})
    assert response.json["ok"] is True
    assert response.json["errors"] == {"months_in_role": ["El valor debe ser 0 o más."]}
    assert invitation.response.answers == {"region": "puno"}
    assert invitation.response.current_section == "profile"
    assert client.post(f"/r/{token}/autosave", data={"_section": "nope"}).status_code == 400


def test_autosave_is_refused_once_answers_are_final(client, link):
    invitation, token = link
    for section, form in pnat_pages().items():
        client.post(f"/r/{token}/s/{section}", data=form)
    page = client.get(f"/r/{token}/review").get_data(as_text=True)
    client.post(f"/r/{token}/submit", data={"nonce": re.search(r'name="nonce" value="([^"]+)"', page).group(1)})
    response = client.post(f"/r/{token}/autosave", data={"_section": "profile", "region": "puno"})
    assert response.status_code == 409 and response.json["error"] == "closed"
    assert invitation.response.answers["region"] == "cusco"


def test_declining_records_the_reason_and_leaves_the_door_open(client, link):
    invitation, token = link
    assert "Motivo" in client.get(f"/r/{token}/decline").get_data(as_text=True)
    response = client.post(f"/r/{token}/decline", data={"reason": "No es nuestra competencia."})
    assert response.status_code == 303
    welcome = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Registramos que no responderá" in welcome and "todavía puede responder" in welcome
    assert invitation.status == "declined" and invitation.decline_reason == "No es nuestra competencia."
    client.post(f"/r/{token}/s/profile", data={"region": "puno", "nav": "save"})
    assert invitation.status == "in_progress"


def test_forwarding_gives_a_colleague_a_new_link(client, link):
    invitation, token = link
    response = client.post(f"/r/{token}/forward", data={"name": "Rosa Huamán", "email": "rosa@mininter.gob.pe",
                                                        "position": "Especialista"})
    assert response.status_code == 200 and "Rosa Huamán" in response.get_data(as_text=True)
    colleague = Invitation.query.filter_by(email="rosa@mininter.gob.pe").one()
    assert colleague.forwarded_from_id == invitation.id and colleague.institution_id == invitation.institution_id
    assert invitation.status == "revoked"
    assert client.get(f"/r/{token}/").status_code == 404
    assert client.get(f"/r/{tokens.token_for(colleague)}/").status_code == 200
    assert AuditEvent.query.filter_by(action="invitation.forward").count() == 1


def test_forwarding_errors_are_shown_next_to_the_field(client, link):
    invitation, token = link
    response = client.post(f"/r/{token}/forward", data={"name": "", "email": invitation.email})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="error-summary"' in page
    assert "Escriba el nombre de su colega" in page
    assert invitation.status != "revoked"


def test_autosave_is_refused_after_the_close(client, link):
    invitation, token = link
    invitation.round.status = "closed"
    db.session.commit()
    response = client.post(f"/r/{token}/autosave", data={"_section": "profile", "region": "puno"})
    assert response.status_code == 409 and response.json == {"ok": False, "error": "closed"}
    assert invitation.response is None


@pytest.mark.usefixtures("csrf_enabled")
def test_an_expired_csrf_token_on_a_missing_section_is_a_plain_404(client, link):
    _, token = link
    assert client.post(f"/r/{token}/s/nope", data={"region": "puno"}).status_code == 404


def test_odd_characters_in_the_side_forms_are_handled(client, link):
    invitation, token = link
    response = client.post(f"/r/{token}/forward", data={"name": "Ana\x00 Ríos", "email": "ana\x00@gob.pe"})
    assert response.status_code == 200 and "correo electrónico válido" in response.get_data(as_text=True)
    assert client.post(f"/r/{token}/decline", data={"reason": "No\x00 aplica"}).status_code == 303
    assert invitation.decline_reason == "No aplica"
