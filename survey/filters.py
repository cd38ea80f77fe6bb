"""Jinja filters: dates in Lima time, and links made clickable in plain text (survey.linkify)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from survey.linkify import linkify

LIMA = ZoneInfo("America/Lima")


def to_lima(value: datetime | None) -> datetime | None:
    """Convert an aware UTC datetime to Lima time."""
    return value.astimezone(LIMA) if value is not None else None


def lima_date(value: datetime | None) -> str:
    """Format as DD/MM/YYYY in Lima time."""
    return to_lima(value).strftime("%d/%m/%Y") if value else ""


def lima_datetime(value: datetime | None) -> str:
    """Format as DD/MM/YYYY HH:MM in Lima time."""
    return to_lima(value).strftime("%d/%m/%Y %H:%M") if value else ""


def plain_number(value: float | int | None) -> str:
    """A number as people write it: 12 rather than 12.0, at most two decimals."""
    if value is None:
        return ""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(plain_number)
    app.add_template_filter(lima_date)
    app.add_template_filter(lima_datetime)
    app.add_template_filter(linkify)
