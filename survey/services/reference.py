"""Loading and matching the reference data (regions, institutions)."""
from __future__ import annotations

import json
import unicodedata
from importlib import resources

from sqlalchemy import select

from survey.extensions import db
from survey.models import Institution, Region


def _read(name: str) -> dict:
    return json.loads(resources.files("survey.reference").joinpath(name).read_text("utf-8"))


def load_reference() -> tuple[int, int]:
    """Insert or update regions and institutions from the shipped files; idempotent.

    Returns the number of regions and institutions now known.
    """
    regions = {r.ubigeo: r for r in db.session.scalars(select(Region))}
    for item in _read("regions.json")["regions"]:
        region = regions.get(item["ubigeo"]) or Region(ubigeo=item["ubigeo"])
        region.key = item["key"]
        region.level = item["level"]
        region.name_es = item["name"]["es"]
        region.name_en = item["name"]["en"]
        region.is_focus = bool(item.get("is_focus"))
        db.session.add(region)
    institutions = {i.code: i for i in db.session.scalars(select(Institution))}
    for item in _read("institutions.json")["institutions"]:
        inst = institutions.get(item["code"]) or Institution(code=item["code"])
        inst.acronym = item["acronym"]
        inst.name_es = item["name"]["es"]
        inst.name_en = item["name"]["en"]
        inst.level = item["level"]
        inst.axes = list(item.get("pnat_axes", []))
        db.session.add(inst)
    db.session.flush()
    return (
        db.session.query(Region).count(),
        db.session.query(Institution).count(),
    )


#: dashes people and word processors type for one another (hyphen, en and em dash, minus...) -> " - "
_DASHES = dict.fromkeys(map(ord, "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), " - ")
_QUOTES = {**dict.fromkeys(map(ord, "\u2018\u2019\u201a\u2032"), "'"),
           **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u00ab\u00bb"), '"')}


def fold(text: str) -> str:
    """Lower-case *text*, strip accents and make dashes, quotes and spaces alike, for matching names typed by
    people ("Defensoría del Pueblo – Cusco" is "Defensoria del Pueblo-Cusco")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower()).translate(_QUOTES).translate(_DASHES)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def match_region(value: str) -> Region | None:
    """Find a region by UBIGEO code, key or name (accents and case ignored)."""
    wanted = fold(value)
    if not wanted:
        return None
    for region in db.session.scalars(select(Region)):
        if wanted in {region.ubigeo, fold(region.key), fold(region.name_es), fold(region.name_en),
                      fold(region.key.replace("_", " "))}:
            return region
    return None


def _region_names(region: Region) -> set[str]:
    names = {fold(region.name_es), fold(region.name_en)}
    # "Lima (región)" is also written "Lima": the bare name, which is ambiguous with Lima Metropolitana.
    return names | {name.split(" (", 1)[0] for name in names}


def region_candidates(value: str) -> list[Region]:
    """Every region *value* may mean (UBIGEO, key or name; accents and case ignored).

    A UBIGEO code or a full name means one region; a shorter name that is also the first words of
    another region's name means both: "Lima" is Lima (región) or Lima Metropolitana, and a list
    import must not pick one silently.
    """
    wanted = fold(value)
    if not wanted:
        return []
    regions = list(db.session.scalars(select(Region).order_by(Region.ubigeo)))
    for region in regions:
        if wanted in {region.ubigeo, fold(region.name_es), fold(region.name_en), fold(region.key.replace("_", " "))} \
                and not any(other is not region and fold(other.name_es).startswith(wanted + " ") for other in regions):
            return [region]
    return [region for region in regions
            if wanted in _region_names(region) | {fold(region.key)}
            or any(name.startswith(wanted + " ") for name in _region_names(region))]


def match_institution(value: str) -> Institution | None:
    """Find an institution by code, acronym or name (accents and case ignored)."""
    wanted = fold(value)
    if not wanted:
        return None
    for inst in db.session.scalars(select(Institution)):
        if wanted in {fold(inst.code), fold(inst.acronym), fold(inst.name_es), fold(inst.name_en)}:
            return inst
    return None
