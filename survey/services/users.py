"""Creating and changing staff accounts."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from survey.auth.passwords import hash_password, password_problem
from survey.extensions import db
from survey.models import User
from survey.models.users import ROLES


class UserError(ValueError):
    """A user operation refused, with a message for the person who asked."""


def normalise_email(email: str) -> str:
    """Validate *email* syntax and return its normalised form (no DNS lookup)."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise UserError(f"invalid e-mail address: {exc}") from None


def find(email: str) -> User | None:
    """Return the user with this e-mail (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create(email: str, password: str, role: str, name: str = "") -> User:
    """Create an account; raises UserError on a bad role, e-mail, password or duplicate."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    address = normalise_email(email)
    problem = password_problem(password)
    if problem:
        raise UserError(f"password too weak: {problem}")
    if find(address) is not None:
        raise UserError(f"a user with e-mail {address} already exists")
    user = User(email=address, name=name.strip(), role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user
