"""Credential specs: dlt resolution from the one shared section, validation, no secret leaks."""

from __future__ import annotations

from collections.abc import Iterator

import dlt
import pytest

from dlt_atlassian.auth.cloud import Site, choose_site, parse_sites
from dlt_atlassian.auth.urls import normalize_base_url, site_key
from dlt_atlassian.credentials import (
    AtlassianBasicCredentials,
    AtlassianCredentials,
    AtlassianOAuthCredentials,
    AtlassianScopedTokenCredentials,
    resolve_credentials,
)
from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.redact import redact

PREFIX = "SOURCES__ATLASSIAN__CREDENTIALS__"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    import os

    for key in list(os.environ):
        if key.startswith(PREFIX):
            monkeypatch.delenv(key)
    yield monkeypatch


def _set(env: pytest.MonkeyPatch, **values: str) -> None:
    for key, value in values.items():
        env.setenv(PREFIX + key.upper(), value)


def test_oauth_resolves_first_with_defaults(env: pytest.MonkeyPatch) -> None:
    _set(env, client_id="cid", client_secret="client-secret-xyz", site_url="acme.atlassian.net/",
         email="a@b.c", api_token="api-token-xyz")
    creds = resolve_credentials()
    assert isinstance(creds, AtlassianOAuthCredentials)
    assert creds.site_url == "https://acme.atlassian.net"
    assert creds.auth_base_url == "https://auth.atlassian.com"
    assert creds.api_base_url == "https://api.atlassian.com"
    assert creds.refresh_token is None and creds.refresh_leeway_seconds == 300
    assert "client-secret-xyz" not in repr(creds) and "client-secret-xyz" not in str(creds)
    assert redact("oops client-secret-xyz") == "oops ***"


def test_scoped_then_basic(env: pytest.MonkeyPatch) -> None:
    _set(env, site_url="https://acme.atlassian.net", email="a@b.c", api_token="api-token-xyz")
    basic = resolve_credentials()
    assert isinstance(basic, AtlassianBasicCredentials)
    assert "api-token-xyz" not in repr(basic)
    _set(env, scoped_token_auth="Bearer", cloud_id="11111111-2222-3333-4444-555555555555")
    scoped = resolve_credentials()
    assert isinstance(scoped, AtlassianScopedTokenCredentials)
    assert scoped.scoped_token_auth == "bearer"


def test_source_signature_union(env: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    @dlt.source(section="atlassian", name="probe")
    def probe(credentials: AtlassianCredentials = dlt.secrets.value):  # type: ignore[no-untyped-def]
        seen.append(credentials)
        return dlt.resource([1], name="r")

    _set(env, site_url="http://127.0.0.1:8080", email="a@b.c", api_token="api-token-xyz")
    probe()
    assert isinstance(seen[-1], AtlassianBasicCredentials)
    assert seen[-1].site_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("url", ["ftp://x.atlassian.net", "http://acme.atlassian.net",
                                 "https://", "not a url", "https://u:p@acme.atlassian.net"])
def test_bad_site_url_is_a_configuration_error(env: pytest.MonkeyPatch, url: str) -> None:
    _set(env, site_url=url, email="a@b.c", api_token="api-token-xyz")
    with pytest.raises(ConfigurationError) as info:
        resolve_credentials()
    assert "site_url" in str(info.value) and "hint:" in str(info.value)


def test_missing_everything_names_what_is_missing(env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_credentials()
    text = str(info.value)
    assert "client_id" in text and "api_token" in text and "SOURCES__ATLASSIAN" in text


def test_field_level_validation() -> None:
    with pytest.raises(ConfigurationError, match="scoped_token_auth"):
        AtlassianScopedTokenCredentials(api_token="tok-123456", scoped_token_auth="digest",
                                        cloud_id="abc").resolve()
    with pytest.raises(ConfigurationError, match="email"):
        AtlassianScopedTokenCredentials(api_token="tok-123456", scoped_token_auth="basic",
                                        cloud_id="abc").resolve()
    with pytest.raises(ConfigurationError, match="cloud_id or site_url"):
        AtlassianScopedTokenCredentials(api_token="tok-123456",
                                        scoped_token_auth="bearer").resolve()
    with pytest.raises(ConfigurationError, match="cloud_id"):
        AtlassianOAuthCredentials(client_id="c", client_secret="s-123456",
                                  cloud_id="https://x/").resolve()
    with pytest.raises(ConfigurationError, match="email"):
        AtlassianBasicCredentials(site_url="https://a.atlassian.net", email="nope",
                                  api_token="tok-123456").resolve()


def test_url_normalisation() -> None:
    assert normalize_base_url("HTTPS://Acme.Atlassian.NET/wiki/spaces/X/", "site_url") == \
        "https://acme.atlassian.net"
    assert normalize_base_url("http://localhost:5000/", "site_url") == "http://localhost:5000"
    assert normalize_base_url("https://api.example.com/prefix/", "api", keep_path=True) == \
        "https://api.example.com/prefix"
    assert site_key("https://Acme.atlassian.net/") == site_key("acme.atlassian.net")
    assert site_key("http://127.0.0.1:1") != site_key("http://127.0.0.1:2")


def test_sites_merge_and_choice() -> None:
    payload = [
        {"id": "a", "url": "https://a.atlassian.net", "name": "a", "scopes": ["read:jira-work"]},
        {"id": "a", "url": "https://a.atlassian.net", "name": "a",
         "scopes": ["read:page:confluence"]},
        {"id": "b", "url": "https://b.atlassian.net/", "name": "b", "scopes": []},
    ]
    sites = parse_sites(payload)
    assert [s.cloud_id for s in sites] == ["a", "b"]
    assert sites[0].scopes == ("read:jira-work", "read:page:confluence")
    assert choose_site(sites, site_url="https://B.atlassian.net", cloud_id=None).cloud_id == "b"
    assert choose_site(sites, site_url=None, cloud_id="a").url == "https://a.atlassian.net"
    with pytest.raises(ConfigurationError) as info:
        choose_site(sites, site_url="https://c.atlassian.net", cloud_id=None)
    assert "https://a.atlassian.net" in str(info.value) and "https://b.atlassian.net" in str(
        info.value)
    only = [Site("z", "https://z.atlassian.net")]
    assert choose_site(only, site_url=None, cloud_id=None).cloud_id == "z"
