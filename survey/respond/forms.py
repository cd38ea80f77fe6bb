"""Forms of the personal link's side pages: declining, and forwarding to a colleague.

The question pages are not WTForms: their fields come from the questionnaire and are read by
``questionnaires.parse_form``.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class DeclineForm(FlaskForm):
    """Why the official will not answer (optional, but it helps the report)."""

    reason = TextAreaField(_l("Motivo (opcional)"), validators=[
        Optional(), Length(max=2000, message=_l("Escriba como máximo %(max)d caracteres."))])


class ForwardForm(FlaskForm):
    """The colleague of the same institution who should answer instead."""

    name = StringField(_l("Nombre y apellidos de su colega"), validators=[
        DataRequired(message=_l("Escriba el nombre de su colega.")),
        Length(max=200, message=_l("Escriba como máximo %(max)d caracteres."))])
    email = EmailField(_l("Correo electrónico institucional de su colega"), validators=[
        DataRequired(message=_l("Escriba el correo de su colega.")),
        Length(max=254, message=_l("Escriba como máximo %(max)d caracteres."))])
    position = StringField(_l("Cargo (opcional)"), validators=[
        Optional(), Length(max=200, message=_l("Escriba como máximo %(max)d caracteres."))])
