"""Forms of the login and password pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from survey.auth.passwords import MIN_LENGTH, password_problem

#: Argon2 hashes any length, but a megabyte-long password is an attack on CPU, not a password
MAX_PASSWORD = 1024


def strong_password(_form, field) -> None:
    """WTForms validator: the same strength rule as ``survey user create``."""
    if field.data and password_problem(field.data):
        raise ValidationError(
            _l("La contraseña debe tener entre %(min)d y %(max)d caracteres.", min=MIN_LENGTH, max=MAX_PASSWORD)
        )


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = StringField(
        _l("Correo electrónico"),
        validators=[InputRequired(_l("Escriba su correo electrónico.")), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Contraseña"),
        validators=[InputRequired(_l("Escriba su contraseña.")), Length(max=MAX_PASSWORD)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Iniciar sesión"))


class ChangePasswordForm(FlaskForm):
    """A logged-in user replaces their own password (e.g. the temporary one from an admin)."""

    current = PasswordField(
        _l("Contraseña actual"),
        validators=[InputRequired(_l("Escriba su contraseña actual.")), Length(max=MAX_PASSWORD)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("Nueva contraseña"),
        validators=[InputRequired(_l("Escriba la nueva contraseña.")), strong_password],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repita la nueva contraseña"),
        validators=[InputRequired(_l("Repita la nueva contraseña.")),
                    EqualTo("new", _l("Las contraseñas no coinciden."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Cambiar contraseña"))
