"""Encryption of personal data at rest, and the blind index that finds it again.

ID numbers and phones are stored as Fernet tokens (AES-128-CBC with HMAC-SHA256, a random IV each time:
the same number encrypts differently in every row). `FIELD_ENCRYPTION_KEYS` lists the keys, newest
first: the first encrypts, every one decrypts, so a key is rotated by putting a new one in front and
running `manage.py encryption_rotate`, which re-encrypts every row with it; the old key can then go.

An exact-match look-up (the registry match, duplicate checks, a search by ID number or phone) cannot
compare random ciphertexts: each encrypted field that needs one has a blind index beside it, the
HMAC-SHA256 of the normalised value under `BLIND_INDEX_KEY` (a key of its own: a leaked index key
tells nothing about the values, and guessing one ID number needs it). The fields are in
`config.fields`; nothing else in the code sees ciphertext.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

# Fernet tokens start with the version byte 0x80, "gAAAAA" in urlsafe base64: how a stored value is
# told from a value written before encryption (the conversion migrations) or by mistake.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, not a secret)
# A Fernet token for a value of up to 32 characters fits in this many (the columns' width).
ENCRYPTED_MAX_LENGTH = 200
# The blind index: HMAC-SHA256 in hex.
INDEX_LENGTH = 64


class DecryptionFailed(Exception):
    """A stored value that no configured key decrypts: a key is missing from FIELD_ENCRYPTION_KEYS."""


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is not set: personal data cannot be stored")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS: each key must be 32 url-safe base64-encoded bytes "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        ) from exc


@cache
def _index_key() -> bytes:
    key = settings.BLIND_INDEX_KEY
    if not key or len(key) < 32:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be set to 32 or more random characters")
    return str(key).encode()


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting in {"FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"}:
        _fernet.cache_clear()
        _index_key.cache_clear()


def encrypt(value: str) -> str:
    """The value as a token under the newest key; the empty string stays empty (nothing to hide)."""
    if value == "":
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if token == "":
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("a stored value cannot be decrypted with the configured keys") from None


def normalize(value: str) -> str:
    """What the blind index sees: the value without surrounding spaces, letters upper-case (the X of an
    ID number), so that a search finds it however it was typed."""
    return value.strip().upper()


def blind_index(value: str) -> str:
    """HMAC-SHA256 of the normalised value; the empty string for an empty value (blank is not secret,
    and `unique` constraints exclude it)."""
    value = normalize(value)
    if value == "":
        return ""
    return hmac.new(_index_key(), value.encode(), hashlib.sha256).hexdigest()
