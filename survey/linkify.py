"""Plain text with its web addresses made clickable, for showing stored e-mails in the browser.

Links are found by linkify-it-py (trailing punctuation and brackets stay outside the link);
only http and https addresses become links, so ``javascript:`` or ``data:`` text stays text.
Everything, link text and address included, is escaped by markupsafe: the result is safe to
render without ``|safe``.
"""
from __future__ import annotations

from linkify_it import LinkifyIt
from markupsafe import Markup, escape

_FINDER = LinkifyIt(options={"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
_SCHEMES = ("http:", "https:")
_LINK = Markup('<a href="{0}" rel="noopener noreferrer" target="_blank">{0}</a>')


def linkify(text: str | None) -> Markup:
    """*text* escaped, with every http(s) address in it turned into a link that opens in a new tab."""
    text = text or ""
    parts: list[str] = []
    last = 0
    for match in _FINDER.match(text) or ():
        if match.schema.lower() not in _SCHEMES:
            continue
        parts.append(escape(text[last:match.index]))
        parts.append(_LINK.format(text[match.index:match.last_index]))
        last = match.last_index
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
