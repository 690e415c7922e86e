"""Scrub secrets from text before it reaches a log line, an exception or a table.

Two layers: secrets registered at run time (every token, secret and code the package handles
calls :func:`register_secret`) are replaced wherever they appear, and well-known shapes
(Authorization headers, ``access_token=...`` pairs, JWT-like strings) are masked even when
nobody registered them.
"""

from __future__ import annotations

import re
import threading

MASK = "***"
_MIN_SECRET_LEN = 6

_lock = threading.Lock()
_secrets: set[str] = set()

_PATTERNS = [
    # Authorization: Bearer xxx / Basic xxx
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)\s+[^\s'\",}]+"),
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"),
    # Basic credentials without a header name (base64 of email:token, mixed case + digits)
    re.compile(
        r"\b([Bb]asic)\s+(?=[A-Za-z0-9+/]*[0-9+/])(?=[A-Za-z0-9+/]*[A-Z])[A-Za-z0-9+/]{16,}={0,2}"
    ),
    # key=value / "key": "value" for secret-looking keys
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|api_token|id_token|password|[?&]code)"
        r"['\"]?\s*[:=]\s*['\"]?)([^\s'\"&,}]+)"
    ),
    # JWT-like strings
    re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b"),
]


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that :func:`redact` masks it everywhere from now on."""
    if value and len(value) >= _MIN_SECRET_LEN:
        with _lock:
            _secrets.add(value)


def redact(text: str | None) -> str:
    """Return ``text`` with every registered secret and secret-looking value masked."""
    if not text:
        return text or ""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        if pattern.groups >= 2:
            text = pattern.sub(lambda m: m.group(1) + MASK, text)
        elif pattern.groups == 1:
            text = pattern.sub(lambda m: m.group(1) + " " + MASK, text)
        else:
            text = pattern.sub(MASK, text)
    return text
