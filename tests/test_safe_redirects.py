"""One check for every ``next`` the app redirects to: the login's and the language switch's."""
from __future__ import annotations

import pytest

from survey.auth.redirects import is_safe_next
from tests.factories import PASSWORD, make_user, use_fast_password_hashing

OFF_SITE = [
    "/\t/evil.example",  # browsers drop the tab: //evil.example
    "/\n/evil.example",
    "/\r/evil.example",
    "\t//evil.example",
    " /x",
    "/\\evil",
    "/\\\\evil",
    "https://evil",
    "//evil",
    "/%09/evil",  # the same tab, percent-encoded, for anything that decodes once on the way
    "/%2F/evil",
    "/%5Cevil",
    "javascript:alert(1)",
    "evil.example",
    "/ok\r\nSet-Cookie: x=1",
    "",
    None,
]
ON_SITE = ["/", "/admin/users", "/r/abc/s/profile?lang=en", "/admin/audit?actor=ana%20b", "/q/pnat#axis-2"]


@pytest.mark.parametrize("url", OFF_SITE)
def test_urls_that_leave_the_site_are_refused(url):
    assert not is_safe_next(url)


@pytest.mark.parametrize("url", ON_SITE)
def test_paths_on_the_site_are_accepted(url):
    assert is_safe_next(url)


@pytest.mark.parametrize("url", [u for u in OFF_SITE if u])
def test_the_language_switch_never_redirects_off_site(client, url):
    response = client.post("/lang", data={"lang": "en", "next": url})
    assert response.status_code == 302
    assert response.location == "/"


def test_the_language_switch_goes_back_to_the_page(client):
    assert client.post("/lang", data={"lang": "en", "next": "/q/pnat?x=1"}).location == "/q/pnat?x=1"


@pytest.mark.parametrize("url", ["/\t/evil.example", "/%09/evil", "/\\evil"])
def test_the_login_uses_the_same_check(client, db_session, monkeypatch, url):
    use_fast_password_hashing(monkeypatch)
    user = make_user("analyst")
    response = client.post("/login", query_string={"next": url}, data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "evil" not in response.location
