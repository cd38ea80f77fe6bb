"""Links in stored e-mails are clickable, and nothing else in the text becomes markup."""
from __future__ import annotations

from markupsafe import Markup

from survey.linkify import linkify
from survey.services import outbox
from tests.factories import login_as, make_invitation, make_round, make_user


def test_http_and_https_addresses_become_links_that_open_safely():
    html = linkify("Abra https://encuestas.example.org/r/abc_DEF-1/?a=1&b=2. O http://127.0.0.1:5000/ayuda")
    assert isinstance(html, Markup)
    assert html == Markup(
        'Abra <a href="https://encuestas.example.org/r/abc_DEF-1/?a=1&amp;b=2" rel="noopener noreferrer" '
        'target="_blank">https://encuestas.example.org/r/abc_DEF-1/?a=1&amp;b=2</a>. O '
        '<a href="http://127.0.0.1:5000/ayuda" rel="noopener noreferrer" target="_blank">'
        'http://127.0.0.1:5000/ayuda</a>')


def test_other_schemes_and_markup_stay_text():
    text = 'javascript:alert(1) data:text/html,<b>x</b> mailto:ana@example.org www.example.org <script>"x"</script>'
    html = linkify(text)
    assert "<a" not in html and "<b>" not in html and "<script>" not in html
    assert html == Markup.escape(text)


def test_quotes_and_brackets_cannot_leave_the_href():
    html = linkify('https://evil.example/"onmouseover="alert(1)<b>')
    assert 'href="https://evil.example/&#34;onmouseover=&#34;alert(1)' in html
    assert "<b>" not in html and '" onmouseover' not in html and html.count("<a ") == 1


def test_the_outbox_shows_the_invitation_link_as_a_link(app, client, db_session):
    editor = make_user("editor")
    invitation, token = make_invitation(make_round(created_by=editor, title="Ronda <i>2026</i>"))
    message = outbox.add(invitation, "invitation")
    login_as(client, editor)
    page = client.get(f"/outbox/{message.id}").get_data(as_text=True)
    base = app.config["SURVEY_BASE_URL"]
    assert f'<a href="{base}/r/{token}/" rel="noopener noreferrer" target="_blank">' in page
    assert "<i>2026</i>" not in page  # the round's title is still escaped
