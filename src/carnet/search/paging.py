"""Opaque page tokens for search results.

A token is the urlsafe base64 of ``{"offset": n}``. Callers must treat it as opaque: the
encoding may change, and a token is only meaningful with the same filter and order.
"""

from __future__ import annotations

import base64
import binascii
import json

from carnet.exceptions import InvalidFilter

# Real tokens are a few dozen characters; anything far longer is not one of ours.
_MAX_TOKEN_LENGTH = 200


def encode_page_token(offset: int) -> str:
    """The token that resumes a search at ``offset`` (the number of results already returned)."""
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f"offset must be a non-negative int, got {offset!r}")
    raw = json.dumps({"offset": offset}, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_page_token(token: str | None) -> int:
    """The offset a token stands for; ``None`` or an empty token means the first page (0).

    Raises :class:`InvalidFilter` (``field="page_token"``) for anything that is not a token
    this module made.
    """
    if token is None or token == "":
        return 0
    if len(token) > _MAX_TOKEN_LENGTH:
        raise _bad(token)
    try:
        # validate=True: refuse characters outside the alphabet instead of silently skipping them.
        raw = base64.b64decode(token.encode("ascii"), altchars=b"-_", validate=True)
        body = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise _bad(token) from exc
    offset = body.get("offset") if isinstance(body, dict) else None
    # bool is an int subclass; a token saying {"offset": true} was not made here.
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise _bad(token)
    return offset


def _bad(token: str) -> InvalidFilter:
    shown = token if len(token) <= 40 else token[:37] + "..."
    return InvalidFilter(
        f"Invalid page token {shown!r}: pass back the next_page_token of a previous search unchanged",
        field="page_token",
    )
