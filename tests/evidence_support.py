"""Support for the evidence tests: a questionnaire asking for documents, and real files of each kind."""
from __future__ import annotations

import io

from openpyxl import Workbook

#: the EICAR anti-virus test string (not a virus: every scanner is meant to report it)
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def evidence_document() -> dict:
    """A two-section questionnaire: an ordinance required on the plan question, an optional budget sheet."""
    def t(es: str) -> dict:
        return {"es": es, "en": es + " (en)"}

    return {
        "format": 1, "key": "evidence-test", "title": t("Cuestionario con sustento"),
        "framework": {"key": "ev-fw", "name": t("Marco"), "axes": [{"key": "gov", "name": t("Gobernanza")}]},
        "sections": [
            {"key": "gov", "title": t("Gobernanza"), "axis": "gov", "questions": [
                {"key": "has_plan", "type": "yes_no", "text": t("¿Tiene plan regional?"), "evidence": "required"},
                {"key": "budget", "type": "integer", "text": t("Presupuesto"), "evidence": "optional"},
                {"key": "notes", "type": "text", "text": t("Notas")},
            ]},
            {"key": "end", "title": t("Cierre"), "axis": "gov", "questions": [
                {"key": "comments", "type": "text", "text": t("Comentarios")},
            ]},
        ],
    }


def pdf_bytes(pages_text: str = "Ordenanza Regional 012-2025") -> bytes:
    """A small, valid PDF (what libmagic calls application/pdf)."""
    body = f"BT /F1 12 Tf 72 720 Td ({pages_text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def xlsx_bytes() -> bytes:
    """A spreadsheet written by openpyxl (libmagic reads it as an Excel 2007+ workbook).

    Not the same bytes twice: openpyxl stamps the current time into the ZIP entries and the properties."""
    book = Workbook()
    book.active.append(["Fuente", "Monto"])
    book.active.append(["PP 0030", 150000])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HTML_AS_PDF = b"<!DOCTYPE html><html><head><script>alert(document.cookie)</script></head><body>Informe</body></html>\n"
