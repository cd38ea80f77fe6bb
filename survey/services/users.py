"""Creating and changing staff accounts, and checking their passwords."""
from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from survey.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, password_problem, verify_password
from survey.extensions import db
from survey.models import Region, Round, User
from survey.models._types import utcnow
from survey.models.users import ROLES


class UserError(ValueError):
    """A user operation refused, with a message for the person who asked.

    Raised before anything is changed, so the caller need not roll back. The message is
    translated lazily, when it is shown (``str(exc)``).
    """


@dataclass(frozen=True)
class LoginCheck:
    """The outcome of a password check: the account (if any) and why it failed (if it did)."""

    user: User | None
    #: None on success, else "unknown", "password" or "disabled" (for the audit log only)
    failure: str | None

    @property
    def is_success(self) -> bool:
        """True when the credentials are right and the account may log in."""
        return self.failure is None


def normalise_email(email: str) -> str:
    """Validate *email* syntax and return its normalised form (no DNS lookup)."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise UserError(_l("Correo electrónico no válido: escríbalo como nombre@dominio.pe.")) from None


def check_password_strength(password: str) -> None:
    """Raise UserError when *password* breaks the strength rule."""
    if password_problem(password):
        raise UserError(_l("La contraseña debe tener entre %(min)d y 1024 caracteres.", min=MIN_LENGTH))


def find(email: str) -> User | None:
    """Return the user with this e-mail (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def list_all() -> list[User]:
    """Every account, active ones first, then by e-mail."""
    return list(db.session.scalars(select(User).order_by(User.is_enabled.desc(), User.email)))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(_l("Rol desconocido «%(role)s»: use %(roles)s.", role=role, roles=", ".join(ROLES)))


def create(email: str, password: str, role: str, name: str = "", *, is_temporary: bool = False) -> User:
    """Create an account; raises UserError on a bad role, e-mail, password or duplicate.

    With *is_temporary* (an admin chose the password) the user must replace it at first login.
    """
    _check_role(role)
    address = normalise_email(email)
    check_password_strength(password)
    if find(address) is not None:
        raise UserError(_l("Ya existe un usuario con el correo %(email)s.", email=address))
    user = User(email=address, name=name.strip(), role=role, password_hash=hash_password(password),
                has_temporary_password=is_temporary)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> LoginCheck:
    """Check a login; an unknown e-mail costs the same time as a wrong password.

    On success the hash is upgraded when today's Argon2 parameters are stronger.
    """
    user = find(email) if email.strip() else None
    if not verify_password(user.password_hash if user else None, password):
        return LoginCheck(user, "unknown" if user is None else "password")
    if not user.is_enabled:
        return LoginCheck(user, "disabled")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return LoginCheck(user, None)


def revoke_sessions(user: User) -> None:
    """End every session of *user*: cookies carry the old session version."""
    user.session_version += 1
    db.session.flush()


def change_role(user: User, role: str, *, by: User) -> None:
    """Give *user* another role; an admin cannot demote themselves (the last way back in)."""
    _check_role(role)
    if user.id == by.id and role != "admin":
        raise UserError(_l("No puede quitarse a sí mismo el rol de administrador."))
    user.role = role
    revoke_sessions(user)


def check_scope(role: str, regions: list[Region]) -> None:
    """Refuse a coordinator without regions (checked before anything changes)."""
    if role == "coordinator" and not regions:
        raise UserError(_l("Elija al menos una región para la coordinación regional."))


def set_scope(user: User, regions: list[Region], rounds: list[Round]) -> None:
    """What the role covers: a coordinator's regions (at least one), an observer's shared rounds.

    Other roles cover everything and keep no list. Sessions end when it changes, like a role change.
    """
    check_scope(user.role, regions)
    new_regions = sorted(regions, key=lambda region: region.ubigeo) if user.role == "coordinator" else []
    new_rounds = sorted(rounds, key=lambda round_: round_.id) if user.role == "observer" else []
    if new_regions != list(user.regions) or new_rounds != list(user.shared_rounds):
        user.regions, user.shared_rounds = new_regions, new_rounds
        revoke_sessions(user)


def deactivate(user: User, *, by: User) -> None:
    """Stop *user* from logging in and end their sessions; not allowed on oneself."""
    if user.id == by.id:
        raise UserError(_l("No puede desactivar su propia cuenta."))
    user.is_enabled = False
    revoke_sessions(user)


def reactivate(user: User) -> None:
    """Let a deactivated *user* log in again."""
    user.is_enabled = True
    db.session.flush()


def set_password(user: User, password: str, *, is_temporary: bool = False) -> None:
    """Replace the password of *user* (strength-checked) and end their sessions.

    *is_temporary* when someone else chose it: the user must replace it at next login.
    """
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.has_temporary_password = is_temporary
    revoke_sessions(user)
