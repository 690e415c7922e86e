"""Which Atlassian site (cloud id) a token talks to.

OAuth tokens: ``{api_base_url}/oauth/token/accessible-resources`` lists the sites the consent
covers; we pick the one matching ``site_url`` (or ``cloud_id``, or the only one). Scoped API
tokens: the site's public ``/_edge/tenant_info`` returns its cloud id.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from dlt_atlassian.auth.urls import site_key
from dlt_atlassian.errors import (
    AtlassianHTTPError,
    AuthError,
    ConfigurationError,
    ResponseFormatError,
    TransportError,
)
from dlt_atlassian.http.error_mapping import error_for_response
from dlt_atlassian.http.retry import RetryPolicy, is_retryable_status, retry_delay
from dlt_atlassian.redact import redact

if TYPE_CHECKING:
    from dlt_atlassian.auth.oauth import OAuth2RefreshAuth

log = logging.getLogger("dlt_atlassian.auth")


@dataclass(frozen=True)
class Site:
    """One site a token can reach."""

    cloud_id: str
    url: str
    name: str = ""
    scopes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as cached in the token store."""
        return {"id": self.cloud_id, "url": self.url, "name": self.name,
                "scopes": list(self.scopes)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Site:
        """Parse an accessible-resources entry (or our cached form)."""
        return cls(
            cloud_id=str(data["id"]),
            url=str(data.get("url") or "").rstrip("/"),
            name=str(data.get("name") or ""),
            scopes=tuple(str(s) for s in data.get("scopes") or ()),
        )


def parse_sites(payload: Any) -> list[Site]:
    """Parse accessible-resources; duplicate entries for one site (one per product) merge."""
    if not isinstance(payload, list):
        raise ResponseFormatError("accessible-resources did not return a JSON list.")
    merged: dict[str, Site] = {}
    for entry in payload:
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        site = Site.from_dict(entry)
        if site.cloud_id in merged:
            old = merged[site.cloud_id]
            scopes = tuple(dict.fromkeys(old.scopes + site.scopes))
            site = Site(old.cloud_id, old.url or site.url, old.name or site.name, scopes)
        merged[site.cloud_id] = site
    return list(merged.values())


# accessible-resources is fetched once per consent, so a few patient tries are cheap; a
# failure here would otherwise fail the first run of a consent.
ACCESSIBLE_RESOURCES_RETRY = RetryPolicy(max_attempts=4, backoff_base=0.5, backoff_max=8.0,
                                         max_server_delay=60.0)


def fetch_accessible_resources(
    api_base_url: str,
    auth: httpx.Auth,
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
    retry: RetryPolicy = ACCESSIBLE_RESOURCES_RETRY,
) -> list[Site]:
    """GET ``{api_base_url}/oauth/token/accessible-resources`` with ``auth``.

    Transient failures (network errors, 429, 5xx, a body that is not JSON) are retried with
    the HTTP client's backoff rules.

    Raises:
        AuthError: The token was refused (401/403) or another 4xx came back.
        TransportError: The endpoint stayed unreachable (retries exhausted).
        ServerError: 5xx (or 429, as ``RateLimitedError``) outlasted the retries.
        ResponseFormatError: The answer stayed unparseable, or was not a list.
    """
    url = api_base_url.rstrip("/") + "/oauth/token/accessible-resources"
    with httpx.Client(timeout=timeout, transport=transport) as http:
        for attempt in range(1, max(1, retry.max_attempts) + 1):
            sites, failure, response = _try_accessible_resources(http, url, auth)
            if failure is None:
                return sites
            if attempt >= retry.max_attempts:
                break
            headers = response.headers if response is not None else None
            delay = min(retry_delay(attempt, retry, headers, now=time.time()),
                        retry.max_server_delay)
            log.warning("accessible-resources failed (%s); retry %d/%d in %.2f s",
                        failure.message, attempt, retry.max_attempts - 1, delay)
            time.sleep(delay)  # a rare, one-off request outside the client's limiter
    assert failure is not None
    raise failure


def _try_accessible_resources(
    http: httpx.Client, url: str, auth: httpx.Auth
) -> tuple[list[Site], AtlassianHTTPError | None, httpx.Response | None]:
    """One try: ``(sites, None, response)`` or ``([], retryable error, response)``.

    Errors a retry cannot fix (401/403, other 4xx) are raised at once.
    """
    try:
        response = http.get(url, auth=auth, headers={"Accept": "application/json"})
    except httpx.TransportError as exc:
        lost = TransportError(f"GET {url} failed: {type(exc).__name__}", method="GET", url=url)
        return [], lost, None
    status = response.status_code
    if status in (401, 403):
        raise AuthError(
            f"accessible-resources refused the token (HTTP {status}).",
            hint="Run `dlt-atlassian authorize` again.",
        )
    if is_retryable_status(status):
        return [], error_for_response(response, method="GET", url=url), response
    if status >= 400:
        raise AuthError(
            f"accessible-resources failed with HTTP {status}.",
            hint="Check api_base_url, or set cloud_id in [sources.atlassian.credentials].",
        )
    try:
        payload = response.json()
    except ValueError:  # malformed or cut short: the next try usually gets it whole
        bad = ResponseFormatError(f"GET {url} did not return JSON.", method="GET", url=url,
                                  hint="Atlassian's API gateway is failing; run again later.")
        return [], bad, response
    return parse_sites(payload), None, response


def choose_site(sites: list[Site], *, site_url: str | None, cloud_id: str | None) -> Site:
    """Pick the configured site among ``sites``.

    Raises:
        ConfigurationError: Nothing matches (the message lists every site the token can see),
            or several sites are visible and none was configured.
    """
    listing = ", ".join(f"{s.url} (cloud id {s.cloud_id})" for s in sites) or "none"
    if cloud_id:
        match = next((s for s in sites if s.cloud_id == cloud_id), None)
        what = f"cloud_id {cloud_id}"
    elif site_url:
        wanted = site_key(site_url)
        match = next((s for s in sites if s.url and site_key(s.url) == wanted), None)
        what = f"site_url {site_url}"
    elif len(sites) == 1:
        return sites[0]
    else:
        raise ConfigurationError(
            f"The OAuth consent covers {len(sites)} sites and none is configured: {listing}.",
            hint="Set site_url (or cloud_id) in [sources.atlassian.credentials].",
        )
    if match is None:
        raise ConfigurationError(
            redact(f"The token cannot access {what}; it can see: {listing}."),
            hint="Fix site_url/cloud_id, or run `dlt-atlassian authorize` and grant access "
            "to that site.",
        )
    return match


def tenant_cloud_id(
    site_url: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None
) -> str:
    """Read a site's cloud id from its public ``{site_url}/_edge/tenant_info``."""
    url = site_url.rstrip("/") + "/_edge/tenant_info"
    hint = "Set cloud_id in [sources.atlassian.credentials] (see https://<site>/_edge/tenant_info)."
    try:
        with httpx.Client(timeout=timeout, transport=transport) as http:
            response = http.get(url, headers={"Accept": "application/json"})
    except httpx.TransportError as exc:
        raise ConfigurationError(
            f"Cannot reach {url} to find the cloud id: {type(exc).__name__}.", hint=hint
        ) from None
    try:
        data = response.json() if response.status_code == 200 else None
    except ValueError:
        data = None
    cloud_id = data.get("cloudId") if isinstance(data, dict) else None
    if not isinstance(cloud_id, str) or not cloud_id:
        raise ConfigurationError(
            f"{url} did not return a cloud id (HTTP {response.status_code}).", hint=hint
        )
    return cloud_id


def resolve_oauth_site(
    auth: OAuth2RefreshAuth,
    *,
    api_base_url: str,
    site_url: str | None,
    cloud_id: str | None,
    transport: httpx.BaseTransport | None = None,
) -> Site:
    """The OAuth consent's site: from the token store's cache, else accessible-resources.

    A configured ``cloud_id`` is checked against the sites the consent can see, like a
    discovered one, so a typo fails here naming ``cloud_id`` instead of as a 404 later.
    The sites are cached in the token store entry (never in dlt state), so this costs one
    request per consent, not per run.

    Raises:
        ConfigurationError: The configured site/cloud id is not among the consent's sites.
    """
    # The cached site needs no valid access token: refreshing here would make building a
    # source fail (or spend a rotation) before any data is asked for.
    tokens = auth.stored_tokens()
    if cloud_id:
        known = _cached_site(tokens.sites, cloud_id)
        if known is None and tokens.cloud_id == cloud_id and tokens.site_url:
            known = Site(cloud_id, tokens.site_url)  # discovered earlier, before sites were kept
        if known is not None:
            return known
    elif tokens.cloud_id and tokens.site_url and (
        site_url is None or site_key(site_url) == site_key(tokens.site_url)
    ):
        return Site(tokens.cloud_id, tokens.site_url)
    sites = fetch_accessible_resources(api_base_url, auth, transport=transport)
    site = choose_site(sites, site_url=site_url, cloud_id=cloud_id)
    auth.update_metadata(
        cloud_id=site.cloud_id, site_url=site.url, sites=[s.to_dict() for s in sites]
    )
    return site


def _cached_site(sites: list[dict[str, Any]], cloud_id: str) -> Site | None:
    """The cached accessible-resources entry for ``cloud_id``, if the store holds one."""
    for entry in sites:
        if isinstance(entry, dict) and str(entry.get("id") or "") == cloud_id:
            return Site.from_dict(entry)
    return None
