"""Where the app may send a browser back to: paths on this site only (no open redirect)."""
from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


def _is_site_path(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//") or "\\" in text:
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def is_safe_next(url: str | None) -> bool:
    """True when *url* is a path on this site that a browser will read as such.

    Browsers drop tab, CR and LF anywhere in a URL and read a backslash as a slash, so
    ``/\\t/evil.example`` becomes ``//evil.example``, another host: any control character or
    whitespace is refused, as are backslashes, schemes and hosts. The percent-decoded form must
    pass too (without the whitespace rule, which a query such as ``?q=a%20b`` may need), so that a
    server or proxy that decodes once on the way cannot turn ``/%09/evil`` into another host.
    """
    if not url or len(url) > 2000 or _has_control(url) or any(char.isspace() for char in url):
        return False
    decoded = unquote(url)
    return _is_site_path(url) and _is_site_path(decoded) and not _has_control(decoded)


def safe_next(url: str | None) -> str | None:
    """Return *url* if :func:`is_safe_next` accepts it, else None."""
    return url if is_safe_next(url) else None
