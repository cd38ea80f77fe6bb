"""Who sees what: every region (national staff), some regions (a regional coordinator), or only the
aggregated results of shared rounds (an observer from a partner such as the Ombudsman's Office).

Views never filter by hand: they ask this module for the clause that limits a query of invitations
(and of what hangs from them: responses, messages) and for the 404 that answers an id outside the
user's scope exactly like an unknown id.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g
from flask_login import current_user
from sqlalchemy import ColumnElement, select, true

from survey.extensions import db
from survey.models import Invitation, Round
from survey.models.users import NATIONAL_ROLES, User, round_shares


@dataclass(frozen=True)
class Scope:
    """What one user may see. ``None`` means no limit on that dimension."""

    #: regions whose invitations, messages and results the user sees; None = every region
    region_ids: frozenset[int] | None
    #: rounds the user may open at all; None = every round
    round_ids: frozenset[int] | None
    #: False for observers: no names, e-mails, free text or per-person rows
    sees_people: bool

    @property
    def is_national(self) -> bool:
        """True when nothing is limited by region."""
        return self.region_ids is None

    def allows_region(self, region_id: int | None) -> bool:
        """True if an invitation of *region_id* is in scope (a national scope sees no-region ones too)."""
        return self.region_ids is None or region_id in self.region_ids

    def allows_round(self, round_id: int) -> bool:
        """True if the round can be opened at all."""
        return self.round_ids is None or round_id in self.round_ids


NOTHING = Scope(region_ids=frozenset(), round_ids=frozenset(), sees_people=False)


def scope_of(user: User | None) -> Scope:
    """The scope of *user* (nothing for anonymous visitors)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NOTHING
    if user.role in NATIONAL_ROLES:
        return Scope(None, None, True)
    if user.role == "coordinator":
        return Scope(frozenset(region.id for region in user.regions), None, True)
    if user.role == "observer":
        shared = db.session.scalars(select(round_shares.c.round_id).where(round_shares.c.user_id == user.id))
        return Scope(None, frozenset(shared), False)
    return NOTHING


def current_scope() -> Scope:
    """The scope of the signed-in user, worked out once per request."""
    if "survey_scope" not in g:
        g.survey_scope = scope_of(current_user if current_user else None)
    return g.survey_scope


def invitations_in_scope(scope: Scope | None = None) -> ColumnElement[bool]:
    """A WHERE clause keeping the invitations *scope* (default: the current user's) may see."""
    scope = scope or current_scope()
    if scope.region_ids is None:
        return true()
    return Invitation.region_id.in_(sorted(scope.region_ids))


def rounds_in_scope(scope: Scope | None = None) -> ColumnElement[bool]:
    """A WHERE clause keeping the rounds *scope* may open."""
    scope = scope or current_scope()
    if scope.round_ids is None:
        return true()
    return Round.id.in_(sorted(scope.round_ids))


def check_round(round_: Round) -> Round:
    """*round_* if the current user may open it; else the 404 of an unknown round."""
    if not current_scope().allows_round(round_.id):
        abort(404)
    return round_


def check_invitation(invitation: Invitation) -> Invitation:
    """*invitation* if it is in the current user's regions; else the 404 of an unknown one."""
    scope = current_scope()
    if not scope.sees_people or not scope.allows_region(invitation.region_id):
        abort(404)
    return invitation
