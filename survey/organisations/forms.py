"""Forms of the organisations pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from survey.extensions import db
from survey.models import Institution, Region
from survey.models.organisations import KINDS, STATE_KINDS

KIND_LABELS = {
    "state_national": _l("Estado: entidad nacional"),
    "state_regional": _l("Estado: gobierno o entidad regional"),
    "state_local": _l("Estado: gobierno local"),
    "watchdog": _l("Sociedad civil: veeduría ciudadana"),
    "ngo": _l("Sociedad civil: ONG"),
    "civil_other": _l("Sociedad civil: otra"),
}


class RegionsField(SelectMultipleField):
    """Regions as a list of checkboxes (usable without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OrganisationForm(FlaskForm):
    """Name, acronym, kind, reference type, regions and RUC of an organisation."""

    name = StringField(_l("Nombre"), validators=[InputRequired(_l("Escriba el nombre.")), Length(max=300)])
    acronym = StringField(_l("Sigla"), validators=[Optional(), Length(max=40)])
    kind = SelectField(_l("Clase"), choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in KINDS])
    institution = SelectField(_l("Tipo de institución de referencia"), coerce=int, default=0)
    regions = RegionsField(_l("Regiones"), coerce=int)
    ruc = StringField(_l("RUC (solo entidades del Estado)"), validators=[
        Optional(), Regexp(r"^\d{11}$", message=_l("El RUC tiene 11 dígitos."))])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.institution.choices = [SelectChoice(0, _l("— ninguno —"))] + [
            SelectChoice(inst.id, f"{inst.acronym} · {inst.name_es}")
            for inst in db.session.scalars(select(Institution).order_by(Institution.acronym))]
        self.regions.choices = [SelectChoice(region.id, f"{region.name_es} ({region.ubigeo})")
                                for region in db.session.scalars(select(Region).order_by(Region.ubigeo))]

    def validate_ruc(self, field: StringField) -> None:
        """Only State bodies carry a RUC here (the error goes under the RUC, not the name)."""
        if field.data and self.kind.data not in STATE_KINDS:
            raise ValidationError(_l("Solo las entidades del Estado llevan RUC en este registro."))


class MergeForm(FlaskForm):
    """Merge this organisation (a duplicate) into the one kept."""

    into = SelectField(_l("Conservar"), coerce=int, validators=[InputRequired()])


class ImportForm(FlaskForm):
    """An .xlsx or .csv list of organisations."""

    file = FileField(_l("Archivo .xlsx o .csv"), validators=[FileRequired(_l("Elija un archivo."))])
    is_dry_run = BooleanField(_l("Solo revisar, sin guardar"))


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token."""
