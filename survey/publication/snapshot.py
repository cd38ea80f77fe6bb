"""The snapshot of a round's public figures: built from the round's figures, suppressed, then stripped.

:func:`build` computes every table (national and per region, institution type and, when staff name
them, organisation × axis indices; the option counts of choice questions) with the numbers of every
cell and why a cell is suppressed: what the review step shows staff. :func:`public` keeps of it only
what may be published: a suppressed cell keeps its key and label, never its number. Labels are kept in
Spanish and English so one snapshot serves both languages. No name, e-mail or free text ever enters
it: regions and institution types by their reference names, typed answers as one "other" count.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from survey.extensions import db
from survey.models import Institution, Invitation, Organisation, Region, Response, Round
from survey.publication import exposure
from survey.publication.exposure import Pending
from survey.publication.suppression import Cell, Table, suppress
from survey.workbook import figures
from survey.workbook.axes import choice_counts
from survey.workbook.questions import for_round

LANGS = ("es", "en")
CHOICES = ("single_choice", "multiple_choice", "yes_no", "likert")
FORMAT = 1
LICENCES = {"CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/"}


def both(message: Callable[[], str]) -> dict[str, str]:
    """*message* (a lambda around ``_()``) in Spanish and English."""
    labels = {}
    for lang in LANGS:
        with force_locale(lang):
            labels[lang] = message()
    return labels


def _cell(cell: Cell, label: dict[str, str], digits: int) -> dict[str, Any]:
    value = None if cell.value is None else round(cell.value, digits)
    return {"key": cell.key, "label": label, "n": cell.n, "value": value, "suppressed": cell.suppressed}


def _table(table: Table, labels: dict[str, dict[str, str]], meta: dict[str, Any], k: int, digits: int) -> Pending:
    suppress(table, k)
    return Pending(table, labels, meta, digits)


def _as_dict(entry: Pending) -> dict[str, Any]:
    table, digits = entry.table, entry.digits
    return {"key": table.key, **entry.meta, "total": _cell(table.total, {}, digits),
            "cells": [_cell(cell, entry.labels[cell.key], digits) for cell in table.cells]}


def _index_tables(partition: str, groups: list[figures.GroupIndex], names: dict[str, dict[str, str]],
                  national: figures.GroupIndex, axes, k: int) -> list[Pending]:
    """One table per axis: the national index split by the groups of *partition*."""
    tables = []
    titles = {"region": lambda name: _("%(axis)s: índice por región", axis=name),
              "type": lambda name: _("%(axis)s: índice por tipo de institución", axis=name),
              "org": lambda name: _("%(axis)s: índice por organización", axis=name)}
    for axis in axes:
        cells, labels = [], {}
        for group in groups:
            key = f"{partition[0]}{group.id}" if group.id is not None else "none"
            mean = group.mean(axis.key)
            cells.append(Cell(key, mean.count, mean.value))
            labels[key] = names.get(key) or names["none"]
        total = national.mean(axis.key)
        meta: dict[str, Any] = {"kind": "index", "partition": partition, "axis": axis.key, "title": {}}
        for lang in LANGS:
            with force_locale(lang):
                meta["title"][lang] = titles[partition](axis.name.get(lang))
        tables.append(_table(Table(f"{partition}-{axis.key}", Cell("total", total.count, total.value), cells),
                             labels, meta, k, 1))
    return tables


def _organisation_groups(round_id: int) -> tuple[list[figures.GroupIndex], dict[str, dict[str, str]]]:
    """Axis indices per organisation (only when staff chose to name organisations)."""
    groups: dict[int | None, figures.GroupIndex] = {}
    rows = db.session.execute(
        select(Invitation.organisation_id, Response.scores).join(Invitation, Response.invitation_id == Invitation.id)
        .where(Response.round_id == round_id, Response.submitted_at.is_not(None)))
    for organisation_id, scores in rows:
        group = groups.setdefault(organisation_id, figures.GroupIndex(organisation_id, ""))
        group.responses += 1
        for axis, value in (scores or {}).items():
            group.axes[axis].add(value)
    names = {f"o{o.id}": {lang: o.name for lang in LANGS}
             for o in db.session.scalars(select(Organisation).where(Organisation.id.in_([i for i in groups if i])))}
    ordered = sorted(groups.values(), key=lambda g: (g.id is None, names.get(f"o{g.id}", {}).get("es", "")))
    return ordered, names


def _choice_table(entry, stats: figures.QuestionStats, k: int) -> Pending:
    """A choice question's option counts; values no option describes are counted together as "other"."""
    q = entry.question
    if q.type == "likert":
        # Every point of the scale is a cell (labelled where the scale names it), as in the workbook.
        points = range(int(q.min), int(q.max) + 1)
        named = {str(option.value): option.label for option in q.options}
        known = {str(point) for point in points}
        by_lang = {lang: [(named[str(point)].get(lang) if str(point) in named else str(point), point,
                           stats.count(point)) for point in points] for lang in LANGS}
    else:
        known = {str(option.value) for option in q.options} | {"true", "false"}
        by_lang = {lang: choice_counts(q, stats, lang) for lang in LANGS}
    cells, labels, other = [], {}, 0
    for index, (_label, code, count) in enumerate(by_lang["es"]):
        if str(code) not in known:
            other += count
            continue
        key = str(code)
        cells.append(Cell(key, count, count / stats.answered if stats.answered else None))
        labels[key] = {lang: str(by_lang[lang][index][0]) for lang in LANGS}
    if other:
        cells.append(Cell("other", other, other / stats.answered if stats.answered else None))
        labels["other"] = both(lambda: _("Otras respuestas"))
    meta = {"kind": "choice", "question": q.key, "type": q.type, "title": {lang: q.text.get(lang) for lang in LANGS}}
    return _table(Table(f"q-{q.key}", Cell("total", stats.answered, None), cells), labels, meta, k, 4)


