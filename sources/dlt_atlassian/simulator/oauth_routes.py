"""HTTP face of the authorization server.

``/authorize``, ``/oauth/token`` and ``/oauth/token/accessible-resources`` (on real Atlassian:
auth.atlassian.com and api.atlassian.com; here all on the simulator's one port).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.oauth import OAuthError

if TYPE_CHECKING:
    from dlt_atlassian.simulator.state import Simulator

AVATAR = "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png"
_NO_CACHE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _error_page(message: str) -> HTMLResponse:
    # The real /authorize shows an HTML error page (no redirect) for a bad client or URI.
    return HTMLResponse(f"<html><body><h1>Something went wrong</h1><p>{message}</p></body></html>",
                        status_code=400)


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def oauth_routes(sim: Simulator) -> list[BaseRoute]:
    """The three endpoints, bound to ``sim``."""

    async def authorize(request: Request) -> Response:
        q = request.query_params
        client_id, redirect_uri = q.get("client_id", ""), q.get("redirect_uri", "")
        if not sim.oauth.is_client(client_id):
            return _error_page("Invalid client_id.")
        if not redirect_uri:
            return _error_page("Missing redirect_uri.")
        state = q.get("state")
        if q.get("audience") != "api.atlassian.com" or q.get("response_type") != "code":
            params = {"error": "invalid_request",
                      "error_description": "audience must be api.atlassian.com and "
                                           "response_type must be code"}
            if state is not None:
                params["state"] = state
            return RedirectResponse(_with_query(redirect_uri, params), status_code=302)
        scopes = q.get("scope", "").split()
        if not scopes:
            params = {"error": "invalid_scope", "error_description": "No scopes requested"}
            if state is not None:
                params["state"] = state
            return RedirectResponse(_with_query(redirect_uri, params), status_code=302)
        # Consent is granted at once by the site admin (no login page to click through).
        code = sim.oauth.issue_code(client_id, redirect_uri, scopes)
        params = {"code": code}
        if state is not None:
            params["state"] = state
        return RedirectResponse(_with_query(redirect_uri, params), status_code=302)

    async def token(request: Request) -> Response:
        body = await _read_body(request)
        if body is None:
            return JSONResponse({"error": "invalid_request",
                                 "error_description": "Request body is not valid"},
                                status_code=400)
        grant_type = str(body.get("grant_type", ""))
        client_id = str(body.get("client_id", ""))
        client_secret = str(body.get("client_secret", ""))
        try:
            if grant_type == "authorization_code":
                _require(body, "code", "redirect_uri")
                pair = sim.oauth.exchange_code(client_id, client_secret, str(body["code"]),
                                               str(body["redirect_uri"]))
            elif grant_type == "refresh_token":
                _require(body, "refresh_token")
                pair = sim.oauth.refresh(client_id, client_secret, str(body["refresh_token"]))
            else:
                raise OAuthError(400, "unsupported_grant_type",
                                 f"Unsupported grant type: {grant_type or '(none)'}")
        except OAuthError as exc:
            return JSONResponse(exc.body, status_code=exc.status, headers=_NO_CACHE)
        return JSONResponse(pair.as_json(), headers=_NO_CACHE)

    async def accessible_resources(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        record = sim.oauth.access_record(value.strip()) if scheme.lower() == "bearer" else None
        if record is None:
            return JSONResponse({"code": 401, "message": "Unauthorized"}, status_code=401)
        return JSONResponse(sim.accessible_resources(record.scopes, _base_url(request)))

    return [
        Route("/authorize", authorize, methods=["GET"]),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/token/accessible-resources", accessible_resources, methods=["GET"]),
    ]


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _require(body: dict[str, Any], *keys: str) -> None:
    missing = [k for k in keys if not body.get(k)]
    if missing:
        raise OAuthError(400, "invalid_request", f"Missing parameter: {', '.join(missing)}")


async def _read_body(request: Request) -> dict[str, Any] | None:
    """Atlassian documents a JSON body; form bodies (RFC 6749) are accepted as well."""
    raw = await request.body()
    ctype = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" in ctype:
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
