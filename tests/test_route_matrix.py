"""Who sees what: every URL rule × every role (and anonymous) × ids in and out of the user's scope.

The expectations are a table written by hand (tests/routes/expectations.py), not read back from the
decorators that enforce them, and the requests carry real ids of a world with two regions
(tests/routes/world.py): an allowed request must succeed, a refused one must answer 403 (the login
page when anonymous), and an id outside a coordinator's regions or an observer's shared rounds
must answer the same 404 as an id nobody has.
"""
from __future__ import annotations

import pytest
from flask import Flask

from survey import scopes
from survey.extensions import limiter
from survey.models.users import ROLES
from tests.route_support import Access, access_of, undecorated_endpoints
from tests.routes.expectations import EXPECTATIONS, OUT_OF_SCOPE, Expect, staff
from tests.routes.matrix import Matrix, rules_by_key
from tests.routes.world import build_world


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


@pytest.fixture
def world(app, db_session):
    """The two-region world, in the test's rolled-back transaction."""
    built = build_world(app)
    yield built
    built.remove_files()


def run(app, world, role: str | None, table: dict[str, Expect]) -> Matrix:
    """Send every request of *table* as *role*."""
    rules = rules_by_key(app)
    matrix = Matrix(app, world, role)
    for key in sorted(table.keys() & rules.keys()):  # the others fail the table's own test
        matrix.check(key, rules[key], table[key])
    return matrix


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


def test_every_rule_of_the_app_has_a_line_in_the_table_and_every_line_a_rule(app):
    rules = set(rules_by_key(app))
    assert sorted(rules - set(EXPECTATIONS)) == [], "say who may use these routes in tests/routes/expectations.py"
    assert sorted(set(EXPECTATIONS) - rules) == [], "these lines of tests/routes/expectations.py name no route"


def test_the_table_limits_only_roles_it_lets_in_and_whose_scope_the_world_can_leave():
    odd = {key: expect.limited for key, expect in EXPECTATIONS.items()
           if any(role not in (expect.roles or ()) or role not in OUT_OF_SCOPE for role in expect.limited)}
    assert odd == {}


@pytest.mark.parametrize("role", [None, *ROLES], ids=["anonymous", *ROLES])
def test_every_route_answers_the_role_as_the_table_says(app, world, role):
    matrix = run(app, world, role, EXPECTATIONS)
    assert matrix.problems == []
    assert matrix.requests >= len(EXPECTATIONS)


def test_a_role_let_in_where_the_table_refuses_it_fails_the_matrix(app, world):
    stricter = {"GET /builder/": staff("admin", "editor"),
                "GET /rounds/<int:round_id>/progress": staff("admin", "editor", "coordinator")}
    assert [problem.split(": ")[0] for problem in run(app, world, "analyst", stricter).problems] == [
        "GET /builder/ as analyst", "GET /rounds/<int:round_id>/progress as analyst"]


def test_an_id_let_out_of_its_region_fails_the_matrix(app, world, monkeypatch):
    monkeypatch.setattr(scopes, "check_invitation", lambda invitation: invitation)
    lines = {key: EXPECTATIONS[key] for key in ("GET /outbox/<int:message_id>",
                                                 "POST /rounds/<int:round_id>/invitations/<int:invitation_id>/revoke")}
    problems = run(app, world, "coordinator", lines).problems
    assert len(problems) == 2 and all("expected 404, as for an unknown id (out of scope)" in p for p in problems)
