"""The site has an icon: every page links it, and /favicon.ico answers (browsers ask for it)."""
from __future__ import annotations


def test_pages_link_the_icon_and_favicon_ico_is_served(client, db_session):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert icon.headers["Cache-Control"] == "public, max-age=86400"
