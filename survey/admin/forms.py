"""Forms of the user management and audit log pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from survey.auth.forms import MAX_PASSWORD, strong_password
from survey.extensions import db
from survey.models import Region, Round
from survey.models.users import ROLES
from survey.services import users

ROLE_LABELS = {
    "admin": _l("Administración: gestiona usuarios y ve todo"),
    "editor": _l("Edición: arma y publica cuestionarios, conduce rondas"),
    "analyst": _l("Análisis: lee resultados y descarga libros"),
    "coordinator": _l("Coordinación regional: invitaciones, avance y correos de sus regiones"),
    "observer": _l("Observación: resultados agregados de las rondas compartidas, sin datos personales"),
}
ROLE_NAMES = {"admin": _l("Administración"), "editor": _l("Edición"), "analyst": _l("Análisis"),
              "coordinator": _l("Coordinación regional"), "observer": _l("Observación")}


class _Checkboxes(SelectMultipleField):
    """Several choices as checkboxes (usable without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def valid_email(_form, field) -> None:
    """WTForms validator: the syntax check of the user service (email-validator)."""
    if field.data:
        try:
            users.normalise_email(field.data)
        except users.UserError as exc:
            raise ValidationError(str(exc)) from None


def _role_field() -> SelectField:
    return SelectField(
        _l("Rol"),
        choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES],
        validators=[InputRequired(_l("Elija un rol."))],
    )


class CreateUserForm(FlaskForm):
    """A new staff account with a temporary password."""

    email = StringField(
        _l("Correo electrónico"),
        validators=[InputRequired(_l("Escriba el correo electrónico.")), Length(max=254), valid_email],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(_l("Nombre"), validators=[Optional(), Length(max=120)])
    role = _role_field()
    password = PasswordField(
        _l("Contraseña temporal"),
        validators=[InputRequired(_l("Escriba una contraseña temporal.")), strong_password],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Crear usuario"))


class RoleForm(FlaskForm):
    """Change the role of an account, and what it covers: a coordinator's regions, an observer's rounds."""

    role = _role_field()
    regions = _Checkboxes(_l("Regiones que coordina"), coerce=int)
    rounds = _Checkboxes(_l("Rondas compartidas"), coerce=int)
    submit = SubmitField(_l("Cambiar rol"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.regions.choices = [SelectChoice(region.id, f"{region.name_es} ({region.ubigeo})")
                                for region in db.session.scalars(select(Region).order_by(Region.ubigeo))]
        self.rounds.choices = [SelectChoice(round_.id, round_.title)
                               for round_ in db.session.scalars(select(Round).order_by(Round.id.desc()))]


class PasswordForm(FlaskForm):
    """An admin sets a new temporary password for someone who lost theirs."""

    password = PasswordField(
        _l("Nueva contraseña temporal"),
        validators=[InputRequired(_l("Escriba la nueva contraseña.")), strong_password],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repita la contraseña"),
        validators=[InputRequired(_l("Repita la contraseña.")), Length(max=MAX_PASSWORD),
                    EqualTo("password", _l("Las contraseñas no coinciden."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Cambiar contraseña"))


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token (deactivate, reactivate)."""


class AuditFilterForm(FlaskForm):
    """Filters of the audit log, sent by GET (nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Acción"), choices=[], validate_choice=False)
    actor = StringField(_l("Quién (parte del correo)"), validators=[Optional(), Length(max=254)])
    object_type = SelectField(_l("Tipo de objeto"), choices=[], validate_choice=False)
    object_id = StringField(_l("Id del objeto"), validators=[Optional(), Length(max=64)])
    since = DateField(_l("Desde"), validators=[Optional()])
    until = DateField(_l("Hasta"), validators=[Optional()])

    def validate_until(self, field) -> None:
        """The end of the range cannot come before its start."""
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("La fecha final es anterior a la inicial."))
