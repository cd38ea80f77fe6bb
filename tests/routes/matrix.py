"""Sending every request of the route matrix and judging each answer against the table.

Each request runs inside a savepoint of the test's transaction that is rolled back afterwards,
so a POST that revokes, erases or deletes leaves the world as it was for the next request.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g
from werkzeug.routing import Rule

from survey.extensions import db, limiter
from tests.route_support import STATE_METHODS, fill, placeholders
from tests.routes.expectations import OUT_OF_SCOPE, Expect
from tests.routes.world import World

REDIRECTS = (301, 302, 303, 307, 308)


def rules_by_key(app: Flask) -> dict[str, Rule]:
    """Every rule of the app under ``"METHOD /path"``, the table's keys."""
    found = {}
    for rule in app.url_map.iter_rules():
        for method in STATE_METHODS:
            if method in rule.methods:
                found[f"{method} {rule.rule}"] = rule
    return found


@dataclass
class Answer:
    """What one request got."""

    status: int
    location: str
    body: bytes = b""
    #: the exception the request raised (then *status* is 500)
    error: str = ""

    @property
    def is_login(self) -> bool:
        """True for a redirect to the login page."""
        return self.status in REDIRECTS and self.location.split("?")[0].endswith("/login")

    def __str__(self) -> str:
        if self.error:
            return f"raised {self.error}"
        return f"{self.status} → {self.location}" if self.status in REDIRECTS else str(self.status)


class Matrix:
    """Sends the requests of one role over the world and collects what breaks the table."""

    def __init__(self, app: Flask, world: World, role: str | None) -> None:
        self.app, self.world, self.role = app, world, role
        self.client = app.test_client()
        self.problems: list[str] = []
        self.requests = 0

    def url(self, key: str, rule: Rule, variant: str, unknown: str | None = None, query: str = "") -> str:
        """The rule's URL with the world's ids of *variant* (placeholder *unknown* given an unknown value)."""
        def value(name: str, converter: str, args: str) -> str:
            chosen = "unknown" if name == unknown else variant
            return self.world.value(rule.endpoint, name, converter, args, chosen, self.role)

        path = fill(rule, value)
        return f"{path}?{query}" if query and key.startswith("GET ") else path

    def send(self, method: str, url: str) -> Answer:
        """One request as the role, rolled back afterwards."""
        self.requests += 1
        self.world.restore_files()
        limiter.reset()  # the login's and the personal links' limits must not turn answers into 429s
        g.pop("survey_scope", None)  # g outlives requests while the test holds the app context
        identity = self.world.identities.get(self.role)
        with self.client.session_transaction() as session:
            session.clear()
            if identity is not None:
                session["_user_id"], session["_fresh"] = identity, True
        db.session.close()
        savepoint = db.session.get_bind().begin_nested()
        try:
            response = self.client.open(url, method=method)
            answer = Answer(response.status_code, response.headers.get("Location", ""),
                            response.get_data() if response.status_code == 404 else b"")
            response.close()
        except Exception as exc:  # noqa: BLE001 - a crash is one finding, the other requests still run
            answer = Answer(500, "", error=repr(exc))
        finally:
            db.session.close()
            savepoint.rollback()
        return answer

    def note(self, key: str, url: str, answer: Answer, expected: str) -> None:
        """Record a broken promise."""
        who = self.role or "anonymous"
        self.problems.append(f"{key} as {who}: {url} answered {answer}, expected {expected}")

    def check(self, key: str, rule: Rule, expect: Expect) -> None:
        """Every request of one table line for this role."""
        method = key.split(" ", 1)[0]
        home = self.url(key, rule, "cusco", query=expect.query)
        if not expect.allows(self.role):
            answer = self.send(method, home)
            if self.role is None and not answer.is_login:
                self.note(key, home, answer, "the login page")
            elif self.role is not None and answer.status != 403:
                self.note(key, home, answer, "403")
            return
        self.expect_success(key, method, home, expect)
        for variant in OUT_OF_SCOPE.values():
            scoped = self.differing(rule, variant)
            if not scoped:
                if OUT_OF_SCOPE.get(self.role) == variant and self.role in expect.limited:
                    self.problems.append(f"{key}: the table limits {self.role} but no id of the rule depends on it")
            elif OUT_OF_SCOPE.get(self.role) == variant and self.role in expect.limited:
                self.expect_unknown(key, method, self.url(key, rule, variant, query=expect.query),
                                    self.url(key, rule, "cusco", unknown=scoped[-1], query=expect.query))
            else:
                self.expect_success(key, method, self.url(key, rule, variant, query=expect.query), expect)
        if expect.is_public and self.role is not None:
            return  # unknown ids of public pages: once, anonymously
        for name, converter in placeholders(rule):
            if converter == "any":
                continue
            url = self.url(key, rule, "cusco", unknown=name, query=expect.query)
            answer = self.send(method, url)
            wanted = expect.unknown.get(name, 404)
            if answer.status != wanted:
                self.note(key, url, answer, f"{wanted} for an unknown {name}")

    def differing(self, rule: Rule, variant: str) -> list[str]:
        """The placeholders whose value in *variant* is not the in-scope one."""
        def value(name: str, converter: str, chosen: str) -> str:
            return self.world.value(rule.endpoint, name, converter, "", chosen, self.role)

        return [name for name, converter in placeholders(rule)
                if converter != "any" and value(name, converter, variant) != value(name, converter, "cusco")]

    def expect_unknown(self, key: str, method: str, url: str, unknown_url: str) -> None:
        """An id outside the role's scope: the very answer of an unknown id (a 404, the same page)."""
        answer, unknown = self.send(method, url), self.send(method, unknown_url)
        if answer.status != 404:
            self.note(key, url, answer, "404, as for an unknown id (out of scope)")
        elif answer.body != unknown.body:
            self.note(key, url, answer, f"the same page as the unknown id of {unknown_url}")

    def expect_success(self, key: str, method: str, url: str, expect: Expect) -> None:
        """An allowed request: the page's status for a GET, no refusal or crash for a change."""
        answer = self.send(method, url)
        if method == "GET":
            wanted = expect.success(self.role)
            if answer.status != wanted:
                self.note(key, url, answer, str(wanted))
        elif answer.status in (401, 403, 404) or answer.status >= 500 or (answer.is_login and not expect.is_public):
            self.note(key, url, answer, "to be allowed (not 403, 404, 5xx or the login page)")
