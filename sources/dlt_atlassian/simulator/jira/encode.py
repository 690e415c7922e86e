"""Serialize Jira bodies fast, byte for byte what ``json.dumps(body, separators=(",", ":"))`` gives.

orjson is several times faster than the standard encoder, and the search and bulkfetch bodies
are megabytes. Where its output could differ, the standard encoder is used instead:

* non-ASCII text (``json.dumps`` escapes it; orjson writes UTF-8) and DEL
  (escaped by ``json.dumps`` only): detected in the output, which is then re-encoded;
* anything orjson refuses (ints beyond 64 bits, non-string keys, lone surrogates, and, through
  the passthrough options, datetimes, dataclasses and subclasses of built-in types; a UUID,
  which ``json.dumps`` refuses, is written as a string, but no body holds one);
* floats outside ``1e-4 <= |x| < 1e16`` (and NaN/inf), which the two write differently: the
  simulator never generates one, so :func:`note_stored` is called on every value a mutation
  stores and switches this process to the standard encoder for good once one shows up.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from dlt_atlassian.simulator.jira.model import SITE
from dlt_atlassian.simulator.jira.timefmt import format_marker

_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_SUBCLASS)
_SITE = SITE.encode()
_MARKER = re.compile(rb"@@([TZI])(-?\d+)@@")
_fast = True  # False once a stored value carries a float the two encoders write differently


def dumps(body: Any) -> bytes:
    """``json.dumps(body, separators=(",", ":")).encode()``, computed quickly when safe."""
    if _fast:
        try:
            raw = orjson.dumps(body, option=_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError: something only json.dumps handles (or not)
            pass
        else:
            if raw.isascii() and b"\x7f" not in raw:
                return raw
    return json.dumps(body, separators=(",", ":")).encode()


def finish(raw: bytes, base_url: str, zone: str) -> bytes:
    """Resolve the site and time markers of a serialized body for one caller."""
    raw = raw.replace(_SITE, base_url.rstrip("/").encode())
    return _MARKER.sub(
        lambda m: format_marker(m.group(1).decode(), int(m.group(2)), zone).encode(), raw)


def note_stored(value: Any) -> None:
    """Check a value a mutation stores; fall back to ``json.dumps`` if it has an odd float."""
    global _fast
    if _fast and odd_float(value):
        _fast = False


def fast_path_enabled() -> bool:
    """Whether orjson is still in use (tests)."""
    return _fast


def odd_float(value: Any) -> bool:
    """Whether ``value`` holds a float that orjson and ``json.dumps`` write differently."""
    if isinstance(value, float):
        return not (value == 0.0 or (math.isfinite(value) and 1e-4 <= abs(value) < 1e16))
    if isinstance(value, dict):
        return any(odd_float(k) or odd_float(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(odd_float(v) for v in value)
    return False
