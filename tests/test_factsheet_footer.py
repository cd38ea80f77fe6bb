"""Every fact sheet page says, at its foot, which round it shows, when its figures were taken (Lima time:
five hours behind UTC, so a sheet built at 02:30 UTC is dated the day before) and its source, in Spanish or
in English."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from survey.reports import factsheets
from tests.test_reports import pdf_pages, rounds  # noqa: F401

#: 2026-03-01 02:30 UTC is 2026-02-28 21:30 in Lima
BUILT_AT = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize("lang,taken,source", [
    ("es", "Cifras al 28/02/2026 21:30 (hora de Lima)", "Fuente: CHS Alternativo, Informe Alternativo"),
    ("en", "Figures as of 28/02/2026 21:30 (Lima time)", "Source: CHS Alternativo, Informe Alternativo"),
])
def test_each_page_names_the_round_the_date_of_its_figures_and_the_source(rounds, tmp_path, monkeypatch,  # noqa: F811
                                                                         lang, taken, source):
    _, this = rounds
    monkeypatch.setattr(factsheets, "utcnow", lambda: BUILT_AT)  # the clock, not a component
    pages = pdf_pages(factsheets.build(this.id, tmp_path / "fichas.pdf", lang=lang).path)
    assert len(pages) == 3
    for page in pages:
        foot = [line.strip() for line in page.splitlines() if line.strip()][-1]
        assert foot.startswith("Informe 2026") and taken in foot and source in foot, foot