def build(round_: Round, k: int, is_naming_organisations: bool = False) -> dict[str, Any]:
    """Every table of *round_*'s public figures, with the numbers of suppressed cells and why (for review)."""
    questions = for_round(round_)
    axes = questions.framework.axes
    indices = figures.axis_indices(round_.id)
    regions = {f"r{r.id}": {lang: r.name(lang) for lang in LANGS} for r in db.session.scalars(select(Region))}
    regions["none"] = both(lambda: _("(sin región)"))
    types = {f"t{i.id}": {lang: i.name(lang) for lang in LANGS} for i in db.session.scalars(select(Institution))}
    types["none"] = both(lambda: _("(sin institución)"))
    indexed = _index_tables("region", indices.regions, regions, indices.national, axes, k)
    indexed += _index_tables("type", indices.institutions, types, indices.national, axes, k)
    if is_naming_organisations:
        organisations, names = _organisation_groups(round_.id)
        names["none"] = both(lambda: _("(sin organización)"))
        indexed += _index_tables("org", organisations, names, indices.national, axes, k)
    stats = figures.question_stats(round_.id, questions)
    choices = [_choice_table(entry, stats[entry.key], k) for entry in questions if entry.question.type in CHOICES]
    # Tables share responses with each other and with earlier publications: audited together.
    now = exposure.counted(round_.id)
    past = exposure.history(round_.id, now)
    exposure.protect_indices(round_.id, indexed, [axis.key for axis in axes], k, now, past)
    exposure.protect_choices(round_.id, choices, k, past)
    tables = [_as_dict(entry) for entry in (*indexed, *choices)]
    national = [{"key": axis.key, "label": {lang: axis.name.get(lang) for lang in LANGS},
                 **{name: value for name, value in tables[index]["total"].items() if name not in ("key", "label")}}
                for index, axis in enumerate(axes)]
    submitted = figures.submitted_count(round_.id)
    return {"format": FORMAT, "round": {"id": round_.id, "title": round_.title},
            "k": k, "licence": {"id": "CC-BY-4.0", "url": LICENCES["CC-BY-4.0"]},
            "is_naming_organisations": is_naming_organisations,
            "responses": submitted if submitted >= k else None,
            "national": {"key": "national", "kind": "national",
                         "title": both(lambda: _("Índice nacional por eje (0-100)")), "cells": national},
            "tables": tables,
            # what this publication counts, kept (never published) for the audits of later ones
            "members": exposure.members_of(now)}


def _strip(cell: dict[str, Any]) -> dict[str, Any]:
    if cell.get("suppressed"):
        return {"key": cell["key"], "label": cell.get("label", {}), "suppressed": True}
    return {"key": cell["key"], "label": cell.get("label", {}), "n": cell["n"], "value": cell["value"]}


def public(review: dict[str, Any]) -> dict[str, Any]:
    """What may be published of *review*: suppressed cells without their numbers or why."""
    snapshot = {key: value for key, value in review.items() if key not in ("national", "tables", "members")}
    snapshot["national"] = {**review["national"], "cells": [_strip(c) for c in review["national"]["cells"]]}
    snapshot["tables"] = [{**table, "total": _strip(table["total"]), "cells": [_strip(c) for c in table["cells"]]}
                          for table in review["tables"]]
    return snapshot


def shown_keys(snapshot: dict[str, Any]) -> dict[str, list[str]]:
    """Table key -> keys of the cells *snapshot* shows ("total" for a total; axis keys for "national")."""
    tables = {"national": {"cells": snapshot.get("national", {}).get("cells", [])},
              **{table["key"]: table for table in snapshot.get("tables", [])}}
    return {key: [cell["key"] for cell in ([table["total"]] if "total" in table else []) + table["cells"]
                  if not cell.get("suppressed")] for key, table in tables.items()}


def digest(snapshot: dict[str, Any]) -> str:
    """A stable SHA-256 of *snapshot* (the ETag of its public URLs)."""
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def suppressed_cells(review: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(table, cell) of every suppressed figure of *review*, for the review step."""
    found = [(review["national"], cell) for cell in review["national"]["cells"] if cell.get("suppressed")]
    for table in review["tables"]:
        found += [(table, cell) for cell in (table["total"], *table["cells"]) if cell.get("suppressed")]
    return found


