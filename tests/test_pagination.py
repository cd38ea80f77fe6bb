"""The shared pager links to the previous and next pages and keeps the list's filters."""
from __future__ import annotations

from flask import render_template_string

PAGER = '{% from "_pagination.html" import pager %}{{ pager(page, pages, "outbox.index", round=7, status="failed") }}'


def render(app, page, pages):
    with app.test_request_context("/"):
        return render_template_string(PAGER, page=page, pages=pages)


def test_a_middle_page_links_both_ways_with_the_filters(app):
    html = render(app, 2, 3)
    assert "Página 2 de 3" in html
    assert "page=1" in html
    assert html.count("<a ") == 2 and "page=3" in html and "status=failed" in html and "round=7" in html


def test_one_page_needs_no_pager_and_the_ends_have_one_link(app):
    assert render(app, 1, 1).strip() == ""
    assert render(app, 1, 4).count("<a ") == 1
    assert render(app, 4, 4).count("<a ") == 1
