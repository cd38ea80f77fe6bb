"""Personal invitation links.

A token is HMAC-SHA256(key, "<invitation id>:<nonce>"), 256 bits, base64url. The key is
derived from SECRET_KEY and never stored in the database; the database keeps the nonce
and the SHA-256 of the token. A leaked database therefore holds no working link, while
reminders can still rebuild the link. Rotating the nonce revokes the old link.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from survey.extensions import db
from survey.models import Invitation


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"survey.invitation-token.v1", hashlib.sha256).digest()


def token_hash(token: str) -> str:
    """SHA-256 hex digest of a token (what the database stores)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _derive(invitation_id: int, nonce: str) -> str:
    mac = hmac.new(_key(), f"{invitation_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def issue(invitation: Invitation) -> str:
    """Give *invitation* a new token (the old one stops working) and return it.

    The invitation must have an id (flush first).
    """
    if invitation.id is None:
        db.session.flush()
    invitation.token_nonce = secrets.token_urlsafe(24)
    token = _derive(invitation.id, invitation.token_nonce)
    invitation.token_hash = token_hash(token)
    return token


def token_for(invitation: Invitation) -> str:
    """Rebuild the current token of *invitation* (for e-mails)."""
    return _derive(invitation.id, invitation.token_nonce)


def find(token: str) -> Invitation | None:
    """Return the invitation whose current token is *token*, or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))


def placeholder_hash() -> str:
    """A unique unusable hash for a row created before its id is known."""
    return "pending-" + secrets.token_hex(28)
