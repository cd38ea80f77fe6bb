"""Sheet names, headers and fixed labels of the workbook in Spanish and English.

The workbook is built by a worker for a language chosen at request time, so its texts
are looked up here by key rather than through the request's Flask-Babel locale.
"""
from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # sheet names (31 characters at most)
    "sheet.summary": ("Resumen", "Summary"),
    "sheet.profile": ("Perfil", "Profile"),
    "sheet.matrix": ("Matriz", "Matrix"),
    "sheet.responses": ("Respuestas", "Responses"),
    "sheet.codes": ("Respuestas (códigos)", "Responses (codes)"),
    "sheet.dictionary": ("Diccionario", "Dictionary"),
    "sheet.invitations": ("Invitaciones", "Invitations"),
    "sheet.compare": ("Comparativo", "Comparison"),
    # summary
    "round": ("Ronda", "Round"),
    "questionnaire": ("Cuestionario", "Questionnaire"),
    "versions": ("Versión(es)", "Version(s)"),
    "version": ("Versión", "Version"),
    "opens_at": ("Apertura", "Opens"),
    "closes_at": ("Cierre", "Closes"),
    "status": ("Estado", "Status"),
    "generated_at": ("Generado", "Generated"),
    "participation": ("Participación", "Participation"),
    "region": ("Región", "Region"),
    "institution": ("Institución", "Institution"),
    "invited": ("Invitados", "Invited"),
    "submitted": ("Enviadas", "Submitted"),
    "rate": ("Tasa de respuesta", "Response rate"),
    "total": ("Total", "Total"),
    "national_index": ("Índice nacional por eje", "National index by axis"),
    "axis": ("Eje", "Axis"),
    "index": ("Índice (0-100)", "Index (0-100)"),
    "responses_with_index": ("Respuestas con índice", "Responses with an index"),
    "no_region": ("(sin región)", "(no region)"),
    "no_institution": ("(sin institución)", "(no institution)"),
    # axis sheets
    "question": ("Pregunta", "Question"),
    "answers": ("Respuestas", "Answers"),
    "option": ("Opción", "Option"),
    "code": ("Código", "Code"),
    "count": ("Cantidad", "Count"),
    "percent": ("Porcentaje", "Percent"),
    "mean": ("Media", "Mean"),
    "median": ("Mediana", "Median"),
    "min": ("Mínimo", "Minimum"),
    "max": ("Máximo", "Maximum"),
    "earliest": ("Primera fecha", "Earliest"),
    "latest": ("Última fecha", "Latest"),
    "row": ("Fila", "Row"),
    "column": ("Columna", "Column"),
    "free_text_note": ("Texto libre: ver la hoja Respuestas", "Free text: see the Responses sheet"),
    "index_by_institution": ("Índice del eje por institución", "Axis index by institution"),
    "index_by_region": ("Índice del eje por región", "Axis index by region"),
    "responses": ("Respuestas", "Responses"),
    # responses
    "response_id": ("ID respuesta", "Response ID"),
    "submitted_at": ("Enviado", "Submitted"),
    "yes": ("Sí", "Yes"),
    "no": ("No", "No"),
    "truncated": ("…[TRUNCADO]", "…[TRUNCATED]"),
    # dictionary
    "key": ("Clave", "Key"),
    "section": ("Sección", "Section"),
    "type": ("Tipo", "Type"),
    "text_es": ("Texto (es)", "Text (es)"),
    "text_en": ("Texto (en)", "Text (en)"),
    "options": ("Opciones (código = etiqueta)", "Options (code = label)"),
    "validation": ("Validación", "Validation"),
    "show_if": ("Se muestra si", "Shown if"),
    "weight": ("Peso en el índice", "Index weight"),
    "method": ("Método de puntaje", "Scoring method"),
    "columns": ("Columnas en Respuestas", "Columns in Responses"),
    "in_versions": ("Versiones", "Versions"),
    "required": ("obligatoria", "required"),
    # invitations
    "official": ("Funcionario(a)", "Official"),
    "email": ("Correo", "E-mail"),
    "position": ("Cargo", "Position"),
    "invited_at": ("Invitado", "Invited"),
    "reminders_sent": ("Recordatorios", "Reminders"),
    "last_reminded_at": ("Último recordatorio", "Last reminder"),
    "declined_at": ("Declinó", "Declined"),
    "state.invited": ("Invitado", "Invited"),
    "state.opened": ("Abrió el enlace", "Opened the link"),
    "state.in_progress": ("En curso", "In progress"),
    "state.submitted": ("Enviado", "Submitted"),
    "state.declined": ("Declinó", "Declined"),
    "state.revoked": ("Revocado", "Revoked"),
    # comparison
    "change": ("Cambio", "Change"),
    "shared_questions": ("Preguntas comunes", "Shared questions"),
    "indicator": ("Indicador", "Indicator"),
    "only_in": ("Preguntas solo en {round}", "Questions only in {round}"),
    "none": ("(ninguna)", "(none)"),
    "mean_of": ("Media", "Mean"),
    "percent_of": ("% {label}", "% {label}"),
    # question types
    "type.single_choice": ("Opción única", "Single choice"),
    "type.multiple_choice": ("Opción múltiple", "Multiple choice"),
    "type.yes_no": ("Sí/No", "Yes/No"),
    "type.integer": ("Número entero", "Integer"),
    "type.decimal": ("Número decimal", "Decimal"),
    "type.currency": ("Monto", "Amount"),
    "type.date": ("Fecha", "Date"),
    "type.text": ("Texto corto", "Short text"),
    "type.long_text": ("Texto largo", "Long text"),
    "type.likert": ("Escala", "Scale"),
    "type.matrix": ("Cuadrícula", "Grid"),
}


def text(key: str, lang: str, **params: str) -> str:
    """Return the workbook text *key* in *lang* ('es' unless 'en'), formatted with *params*."""
    es, en = TEXTS[key]
    value = en if lang == "en" else es
    return value.format(**params) if params else value
