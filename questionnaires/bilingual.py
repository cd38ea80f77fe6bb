"""Bilingual text: Spanish is the authoritative language, English optional."""
from __future__ import annotations

from dataclasses import dataclass

#: Languages a definition may carry; Spanish first because it is mandatory.
LANGUAGES = ('es', 'en')


@dataclass(frozen=True)
class Text:
    """A text in Spanish (required) and English (optional, falls back to Spanish)."""

    es: str
    en: str | None = None

    def get(self, lang: str) -> str:
        """Return the text in ``lang``, falling back to Spanish when missing or unknown."""
        if lang == 'en' and self.en:
            return self.en
        return self.es

    def __str__(self) -> str:
        return self.es

    def to_document(self) -> dict:
        """Return ``{es, en}``, leaving ``en`` out when absent."""
        doc = {'es': self.es}
        if self.en:
            doc['en'] = self.en
        return doc
