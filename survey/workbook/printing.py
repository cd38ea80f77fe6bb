"""How the workbook's sheets print: landscape A4, as wide as one page, the first row on every page.

Without a print setup, Excel and LibreOffice print a sheet at 100 % in portrait, so a wide
column A filled the first page on its own and a 3-response round came out as dozens of pages.
Every sheet gets the same setup when it is created: a write-only sheet writes its properties
before its first row, so this cannot wait until the sheet is full.
"""
from __future__ import annotations

from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties

#: openpyxl's code for A4 paper (Peru prints on A4)
A4 = "9"
#: Excel's header/footer codes: sheet name, page number and page count
FOOTER = "&A · &P / &N"


def set_up_page(ws, *, title_rows: str | None = "1:1", pages_tall: int = 0) -> None:
    """Print *ws* landscape on A4, one page wide and *pages_tall* high (0: as many as needed).

    :param title_rows: rows repeated at the top of every printed page (Excel's "rows to repeat").
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = pages_tall
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    # Excel's "narrow" margins (inches): wide sheets keep a larger scale.
    ws.page_margins = PageMargins(left=0.25, right=0.25, top=0.75, bottom=0.75, header=0.3, footer=0.3)
    if title_rows:
        ws.print_title_rows = title_rows
    ws.HeaderFooter.oddFooter.center.text = FOOTER
