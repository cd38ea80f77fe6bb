"""The writers' documents of a round: the statistical annex (DOCX, PDF) and the regional fact sheets (PDF)."""
