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
    # A ".part" file is a store() that never finished (its process was killed while writing).
    partial_cutoff = time.time() - 3600
    for path in folder.iterdir():
        limit = {".json": cutoff, ".part": partial_cutoff}.get(path.suffix)
        try:
            if limit is not None and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            continue    # another process purged it meanwhile


def store(round_id: int, user_id: int, filename: str, rows: list[OfficialRow]) -> str:
    """Keep *rows* for the confirmation step; return the key that finds them again."""
    folder = _folder()
    _purge(folder)
    key = secrets.token_urlsafe(16)
    payload = {"round_id": round_id, "user_id": user_id, "filename": filename,
               "rows": [row.to_dict() for row in rows]}
    # Written under a temporary name and renamed when complete, so a failed or killed write never
    # leaves a file that load() would read as a (truncated) upload.
    partial = folder / f"{key}.part"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False)
        os.replace(partial, folder / f"{key}.json")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
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
