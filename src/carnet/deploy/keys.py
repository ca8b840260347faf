"""Endpoint keys: random, shown once at creation, stored as a SHA-256 hash, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_PREFIX = "ck_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_matches(key: str | None, key_hash: str) -> bool:
    if not key:
        return False
    return hmac.compare_digest(hash_key(key), key_hash)
