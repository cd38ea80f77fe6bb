"""Reference data: Peru's regions (INEI UBIGEO) and the institutions officials work for."""
from __future__ import annotations

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import db


class Region(db.Model):
    """A regional-level unit: a department, or Lima Metropolitana (province 1501)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: INEI UBIGEO code: 2 digits for a department, 4 for Lima Metropolitana
    ubigeo: Mapped[str] = mapped_column(String(6), unique=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    level: Mapped[str] = mapped_column(String(20))
    name_es: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    #: one of the ten regions the Alternative Report focuses on
    is_focus: Mapped[bool] = mapped_column(default=False)

    def name(self, lang: str = "es") -> str:
        """The region's name in *lang*."""
        return self.name_en if lang == "en" else self.name_es


class Institution(db.Model):
    """A public institution (ministry, police, prosecution, regional or local government...)."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    acronym: Mapped[str] = mapped_column(String(40))
    name_es: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: national, regional or local
    level: Mapped[str] = mapped_column(String(20))
    #: editorial mapping of the institution's main PNAT axes
    axes: Mapped[list[str]] = mapped_column(JSON, default=list)

    def name(self, lang: str = "es") -> str:
        """The institution's name in *lang*."""
        return self.name_en if lang == "en" else self.name_es
