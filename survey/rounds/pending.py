"""Uploaded official lists kept between the check and the confirmation.

The parsed rows wait in the instance folder under a random key, bound to the round
and the user who uploaded them; nothing reaches the database before the confirmation.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import current_app

from survey.services.official_list import OfficialRow

#: an unconfirmed upload is forgotten after this many seconds
TTL_SECONDS = 24 * 3600
_KEY = re.compile(r"^[A-Za-z0-9_-]{22}$")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "pending-imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _purge(folder: Path) -> None:
    cutoff = time.time() - TTL_SECONDS
    for path in folder.glob("*.json"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def store(round_id: int, user_id: int, filename: str, rows: list[OfficialRow]) -> str:
    """Keep *rows* for the confirmation step; return the key that finds them again."""
    folder = _folder()
    _purge(folder)
    key = secrets.token_urlsafe(16)
    payload = {"round_id": round_id, "user_id": user_id, "filename": filename,
               "rows": [row.to_dict() for row in rows]}
    fd = os.open(folder / f"{key}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False)
    return key


def load(key: str, round_id: int, user_id: int) -> tuple[str, list[OfficialRow]] | None:
    """The file name and rows stored under *key* by this user for this round, or None."""
    if not _KEY.match(key or ""):
        return None
    path = _folder() / f"{key}.json"
    try:
        payload: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if payload.get("round_id") != round_id or payload.get("user_id") != user_id:
        return None
    if path.stat().st_mtime < time.time() - TTL_SECONDS:
        return None
    return payload["filename"], [OfficialRow(**row) for row in payload["rows"]]


def discard(key: str) -> None:
    """Forget an upload once saved."""
    if _KEY.match(key or ""):
        (_folder() / f"{key}.json").unlink(missing_ok=True)
