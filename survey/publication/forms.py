"""The review step's form: k and whether organisations are named."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import NumberRange

from survey.publication.suppression import DEFAULT_K


class PublicationForm(FlaskForm):
    """What staff choose before publishing (also read, without CSRF, from the preview's query string)."""

    k = IntegerField(_l("Mínimo de respuestas por cifra (k)"), default=DEFAULT_K,
                     validators=[NumberRange(min=2, max=50)],
                     description=_l("Ninguna cifra basada en menos respuestas se publica."))
    is_naming_organisations = BooleanField(_l("Nombrar a las organizaciones"),
                                           description=_l("Publica el índice de cada organización con su nombre "
                                                          "(si tiene al menos k respuestas). Sin esta opción, "
                                                          "solo se publican tipos de institución."))
