"""Name ``cloud_id`` when the API gateway does not know it (scoped API tokens).

OAuth consents list their sites (accessible-resources), so a configured cloud id is checked
up front (see :func:`dlt_atlassian.auth.cloud.resolve_oauth_site`). Scoped API tokens have no
such list: the only witness is the gateway itself, which answers a request to
``{api_base_url}/ex/{product}/{cloudId}/...`` for an unknown cloud id with a 404 in its *own*
error shape, ``{"code": 404, "message": "..."}``, before any product sees the request.
Products answer their 404s differently (Jira ``errorMessages``, Confluence ``errors`` /
``statusCode``), so the shape tells "no such site" apart from "no such issue".

Why here, in the auth wrapper both clients share, rather than a probe in ``connect()``: it
costs no extra request, sees the gateway's answer on whichever product a run uses first (a
probe of one product would misreport a site without that product), and raises before the
generic "Check the key/id" 404 is built.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import httpx

from dlt_atlassian.errors import ConfigurationError


class GatewaySiteCheck(httpx.Auth):
    """Wraps a scoped-token authenticator; turns the gateway's unknown-site 404 into config.

    Args:
        inner: The authenticator adding the scoped token (Basic or Bearer).
        cloud_id: The cloud id in the gateway URLs.
        configured: Whether the user configured ``cloud_id`` (else it came from
            ``site_url``'s ``/_edge/tenant_info``), which changes the advice.
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(self, inner: httpx.Auth, cloud_id: str, *, configured: bool) -> None:
        self.inner = inner
        self.cloud_id = cloud_id
        self.configured = configured
        # Products the gateway already routed for this cloud id: later 404s there are the
        # product's own (a missing item), whatever their shape.
        self._reached: set[str] = set()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Delegate to the inner authenticator; check each 404 it gets back."""
        product = _product(request)
        flow = self.inner.sync_auth_flow(request)
        outgoing = next(flow)
        while True:
            response = yield outgoing
            if product not in self._reached:
                if response.status_code == 404 and _is_gateway_404(response):
                    raise self._unknown_site(product)
                if response.status_code < 400:
                    self._reached.add(product)
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return

    def _unknown_site(self, product: str) -> ConfigurationError:
        source = "cloud_id" if self.configured else "the cloud id read from site_url"
        hint = (
            "Fix cloud_id in [sources.atlassian.credentials] (the site's cloud id is shown at "
            "https://<your-site>.atlassian.net/_edge/tenant_info), or set site_url instead and "
            "leave cloud_id empty."
            if self.configured
            else "Check site_url and api_base_url in [sources.atlassian.credentials]."
        )
        return ConfigurationError(
            f"The Atlassian API gateway knows no {product} site with {source} "
            f"{self.cloud_id} (it answered 404 Not Found).",
            hint=hint,
        )

    def __repr__(self) -> str:
        return f"GatewaySiteCheck({self.inner!r}, cloud_id={self.cloud_id!r})"


def _product(request: httpx.Request) -> str:
    return "Confluence" if "/ex/confluence/" in request.url.path else "Jira"


def _is_gateway_404(response: httpx.Response) -> bool:
    """True for the gateway's own ``{"code": 404, "message": ...}`` body (not a product's)."""
    try:
        body: Any = json.loads(response.read())
    except (ValueError, httpx.StreamError, RuntimeError):
        return False
    return (
        isinstance(body, dict)
        and body.get("code") == 404
        and isinstance(body.get("message"), str)
        and not ({"errorMessages", "errors", "statusCode"} & body.keys())
    )
