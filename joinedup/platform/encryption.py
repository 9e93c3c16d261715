"""Encryption at rest for the few fields that must never sit in the database as plain text.

A full name is optional and shown only to need-to-know users (DESIGN §3.4). It is stored as a
Fernet token (AES-128-CBC with HMAC-SHA256) made with the keys in ``settings.JOINEDUP_FIELD_KEYS``:
the first key encrypts, every key decrypts, so a key can be rotated by putting the new one
first and re-saving (``MultiFernet.rotate``). Nothing here decrypts on load: the only way to
read a name is a service that audits the reveal.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionFailed(Exception):
    """The stored value could not be decrypted with any configured key."""


def derive_key(secret: str) -> str:
    """A Fernet key derived from a secret string (used only where no key is configured: tests, the demo)."""
    return base64.urlsafe_b64encode(hashlib.sha256(("joinedup-field-key:" + secret).encode()).digest()).decode()


def _cipher() -> MultiFernet:
    keys = list(getattr(settings, "JOINEDUP_FIELD_KEYS", []) or [])
    if not keys:
        raise ImproperlyConfigured("JOINEDUP_FIELD_KEYS is empty: encrypted fields need at least one key")
    try:
        return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "JOINEDUP_FIELD_KEYS must be Fernet keys (32 bytes, url-safe base64), separated by commas"
        ) from error


def encrypt_text(plain: str) -> str:
    """The Fernet token for ``plain``; an empty string stays empty (nothing recorded)."""
    if not plain:
        return ""
    return _cipher().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    if not token:
        return ""
    try:
        return _cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise DecryptionFailed("The stored value cannot be decrypted with the configured keys") from error


def rotate_text(token: str) -> str:
    """Re-encrypt a token under the first (newest) key."""
    if not token:
        return ""
    try:
        return _cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise DecryptionFailed("The stored value cannot be decrypted with the configured keys") from error
