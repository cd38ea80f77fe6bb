"""Importing the registry of organisations from .xlsx/.csv: every row checked, all or nothing.

One row per organisation: name, acronym, kind, reference type, regions (UBIGEO or names separated
by «;» or «,»), RUC, active. A file with any rejected row saves nothing; the report names each row's
problems (a duplicate, an unknown region or type, a name that means several places).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey.models import Institution, Region
from survey.models.organisations import STATE_KINDS, Organisation
from survey.services import audit
from survey.services import organisations as registry
from survey.services.official_list import ListError, read_rows
from survey.services.reference import fold, match_institution, region_candidates

MAX_ROWS = 5000
HEADERS = {
    "nombre": "name", "name": "name", "organizacion": "name", "organisation": "name", "organization": "name",
    "sigla": "acronym", "siglas": "acronym", "acronym": "acronym",
    "clase": "kind", "kind": "kind", "tipo de organizacion": "kind",
    "tipo": "type", "type": "type", "tipo de institucion": "type", "institucion": "type", "institution": "type",
    "region": "regions", "regiones": "regions", "regions": "regions", "ubigeo": "regions",
    "ruc": "ruc", "activa": "active", "active": "active",
}
KIND_WORDS = {
    "state_national": ("estatal nacional", "estado nacional", "nacional", "state national", "state_national"),
    "state_regional": ("estatal regional", "estado regional", "regional", "state regional", "state_regional"),
    "state_local": ("estatal local", "estado local", "local", "municipal", "state local", "state_local"),
    "watchdog": ("veeduria", "veeduria ciudadana", "watchdog", "citizen watchdog", "citizen watchdog group"),
    "ngo": ("ong", "ngo", "organizacion no gubernamental"),
    "civil_other": ("otra", "otra de la sociedad civil", "sociedad civil", "other", "civil society", "civil_other"),
}
_KIND_BY_WORD = {word: kind for kind, words in KIND_WORDS.items() for word in words}
#: the kind of a State body of a reference type, by the type's level
LEVEL_KINDS = {"national": "state_national", "regional": "state_regional", "local": "state_local"}


def kind_of_word(text: str) -> str | None:
    """The kind a person wrote ("veeduría", "ONG", "estatal regional"...), or None if unknown."""
    return _KIND_BY_WORD.get(fold(text))
_NO = {"no", "0", "false", "falso", "inactiva", "inactive"}


@dataclass
class OrganisationRow:
    """One row of the file, with what it resolved to and its problems."""

    row: int
    name: str
    acronym: str = ""
    kind: str = ""
    institution: Institution | None = None
    regions: list[Region] = field(default_factory=list)
    ruc: str | None = None
    is_active: bool = True
    problems: list[str] = field(default_factory=list)


@dataclass
class OrganisationReport:
    """Accepted and rejected rows; nothing is saved while a row is rejected."""

    accepted: list[OrganisationRow] = field(default_factory=list)
    rejected: list[OrganisationRow] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _columns(header: list[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = HEADERS.get(fold(_text(cell)).rstrip(":* "))
        if column and column not in columns:
            columns[column] = index
    if "name" not in columns:
        raise ListError(_l("Falta la columna: %(columns)s.", columns="nombre"))
    return columns


def _regions(value: str, row: OrganisationRow) -> None:
    for part in filter(None, (piece.strip() for piece in re.split(r"[;,]", value))):
        candidates = region_candidates(part)
        if not candidates:
            row.problems.append(_("Región desconocida: «%(region)s».", region=part))
        elif len(candidates) > 1:
            names = " / ".join(f"{region.name_es} ({region.ubigeo})" for region in candidates)
            row.problems.append(_("«%(region)s» puede ser más de una región: %(names)s. Escriba el código UBIGEO o "
                                  "el nombre completo.", region=part, names=names))
        elif candidates[0] not in row.regions:
            row.regions.append(candidates[0])


def _resolve(values: dict[str, str], number: int) -> OrganisationRow:
    row = OrganisationRow(row=number, name=values.get("name", ""), acronym=values.get("acronym", ""))
    if not row.name:
        row.problems.append(_("Falta el nombre."))
    elif len(row.name) > 300:
        row.problems.append(_("El nombre tiene más de 300 caracteres."))
    if type_text := values.get("type"):
        row.institution = match_institution(type_text)
        if row.institution is None:
            row.problems.append(_("Tipo de institución desconocido: «%(type)s».", type=type_text))
    if kind_text := values.get("kind"):
        row.kind = kind_of_word(kind_text) or ""
        if not row.kind:
            row.problems.append(_("Clase de organización desconocida: «%(kind)s». Use estatal nacional, estatal "
                                  "regional, estatal local, veeduría, ONG u otra.", kind=kind_text))
    elif row.institution is not None:
        row.kind = LEVEL_KINDS.get(row.institution.level, "state_national")
    else:
        row.problems.append(_("Falta la clase de organización (o un tipo de institución de referencia)."))
    _regions(values.get("regions", ""), row)
    if ruc := values.get("ruc"):
        if not re.fullmatch(r"\d{11}", ruc):
            row.problems.append(_("El RUC debe tener 11 dígitos: «%(ruc)s».", ruc=ruc))
        elif row.kind and row.kind not in STATE_KINDS:
            row.problems.append(_("Solo las entidades del Estado llevan RUC en este registro."))
        else:
            row.ruc = ruc
    row.is_active = fold(values.get("active", "")) not in _NO
    return row


def check(filename: str, data: bytes) -> OrganisationReport:
    """Read and check every row; raises ListError for a file that cannot be read at all."""
    rows = read_rows(filename, data)
    start = next((i for i, r in enumerate(rows) if any(_text(v) for v in r)), None)
    if start is None:
        raise ListError(_l("El archivo está vacío."))
    columns = _columns(rows[start])
    report = OrganisationReport()
    seen: dict[str, int] = {}
    body = [(index + 1, values) for index, values in enumerate(rows[start + 1:], start=start + 1)
            if any(_text(v) for v in values)]
    if not body:
        raise ListError(_l("El archivo no tiene filas de organizaciones bajo los encabezados."))
    if len(body) > MAX_ROWS:
        raise ListError(_l("El archivo tiene más de %(max)s filas.", max=MAX_ROWS))
    for number, values in body:
        cells = {column: _text(values[position]) if position < len(values) else ""
                 for column, position in columns.items()}
        row = _resolve(cells, number)
        folded = fold(row.name)
        if folded and folded in seen:
            row.problems.append(_("Repetida: la fila %(row)s ya tiene esta organización.", row=seen[folded]))
        elif folded:
            seen[folded] = number
            existing = registry.match(row.name)
            if existing.organisation is not None and fold(existing.organisation.name) == folded:
                row.problems.append(_("Ya está registrada: «%(name)s».", name=existing.organisation.name))
        (report.rejected if row.problems else report.accepted).append(row)
    return report


def save(report: OrganisationReport, *, source: str = "") -> list[Organisation]:
    """Create every accepted organisation; refuses a report with rejected rows (all or nothing)."""
    if report.rejected:
        raise ListError(_l("Hay filas rechazadas: no se guardó nada."))
    created = []
    for row in report.accepted:
        organisation = registry.create(row.name, row.kind, acronym=row.acronym, institution=row.institution,
                                       regions=row.regions, ruc=row.ruc, is_audited=False)
        if not row.is_active:
            organisation.is_active = False
        created.append(organisation)
    audit.record("organisation.import", None, count=len(created), file=source or None)
    return created
