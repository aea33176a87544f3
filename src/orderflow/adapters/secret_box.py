"""Webhook signing secrets at rest: sealed with AES-256-GCM (`cryptography`), never stored plain.

A database dump alone cannot forge signatures: the keys live in `ORDERFLOW_ENCRYPTION_KEYS`
(newest first), not in the database. A stored secret reads `enc1:<key id>:<nonce and sealed
bytes, base64url>`; the key id (the first 8 hex digits of the key's SHA-256) says which key opens
it, and the business it belongs to is bound in as associated data, so a sealed secret copied to
another business's row does not open. A value without the prefix is one stored before secrets
were sealed: it is read as it is until `orderflow reseal-webhook-secrets` seals it.

Rotation: put a new key first in `ORDERFLOW_ENCRYPTION_KEYS` (keep the old one after it), restart,
run `orderflow reseal-webhook-secrets` (every secret is sealed again with the first key), then
drop the old key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc1:"
_NONCE_BYTES = 12


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys opens (a key was dropped too soon, or
    the row was altered)."""


def new_key() -> str:
    """A fresh key for `ORDERFLOW_ENCRYPTION_KEYS`."""
    return secrets.token_urlsafe(32)  # 32 random bytes in base64url


def key_id(key: bytes) -> str:
    """The id a sealed value names its key by."""
    return hashlib.sha256(key).hexdigest()[:8]


class SecretBox:
    """Seals with the first key; opens with whichever key a value names."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._aeads = {key_id(k): AESGCM(k) for k in keys}
        self._current = key_id(keys[0])

    def seal(self, secret: str, business_id: int) -> str:
        """`secret` sealed for storage in a row of `business_id`."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aeads[self._current].encrypt(nonce, secret.encode(), _context(business_id))
        return f"{PREFIX}{self._current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, stored: str, business_id: int) -> str:
        """The secret `stored` holds (a value stored before sealing is returned as it is)."""
        if not stored.startswith(PREFIX):
            return stored
        kid, _, blob = stored.removeprefix(PREFIX).partition(":")
        aead = self._aeads.get(kid)
        if aead is None:
            raise SecretUnreadable(
                f"a webhook secret is sealed with key {kid}, which ORDERFLOW_ENCRYPTION_KEYS "
                "does not hold (keep old keys until `orderflow reseal-webhook-secrets` has run)"
            )
        try:
            raw = base64.urlsafe_b64decode(blob)
            opened = aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _context(business_id))
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SecretUnreadable("a stored webhook secret does not open: altered?") from exc
        return opened.decode()

    def is_current(self, stored: str) -> bool:
        """Whether `stored` is sealed with the first key already."""
        return stored.startswith(f"{PREFIX}{self._current}:")


def _context(business_id: int) -> bytes:
    return f"orderflow webhook secret, business {business_id}".encode()
