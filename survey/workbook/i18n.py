"""Sheet names, headers and fixed labels of the workbook, through Flask-Babel.

The workbook is built by a worker for a language chosen at request time, not the request's
locale: each text is a lazy string with the context "workbook" (so a header never borrows the
translation of the same Spanish word elsewhere in the interface), rendered under
``force_locale(lang)``.
"""
from __future__ import annotations

from functools import lru_cache

from flask_babel import force_locale, lazy_pgettext

TEXTS = {
    # sheet names (31 characters at most)
    "sheet.summary": lazy_pgettext("workbook", "Resumen"),
    "sheet.profile": lazy_pgettext("workbook", "Perfil"),
    # an axis sheet's tab: axis names are too long for Excel's 31 characters (the full name heads the sheet)
    "sheet.axis": lazy_pgettext("workbook", "Eje {number}"),
    "sheet.axis_title": lazy_pgettext("workbook", "Eje {number}: {name}"),
    "sheet.chart": lazy_pgettext("workbook", "Gráfico"),
    "sheet.matrix": lazy_pgettext("workbook", "Matriz"),
    "sheet.responses": lazy_pgettext("workbook", "Respuestas"),
    "sheet.codes": lazy_pgettext("workbook", "Respuestas (códigos)"),
    "sheet.dictionary": lazy_pgettext("workbook", "Diccionario"),
    "sheet.invitations": lazy_pgettext("workbook", "Invitaciones"),
    "sheet.compare": lazy_pgettext("workbook", "Comparativo"),
    # summary
    "round": lazy_pgettext("workbook", "Ronda"),
    "questionnaire": lazy_pgettext("workbook", "Cuestionario"),
    "versions": lazy_pgettext("workbook", "Versión(es)"),
    "version": lazy_pgettext("workbook", "Versión"),
    "opens_at": lazy_pgettext("workbook", "Apertura"),
    "closes_at": lazy_pgettext("workbook", "Cierre"),
    "status": lazy_pgettext("workbook", "Estado"),
    "generated_at": lazy_pgettext("workbook", "Generado"),
    "participation": lazy_pgettext("workbook", "Participación"),
    "region": lazy_pgettext("workbook", "Región"),
    "institution": lazy_pgettext("workbook", "Institución"),
    "invited": lazy_pgettext("workbook", "Invitados"),
    "submitted": lazy_pgettext("workbook", "Enviadas"),
    "rate": lazy_pgettext("workbook", "Tasa de respuesta"),
    "total": lazy_pgettext("workbook", "Total"),
    "national_index": lazy_pgettext("workbook", "Índice nacional por eje"),
    # a regional coordinator's workbook: its figures are those of its regions combined, never national
    "regional_index": lazy_pgettext("workbook", "Índice por eje de las regiones de este libro"),
    "scope_regions": lazy_pgettext("workbook", "Regiones de este libro"),
    "axis": lazy_pgettext("workbook", "Eje"),
    "index": lazy_pgettext("workbook", "Índice (0-100)"),
    "responses_with_index": lazy_pgettext("workbook", "Respuestas con índice"),
    "no_region": lazy_pgettext("workbook", "(sin región)"),
    "no_institution": lazy_pgettext("workbook", "(sin institución)"),
    "index_by_sector": lazy_pgettext("workbook", "Índice por eje: Estado y sociedad civil"),
    "sector": lazy_pgettext("workbook", "Sector"),
    # "Estado" alone is an invitation's status: the sector names have their own context
    "sector.state": lazy_pgettext("workbook: sector", "Estado"),
    "sector.civil": lazy_pgettext("workbook: sector", "Sociedad civil"),
    "index_of": lazy_pgettext("workbook", "Índice: {sector}"),
    "responses_of": lazy_pgettext("workbook", "Respuestas con índice: {sector}"),
    # axis sheets
    "question": lazy_pgettext("workbook", "Pregunta"),
    "answers": lazy_pgettext("workbook: a count", "Respuestas"),
    "option": lazy_pgettext("workbook", "Opción"),
    "code": lazy_pgettext("workbook", "Código"),
    "count": lazy_pgettext("workbook", "Cantidad"),
    "percent": lazy_pgettext("workbook", "Porcentaje"),
    "mean": lazy_pgettext("workbook", "Media"),
    "median": lazy_pgettext("workbook", "Mediana"),
    "min": lazy_pgettext("workbook", "Mínimo"),
    "max": lazy_pgettext("workbook", "Máximo"),
    "earliest": lazy_pgettext("workbook", "Primera fecha"),
    "latest": lazy_pgettext("workbook", "Última fecha"),
    "row": lazy_pgettext("workbook", "Fila"),
    "column": lazy_pgettext("workbook", "Columna"),
    "free_text_note": lazy_pgettext("workbook", "Texto libre: ver la hoja Respuestas"),
    "index_by_institution": lazy_pgettext("workbook", "Índice del eje por institución"),
    "index_by_region": lazy_pgettext("workbook", "Índice del eje por región"),
    "responses": lazy_pgettext("workbook", "Respuestas"),
    # responses
    "response_id": lazy_pgettext("workbook", "ID respuesta"),
    "submitted_at": lazy_pgettext("workbook", "Enviado"),
    "yes": lazy_pgettext("workbook", "Sí"),
    "no": lazy_pgettext("workbook", "No"),
    "truncated": lazy_pgettext("workbook", "…[TRUNCADO]"),
    # dictionary
    "key": lazy_pgettext("workbook", "Clave"),
    "section": lazy_pgettext("workbook", "Sección"),
    "type": lazy_pgettext("workbook", "Tipo"),
    "text_es": lazy_pgettext("workbook", "Texto (es)"),
    "text_en": lazy_pgettext("workbook", "Texto (en)"),
    "options": lazy_pgettext("workbook", "Opciones (código = etiqueta)"),
    "validation": lazy_pgettext("workbook", "Validación"),
    "show_if": lazy_pgettext("workbook", "Se muestra si"),
    "weight": lazy_pgettext("workbook", "Peso en el índice"),
    "method": lazy_pgettext("workbook", "Método de puntaje"),
    "columns": lazy_pgettext("workbook", "Columnas en Respuestas"),
    "in_versions": lazy_pgettext("workbook", "Versiones"),
    "required": lazy_pgettext("workbook", "obligatoria"),
    # invitations
    "official": lazy_pgettext("workbook", "Funcionario(a)"),
    "email": lazy_pgettext("workbook", "Correo"),
    "position": lazy_pgettext("workbook", "Cargo"),
    "invited_at": lazy_pgettext("workbook", "Invitado"),
    "reminders_sent": lazy_pgettext("workbook", "Recordatorios"),
    "last_reminded_at": lazy_pgettext("workbook", "Último recordatorio"),
    "declined_at": lazy_pgettext("workbook", "Declinó"),
    "state.invited": lazy_pgettext("workbook", "Invitado"),
    "state.opened": lazy_pgettext("workbook", "Abrió el enlace"),
    "state.in_progress": lazy_pgettext("workbook", "En curso"),
    "state.submitted": lazy_pgettext("workbook", "Enviado"),
    "state.declined": lazy_pgettext("workbook", "Declinó"),
    "state.revoked": lazy_pgettext("workbook", "Revocado"),
    # comparison
    "change": lazy_pgettext("workbook", "Cambio"),
    "shared_questions": lazy_pgettext("workbook", "Preguntas comunes"),
    "indicator": lazy_pgettext("workbook", "Indicador"),
    "only_in": lazy_pgettext("workbook", "Preguntas solo en {round}"),
    "none": lazy_pgettext("workbook", "(ninguna)"),
    "mean_of": lazy_pgettext("workbook", "Media"),
    "percent_of": lazy_pgettext("workbook", "% {label}"),
    # question types
    "type.single_choice": lazy_pgettext("workbook", "Opción única"),
    "type.multiple_choice": lazy_pgettext("workbook", "Opción múltiple"),
    "type.yes_no": lazy_pgettext("workbook", "Sí/No"),
    "type.integer": lazy_pgettext("workbook", "Número entero"),
    "type.decimal": lazy_pgettext("workbook", "Número decimal"),
    "type.currency": lazy_pgettext("workbook", "Monto"),
    "type.date": lazy_pgettext("workbook", "Fecha"),
    "type.text": lazy_pgettext("workbook", "Texto corto"),
    "type.long_text": lazy_pgettext("workbook", "Texto largo"),
    "type.likert": lazy_pgettext("workbook", "Escala"),
    "type.matrix": lazy_pgettext("workbook", "Cuadrícula"),
    # verification by staff
    "sheet.queries": lazy_pgettext("workbook", "Consultas"),
    "verification_of": lazy_pgettext("workbook", "{question} (verificación)"),
    "verification.open": lazy_pgettext("workbook", "Pendiente"),
    "verification.verified": lazy_pgettext("workbook", "Verificada"),
    "verification.contested": lazy_pgettext("workbook", "Observada"),
    "verification.queried": lazy_pgettext("workbook", "Consultada"),
    "organisation": lazy_pgettext("workbook", "Organización"),
    "query.id": lazy_pgettext("workbook", "Consulta"),
    "query.status": lazy_pgettext("workbook", "Estado de la consulta"),
    "query.open": lazy_pgettext("workbook", "Abierta"),
    "query.closed": lazy_pgettext("workbook", "Respondida"),
    "query.opened_at": lazy_pgettext("workbook", "Abierta el"),
    "query.closed_at": lazy_pgettext("workbook", "Respondida el"),
    "query.author": lazy_pgettext("workbook", "De"),
    "query.by_staff": lazy_pgettext("workbook", "Equipo"),
    "query.by_respondent": lazy_pgettext("workbook", "Institución"),
    "query.who": lazy_pgettext("workbook", "Nombre"),
    "query.at": lazy_pgettext("workbook", "Fecha"),
    "query.message": lazy_pgettext("workbook", "Mensaje"),
    "query.old": lazy_pgettext("workbook", "Valor anterior"),
    "query.new": lazy_pgettext("workbook", "Valor corregido"),
    "verified_only": lazy_pgettext("workbook", "Cifras calculadas solo con respuestas verificadas"),
    # supporting documents
    "sheet.evidence": lazy_pgettext("workbook", "Evidencias"),
    "evidence_of": lazy_pgettext("workbook", "{question} (evidencias)"),
    "evidence.verified": lazy_pgettext("workbook", "verificada"),
    "evidence.unverified": lazy_pgettext("workbook", "sin verificar"),
    "evidence.name": lazy_pgettext("workbook", "Archivo"),
    "evidence.size": lazy_pgettext("workbook", "Tamaño (bytes)"),
    "evidence.type": lazy_pgettext("workbook", "Tipo"),
    "evidence.sha256": lazy_pgettext("workbook", "SHA-256"),
    "evidence.uploaded_at": lazy_pgettext("workbook", "Adjuntado el"),
    "evidence.state": lazy_pgettext("workbook", "Verificación de la respuesta"),
    "evidence.path": lazy_pgettext("workbook", "Ruta en el ZIP"),
    "evidence.submitted": lazy_pgettext("workbook", "Respuesta enviada"),
}


@lru_cache(maxsize=512)
def _translated(key: str, lang: str) -> str:
    with force_locale("en" if lang == "en" else "es"):
        return str(TEXTS[key])


def text(key: str, lang: str, **params: str) -> str:
    """Return the workbook text *key* in *lang* ('es' unless 'en'), formatted with *params*."""
    value = _translated(key, lang)
    return value.format(**params) if params else value
