"""Every URL rule of the app, with no login and with each role, answers as its decorator promises.

The expectations come from the views themselves (``@public`` or ``@roles_required``), so a
route added later is checked without editing this file, and an undecorated one fails.
"""
from __future__ import annotations

import pytest
from flask import Flask

from survey.extensions import limiter
from survey.models.users import ROLES, User
from tests.factories import login_as, make_user
from tests.route_support import (
    STATE_METHODS,
    Access,
    access_of,
    dummy_url,
    is_static,
    undecorated_endpoints,
)


def check_answer(access: Access, user: User | None, status: int, location: str) -> str | None:
    """Why this answer breaks the promise of the decorators, or None if it keeps it."""
    to_login = status in (301, 302, 303, 307) and location.split("?")[0].endswith("/login")
    if status >= 500:
        return f"server error {status}"
    if access.allows(user):
        if status == 403:
            return "403 for an allowed user"
        if to_login and not access.is_public:
            return "sent an allowed user to the login page"
        return None
    if user is None:
        return None if to_login or status in (401, 403) else f"{status} for an anonymous visitor"
    return None if status == 403 else f"{status} instead of 403 for a role without rights"


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


def test_every_view_says_who_may_use_it(app):
    assert undecorated_endpoints(app) == [], "decorate these views with @public or @roles_required(...)"


def test_the_check_catches_an_undecorated_view():
    from survey.auth import public, roles_required

    demo = Flask("demo")
    demo.add_url_rule("/naked", "naked", lambda: "")
    demo.add_url_rule("/open", "open", public(lambda: ""))
    demo.add_url_rule("/staff", "staff", roles_required("editor")(lambda: ""))
    assert undecorated_endpoints(demo) == ["naked"]
    assert access_of(demo.view_functions["staff"]) == Access(False, ("editor",))


def test_every_route_answers_each_role_as_its_decorator_says(app, db_session):
    people: dict[str | None, User | None] = {None: None}
    for role in ROLES:
        people[role] = make_user(role)
    problems = []
    requests = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions[rule.endpoint]
        access = Access(True) if is_static(rule.endpoint) else access_of(view)
        if access is None:
            continue  # reported by test_every_view_says_who_may_use_it
        url = dummy_url(rule)
        for method in (m for m in STATE_METHODS if m in rule.methods):
            for who, user in people.items():
                limiter.reset()  # the token pages' own limit must not turn answers into 429s
                client = app.test_client()
                if user is not None:
                    login_as(client, user)
                requests += 1
                try:
                    response = client.open(url, method=method)
                except Exception as exc:  # noqa: BLE001 - every crash is a finding
                    problems.append(f"{method} {url} as {who or 'anonymous'}: raised {exc!r}")
                    continue
                problem = check_answer(access, user, response.status_code, response.headers.get("Location", ""))
                if problem:
                    problems.append(f"{method} {url} ({rule.endpoint}) as {who or 'anonymous'}: {problem}")
    assert requests > 100
    assert problems == []
