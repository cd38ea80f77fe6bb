"""Walking the url map: what each view's decorators allow, and a harmless URL for every rule.

Shared by the route-matrix and security-header tests.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from flask import Flask

from survey.models.users import User

#: ids no test creates: a POST with them can never change a real row (e.g. deactivate the caller)
DUMMY_INT = "987654"
PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
STATE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Access:
    """What a view's decorators allow: anyone, or logged-in users with one of *roles*."""

    is_public: bool
    roles: tuple[str, ...] = ()

    def allows(self, user: User | None) -> bool:
        if self.is_public:
            return True
        return user is not None and user.has_role(*self.roles)


def access_of(view) -> Access | None:
    """Read ``required_roles``/``is_public`` through the ``functools.wraps`` chain; None if neither.

    A role check anywhere in the chain wins over ``@public``: it is what runs.
    """
    chain = []
    while view is not None and view not in chain:
        chain.append(view)
        view = getattr(view, "__wrapped__", None)
    for layer in chain:
        roles = getattr(layer, "required_roles", None)
        if roles is not None:
            return Access(False, tuple(roles))
    if any(getattr(layer, "is_public", False) for layer in chain):
        return Access(True)
    return None


def is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def undecorated_endpoints(app: Flask) -> list[str]:
    """Endpoints whose view says neither who may use it nor that it is public."""
    return sorted(
        endpoint for endpoint, view in app.view_functions.items()
        if not is_static(endpoint) and access_of(view) is None
    )


def fill(rule, value_of) -> str:
    """The rule's path with ``value_of(name, converter, args)`` in every placeholder."""

    def value(match: re.Match) -> str:
        converter, args = match.group("converter") or "default", match.group("args") or ""
        return str(value_of(match.group("name"), converter, args))

    return PLACEHOLDER.sub(value, rule.rule)


def placeholders(rule) -> list[tuple[str, str]]:
    """(name, converter) of every placeholder of the rule, in order."""
    return [(m.group("name"), m.group("converter") or "default") for m in PLACEHOLDER.finditer(rule.rule)]


def dummy_url(rule) -> str:
    """The rule's path with a harmless value in every placeholder."""

    def value(_name: str, converter: str, args: str) -> str:
        if converter == "int":
            return DUMMY_INT
        if converter == "float":
            return DUMMY_INT + ".0"
        if converter == "uuid":
            return str(uuid.UUID(int=int(DUMMY_INT)))
        if converter == "any":
            return first_choice(args)
        return "x"

    return fill(rule, value)


def first_choice(args: str) -> str:
    """The first value an ``any(a, b)`` converter accepts."""
    return args.split(",")[0].strip().strip("'\"")
