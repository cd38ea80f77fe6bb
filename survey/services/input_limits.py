"""The limits on uploaded and imported files (questionnaires.safe_input), said to people in their language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from questionnaires.safe_input import InputLimitError

#: one sentence per limit code of questionnaires.safe_input.MESSAGES
SENTENCES = {
    "file_size": lambda limit: _l("El archivo pesa más de %(limit)s.", limit=limit),
    "zip_members": lambda limit: _l("El archivo .xlsx contiene más de %(limit)s partes.", limit=limit),
    "part_size": lambda limit: _l("Una parte del archivo .xlsx ocupa más de %(limit)s al descomprimirla.",
                                  limit=limit),
    "total_size": lambda limit: _l("El archivo .xlsx ocupa más de %(limit)s al descomprimirlo.", limit=limit),
    "shared_strings_size": lambda limit: _l(
        "La tabla de textos compartidos del archivo .xlsx ocupa más de %(limit)s al descomprimirla.", limit=limit),
    "shared_strings": lambda limit: _l(
        "La tabla de textos compartidos del archivo .xlsx tiene más de %(limit)s textos.", limit=limit),
    "xml_dtd": lambda limit: _l(
        "El archivo .xlsx contiene una declaración DOCTYPE o de entidades XML, que no se admite."),
    "xml_invalid": lambda limit: _l("Una parte del archivo .xlsx no es XML bien formado."),
    "xml_elements": lambda limit: _l("El archivo .xlsx tiene más de %(limit)s elementos XML en un mismo lugar.",
                                     limit=limit),
    "row_entries": lambda limit: _l("Una hoja declara más de %(limit)s filas, con datos o sin ellos.", limit=limit),
    "row_order": lambda limit: _l("Las filas de una hoja no están en orden ascendente."),
    "row_size": lambda limit: _l("Una fila tiene más de %(limit)s elementos XML.", limit=limit),
    "rows": lambda limit: _l("Hay datos más abajo de la fila %(limit)s, el límite de filas.", limit=limit),
    "columns": lambda limit: _l("Hay datos más a la derecha de la columna %(limit)s, el límite de columnas.",
                                limit=limit),
    "cell_length": lambda limit: _l("Una celda tiene más de %(limit)s caracteres.", limit=limit),
    "text_total": lambda limit: _l("Las celdas suman más de %(limit)s caracteres.", limit=limit),
    "depth": lambda limit: _l("El contenido se anida en más de %(limit)s niveles.", limit=limit),
    "values": lambda limit: _l(
        "El archivo tiene más de %(limit)s valores (un alias de YAML cuenta todo lo que repite).", limit=limit),
    "yaml_recursive_alias": lambda limit: _l("Un alias de YAML repite un valor que lo contiene."),
}

PLACES = {
    "part": lambda value: _l("parte «%(part)s»", part=value),
    "sheet": lambda value: _l("hoja «%(sheet)s»", sheet=value),
    "row": lambda value: _l("fila %(row)s", row=value),
    "column": lambda value: _l("columna %(column)s", column=value),
    "string": lambda value: _l("texto compartido n.º %(number)s", number=value),
    "line": lambda value: _l("línea %(line)s", line=value),
}


def place(exc: InputLimitError) -> str:
    """Where the limit was hit (sheet, row, column...), in the current language; empty for the whole file."""
    return ", ".join(str(PLACES[key](value)) for key, value in exc.where.items())


def describe(exc: InputLimitError) -> str:
    """The refusal as one sentence in the current language, naming the limit and the place."""
    sentence = str(SENTENCES[exc.code](exc.shown_limit))
    where = place(exc)
    return f"{sentence[:-1]} ({where})." if where else sentence
