"""Submission nonces: minted with the review page, they name the revision the official saw.

A replay of an applied submission carries a revision that has moved on, so it is recognised
and answered "already received". Signed, so a nonce cannot be forged or moved to another link.
"""
from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="survey.respond.submit")


def mint(invitation_id: int, revision: int) -> str:
    """A submission nonce for the review page: the revision it shows, signed, plus randomness."""
    return _serializer().dumps({"i": invitation_id, "r": revision, "n": secrets.token_urlsafe(12)})


def read(invitation_id: int, nonce: str) -> int | None:
    """The revision a submission expects to replace, or None for a forged or foreign nonce."""
    try:
        payload = _serializer().loads(nonce)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("i") != invitation_id or not isinstance(payload.get("r"), int):
        return None
    return payload["r"]
