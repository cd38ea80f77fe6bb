"""The questionnaire header form (title, description, framework) and the section form."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

import questionnaires
from survey.builder import fields as f
from survey.builder.problems import Placed

#: Value of the framework choice that means "declare my own axes".
CUSTOM = "custom"


def parse_header(form: Mapping[str, str], placed: Placed) -> dict[str, Any]:
    """Title, description and framework from the header (or creation) form."""
    header: dict[str, Any] = {"title": f.bilingual(form, "title", f.SHORT, placed),
                              "description": f.bilingual(form, "description", f.LONG, placed)}
    choice = f.value(form, "framework")
    if choice != CUSTOM:
        header["framework"] = choice or None
        return header
    framework: dict[str, Any] = {"key": f.limit(form, "framework_key", 64, placed, "framework")}
    name = f.bilingual(form, "framework_name", f.SHORT, placed)
    if name is None:
        placed.add("framework", _("Escriba el nombre del marco."))
    else:
        framework["name"] = name
    axes = f.read_options(form, "framework_axes", placed)
    framework["axes"] = [{"key": axis["value"], "name": axis["label"]} for axis in axes or []]
    if not axes:
        placed.add("framework", _("Escriba al menos un eje, uno por línea: «clave | nombre | name»."))
    header["framework"] = framework
    return header


def header_values(document: Mapping) -> dict[str, str]:
    """Form values of the header of *document*."""
    values = {**f.bilingual_values(document.get("title"), "title"),
              **f.bilingual_values(document.get("description"), "description")}
    framework = document.get("framework")
    if isinstance(framework, Mapping):
        values.update(framework=CUSTOM, framework_key=str(framework.get("key", "")),
                      **f.bilingual_values(framework.get("name"), "framework_name"))
        values["framework_axes"] = f.options_text(
            [{"value": axis.get("key"), "label": axis.get("name")} for axis in framework.get("axes") or []])
    else:
        values.update(framework=framework or "", framework_key="", framework_name_es="", framework_name_en="",
                      framework_axes="")
    return values


def builtin_frameworks() -> list[questionnaires.Framework]:
    """The frameworks a questionnaire can name by key."""
    return list(questionnaires.BUILTIN_FRAMEWORKS.values())


def axes_of(document: Mapping) -> list[tuple[str, str]]:
    """(key, Spanish name) of the axes of the document's framework, for the section form."""
    framework = document.get("framework")
    if isinstance(framework, str) and framework in questionnaires.BUILTIN_FRAMEWORKS:
        return [(axis.key, axis.name.es) for axis in questionnaires.BUILTIN_FRAMEWORKS[framework].axes]
    if isinstance(framework, Mapping):
        return [(str(axis.get("key")), (axis.get("name") or {}).get("es", ""))
                for axis in framework.get("axes") or [] if isinstance(axis, Mapping)]
    return []


def parse_section(form: Mapping[str, str], placed: Placed) -> dict[str, Any]:
    """Key, title, description, axis and audience (None: everyone) of a section."""
    return {"key": f.limit(form, "key", 64, placed, "key") or None,
            "title": f.bilingual(form, "title", f.SHORT, placed),
            "description": f.bilingual(form, "description", f.LONG, placed),
            "axis": f.value(form, "axis") or None, "audience": f.value(form, "audience") or None}


def section_values(section: Mapping) -> dict[str, str]:
    """Form values of a section."""
    return {"key": section.get("key", ""), "axis": section.get("axis") or "", "audience": section.get("audience") or "",
            **f.bilingual_values(section.get("title"), "title"),
            **f.bilingual_values(section.get("description"), "description")}
