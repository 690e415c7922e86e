"""A compact, JSON-safe encoding of a set of ids for dlt state.

The deletion pass must know which ids were loaded before. Keeping them in dlt state (rather than
querying the destination) works for every destination, survives ``dev_mode``-free reruns, and is
rolled back together with the data when a load fails. Ids are numeric strings, sometimes with a
prefix (``att123``), so each prefix group is stored as sorted integer deltas in LEB128 varints,
deflated and base64-encoded: about 1-2 bytes per id, so 100k pages cost ~150 KB of state.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

_ID = re.compile(r"^([^\d]*)(\d+)$")


def _varints(numbers: list[int]) -> bytes:
    """Sorted numbers as LEB128 varints of their deltas (small numbers for dense id ranges)."""
    return _raw_varints([n - p for p, n in zip([0, *numbers], numbers, strict=False)])


def _unvarints(data: bytes) -> list[int]:
    """The inverse of :func:`_varints`."""
    return list(itertools.accumulate(_raw_unvarints(data)))


def encode_ids(ids: Iterable[str]) -> dict[str, str]:
    """Encode ids as ``{prefix: base64(deflate(varint deltas))}``; odd ids go under ``"*"``.

    Args:
        ids: Any ids; numeric ones (optionally prefixed) are packed tightly.

    Returns:
        A JSON-serializable mapping for dlt state.
    """
    groups: defaultdict[str, list[int]] = defaultdict(list)
    odd: list[str] = []
    for value in set(ids):
        match = _ID.match(value)
        # A leading zero would not survive the int round trip.
        if match and not (len(match.group(2)) > 1 and match.group(2).startswith("0")):
            groups[match.group(1)].append(int(match.group(2)))
        else:
            odd.append(value)
    encoded = {
        prefix: base64.b64encode(zlib.compress(_varints(sorted(numbers)), 9)).decode()
        for prefix, numbers in groups.items()
    }
    if odd:
        encoded["*"] = base64.b64encode(zlib.compress("\n".join(sorted(odd)).encode())).decode()
    return encoded


def decode_ids(encoded: dict[str, str] | None) -> set[str]:
    """Decode what :func:`encode_ids` produced (``None`` or ``{}`` is the empty set)."""
    ids: set[str] = set()
    for prefix, blob in (encoded or {}).items():
        raw = zlib.decompress(base64.b64decode(blob))
        if prefix == "*":
            ids.update(v for v in raw.decode().split("\n") if v)
        else:
            ids.update(f"{prefix}{number}" for number in _unvarints(raw))
    return ids


def encode_id_map(values: dict[str, int]) -> dict[str, Any]:
    """Encode ``{id: unsigned 32-bit int}`` (fingerprints, container ids) for dlt state.

    Ids are packed as by :func:`encode_ids` (sorted per prefix); the values follow in that
    order as varints, so the two decode back into the same mapping.
    """
    keys = encode_ids(values)
    ordered = [values[i] for i in _ordered(decode_ids(keys))]
    blob = base64.b64encode(zlib.compress(_raw_varints(ordered), 9)).decode()
    return {"ids": keys, "values": blob}


def decode_id_map(encoded: dict[str, Any] | None) -> dict[str, int]:
    """Decode what :func:`encode_id_map` produced."""
    if not encoded:
        return {}
    ids = _ordered(decode_ids(encoded.get("ids")))
    values = _raw_unvarints(zlib.decompress(base64.b64decode(encoded.get("values", ""))))
    return dict(zip(ids, values, strict=True))


def _ordered(ids: set[str]) -> list[str]:
    def key(value: str) -> tuple[str, int, str]:
        match = _ID.match(value)
        return (match.group(1), int(match.group(2)), value) if match else ("\x7f", 0, value)

    return sorted(ids, key=key)


def _raw_varints(numbers: list[int]) -> bytes:
    out = bytearray()
    for number in numbers:
        while True:
            byte = number & 0x7F
            number >>= 7
            if number:
                out.append(byte | 0x80)
            else:
                out.append(byte)
                break
    return bytes(out)


def _raw_unvarints(data: bytes) -> list[int]:
    numbers: list[int] = []
    value = shift = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        numbers.append(value)
        value = shift = 0
    return numbers


def fingerprint(*parts: Any) -> int:
    """A 32-bit fingerprint of the fields whose change must refresh a row."""
    return zlib.crc32(json.dumps(parts, default=str, separators=(",", ":")).encode())
