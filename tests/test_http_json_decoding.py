"""The client's fast JSON decoding gives exactly what ``json.loads`` gives, or the typed error.

``decode_json`` parses with orjson and falls back to the standard library where orjson differs
(integers beyond 64 bits, lone surrogates, NaN, UTF-16/32). The end-to-end cases go over real
HTTP through ``AtlassianClient`` against a scripted server.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlt_atlassian import errors
from dlt_atlassian.http.responses import decode_json
from http_fixtures import FakeClock, ScriptedServer, make_client


def same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (``1 == 1.0`` is not good enough here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, ascii_only=st.booleans())
def test_decoding_matches_the_standard_library(value: Any, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert same(decode_json(body), json.loads(body))


@pytest.mark.parametrize(
    "body",
    [
        b'{"big": 123456789012345678901234567890, "neg": -9223372036854775809}',
        b"[18446744073709551616, 9223372036854775807, -9223372036854775808]",
        b'{"id": "1234567890123456789012", "n": 1.5}',  # long digits in a string: slow path
        b'"\\ud800 lone surrogate"',
        b'{"emoji": "\\ud83d\\ude00", "accent": "\\u00e9", "raw": "\xc3\xa9"}',
        b'{"a": 1, "a": 2}',
        b"[NaN, Infinity, -Infinity]",
        b"1e400",
        b"\xef\xbb\xbf" + b'{"bom": true}',
        '{"utf16": "\u00e9"}'.encode("utf-16"),
    ],
)
def test_edge_cases_match_the_standard_library(body: bytes) -> None:
    assert same(decode_json(body), json.loads(body))


@pytest.mark.parametrize("body", [b"", b"{", b'{"issues": [1, 2', b"{]", b"nul", b"\xff\xfe\x00"])
def test_malformed_bodies_raise_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(body)
    with pytest.raises(ValueError):
        decode_json(body)


# ------------------------------------------------------------------ end to end over HTTP


def test_client_returns_exact_values(server: ScriptedServer) -> None:
    body = (
        '{"total": 98765432109876543210, "ratio": 0.1, "name": "Zo\u00eb \U0001f600",'
        ' "nested": {"ids": [1, 2, 3]}}'
    ).encode()
    server.script("/rest/api/3/x", {"body": body})
    with make_client(server.base_url, FakeClock()) as client:
        got = client.get_json("/rest/api/3/x")
    assert same(got, json.loads(body))
    assert got["total"] == 98765432109876543210


def test_client_decodes_utf16_json(server: ScriptedServer) -> None:
    body = '{"summary": "caf\u00e9"}'.encode("utf-16")
    server.script("/rest/api/3/x", {"body": body})
    with make_client(server.base_url, FakeClock()) as client:
        assert client.get_json("/rest/api/3/x") == {"summary": "caf\u00e9"}


def test_client_raises_typed_error_on_malformed_json(server: ScriptedServer) -> None:
    server.script("/rest/api/3/x", {"body": b'{"values": [1, 2,'})
    with (
        make_client(server.base_url, FakeClock()) as client,
        pytest.raises(errors.ResponseFormatError) as info,
    ):
        client.get_json("/rest/api/3/x")
    assert "malformed or truncated JSON" in str(info.value)
    assert len(server.requests_to("/rest/api/3/x")) == 3  # retried malformed_json_attempts times
