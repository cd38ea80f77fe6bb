"""Staff forms for rounds and invitations."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from survey.services import rounds as round_service

#: what browsers send for datetime-local (with seconds when a step is set); the first renders
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class RoundForm(FlaskForm):
    """Create or edit a round; dates are typed in Lima time."""

    title = StringField(_l("Título"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Propósito"), validators=[Length(max=5000)],
        description=_l("Se muestra a los funcionarios en la página de bienvenida."),
    )
    version = SelectField(_l("Versión publicada del cuestionario"), coerce=int, validators=[InputRequired()])
    opens_at = DateTimeLocalField(_l("Apertura (hora de Lima)"), format=DATETIME_FORMATS, validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Cierre (hora de Lima)"), format=DATETIME_FORMATS, validators=[InputRequired()])
    estimated_minutes = IntegerField(_l("Minutos que toma responder"), default=30,
                                     validators=[InputRequired(), NumberRange(1, 600)])
    allow_edit_after_submit = BooleanField(_l("Permitir cambiar las respuestas tras enviarlas, hasta el cierre"))
    is_per_organisation = BooleanField(
        _l("Una respuesta por organización"),
        description=_l("Todos los invitados de una misma organización responden juntos un solo cuestionario; "
                       "lo envía su punto focal. Solo se puede cambiar mientras la ronda es un borrador."),
    )
    reminder_days = StringField(
        _l("Recordatorios: días antes del cierre"), default="7, 2",
        description=_l("Números separados por comas, por ejemplo: 14, 7, 2."),
    )
    reminder_interval = IntegerField(
        _l("Cada cuántos días enviar un recordatorio tras la invitación (opcional)"),
        validators=[Optional(), NumberRange(1, 90)],
    )
    reminder_max = IntegerField(_l("Máximo de recordatorios por funcionario"), default=3,
                                validators=[InputRequired(), NumberRange(0, 20)])
    quiet_start = StringField(_l("Sin correos desde (hora de Lima, HH:MM)"), default="20:00",
                              validators=[DataRequired(), Length(max=5)])
    quiet_end = StringField(_l("Sin correos hasta (hora de Lima, HH:MM)"), default="08:00",
                            validators=[DataRequired(), Length(max=5)])
    escalate_after = IntegerField(
        _l("Avisar al coordinador tras el recordatorio número (opcional)"),
        validators=[Optional(), NumberRange(1, 20)],
    )
    escalate_to = StringField(_l("Correo del coordinador"), validators=[Optional(), Length(max=254)])
    retention_days = IntegerField(
        _l("Días que se conservan los datos personales tras el cierre"), default=365,
        validators=[Optional(), NumberRange(0, round_service.MAX_RETENTION_DAYS)],
        description=_l("Pasado este plazo, el personal puede eliminar el nombre, el correo, el cargo y las "
                       "respuestas escritas de cada persona; las respuestas de su organización y los "
                       "resultados se conservan (Ley 29733)."),
    )

    def reminder_policy(self) -> dict:
        """The checked reminder policy; raises RoundError naming the field at fault."""
        return round_service.reminder_policy(
            days_before_close=self.reminder_days.data or "",
            interval_days=self.reminder_interval.data,
            max_count=self.reminder_max.data,
            quiet_start=(self.quiet_start.data or "").strip(),
            quiet_end=(self.quiet_end.data or "").strip(),
            escalate_after=self.escalate_after.data,
            escalate_to=(self.escalate_to.data or "").strip() or None,
        )

    def fill_policy(self, policy: dict) -> None:
        """Show a stored policy in the form."""
        self.reminder_days.data = ", ".join(str(d) for d in policy.get("days_before_close", []))
        self.reminder_interval.data = policy.get("interval_days")
        self.reminder_max.data = policy.get("max_count", 3)
        self.quiet_start.data = policy.get("quiet_start", "20:00")
        self.quiet_end.data = policy.get("quiet_end", "08:00")
        self.escalate_after.data = policy.get("escalate_after")
        self.escalate_to.data = policy.get("escalate_to") or ""


class VersionForm(FlaskForm):
    """Move an open round to a newer published version."""

    version = SelectField(_l("Nueva versión"), coerce=int, validators=[InputRequired()])


class UploadForm(FlaskForm):
    """Upload a list of officials."""

    file = FileField(
        _l("Lista de funcionarios (.xlsx o .csv)"), validators=[FileRequired(_l("Elija un archivo."))],
        description=_l("Columnas: nombre, correo, institución, región, cargo; idioma (es o en) opcional."),
    )


class InvitationForm(FlaskForm):
    """Invite one official by hand."""

    name = StringField(_l("Nombre"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("Correo"), validators=[DataRequired(), Length(max=254)])
    institution = SelectField(_l("Institución"), validators=[DataRequired()])
    region = SelectField(_l("Región"), validators=[DataRequired()])
    position = StringField(_l("Cargo"), validators=[Length(max=200)])
    language = SelectField(_l("Idioma de los correos"), default="es",
                           choices=[SelectChoice("es", "Español"), SelectChoice("en", "English")])


class SuccessorForm(FlaskForm):
    """The person who takes the place of an official who left (the invitation and its answers move to them)."""

    name = StringField(_l("Nombre de la persona que lo reemplaza"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("Correo"), validators=[DataRequired(), Length(max=254)])
    position = StringField(_l("Cargo"), validators=[Length(max=200)])
