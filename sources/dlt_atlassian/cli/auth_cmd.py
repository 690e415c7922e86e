"""``dlt-atlassian authorize`` and ``dlt-atlassian token status|refresh``.

Credentials come from dlt's own config resolution (``.dlt/secrets.toml``, env vars, vaults),
section ``[sources.atlassian.credentials]``; these commands need the OAuth kind.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import webbrowser
from typing import Any

from dlt_atlassian.errors import AtlassianError, ConfigurationError


def register(subparsers: Any) -> None:
    """Add ``authorize`` and ``token`` to the CLI."""
    auth = subparsers.add_parser(
        "authorize",
        help="run the OAuth consent once and store the token pair",
        description="Open Atlassian's consent page, catch the redirect on a local listener "
        "(or read it pasted with --no-browser), and store the rotating token pair.",
    )
    auth.add_argument("--no-browser", action="store_true",
                      help="headless: print the URL and read the redirect URL from stdin")
    auth.add_argument("--port", type=int, default=None,
                      help="local callback port (default: the redirect_uri's, 8765)")
    auth.add_argument("--scope", action="append", dest="scopes", metavar="SCOPE",
                      help="request this scope (repeatable; default: all the package reads)")
    auth.add_argument("--token-store", default=None, help="token store file to write")
    auth.add_argument("--timeout", type=float, default=300.0,
                      help="seconds to wait for the browser redirect")
    auth.set_defaults(func=_authorize)

    token = subparsers.add_parser("token", help="inspect or refresh the stored OAuth tokens")
    token_sub = token.add_subparsers(dest="token_command", metavar="ACTION")
    status = token_sub.add_parser("status", help="scopes, site, cloud id and days left")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--token-store", default=None, help="token store file to read")
    status.set_defaults(func=_status)
    refresh = token_sub.add_parser("refresh", help="refresh now (schedule as a keepalive)")
    refresh.add_argument("--token-store", default=None, help="token store file to use")
    refresh.set_defaults(func=_refresh)
    token.set_defaults(func=lambda args: (token.print_help(), 2)[1])


def _oauth_credentials(args: argparse.Namespace) -> Any:
    from dlt_atlassian.credentials import AtlassianOAuthCredentials, resolve_credentials

    credentials = resolve_credentials()
    if not isinstance(credentials, AtlassianOAuthCredentials):
        raise ConfigurationError(
            "This command needs OAuth credentials; the configuration holds an API token.",
            hint="Set client_id and client_secret in [sources.atlassian.credentials].",
        )
    if getattr(args, "token_store", None):
        credentials.token_store = args.token_store
    return credentials


def _guard(args: argparse.Namespace, action: Any) -> int:
    try:
        return int(action())
    except AtlassianError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _authorize(args: argparse.Namespace) -> int:
    def run() -> int:
        from dlt_atlassian.auth.authorize import authorize
        from dlt_atlassian.auth.factory import token_store_for

        credentials = _oauth_credentials(args)
        store = token_store_for(credentials)

        def show(url: str) -> None:
            print("Open this URL in a browser and approve access:\n\n  " + url + "\n",
                  flush=True)
            if args.no_browser:
                print("Then paste the full URL the browser was redirected to:", flush=True)
            else:
                webbrowser.open(url)

        result = authorize(
            credentials, store, scopes=args.scopes, port=args.port,
            headless=args.no_browser, on_url=show, timeout=args.timeout,
            read_redirect=lambda: sys.stdin.readline(),
        )
        print(f"Stored the token pair in {result.store}.")
        if result.site:
            print(f"Site: {result.site.url} (cloud id {result.site.cloud_id})")
        else:
            listing = ", ".join(f"{s.url} ({s.cloud_id})" for s in result.sites)
            print(f"The consent covers several sites: {listing}. Set site_url to pick one.")
        if credentials.refresh_token:
            print("Note: the refresh_token in your config is now superseded by the store; you "
                  "can remove it.")
        return 0

    return _guard(args, run)


def _status(args: argparse.Namespace) -> int:
    def run() -> int:
        from dlt_atlassian.auth.factory import token_store_for
        from dlt_atlassian.auth.status import format_status, token_status

        credentials = _oauth_credentials(args)
        store = token_store_for(credentials)
        tokens = store.load()
        if tokens is None:
            print(f"No tokens in {store.describe()}: run `dlt-atlassian authorize`.",
                  file=sys.stderr)
            return 1
        status = token_status(tokens, now=time.time())
        if args.json:
            data = {
                "store": store.describe(), "site_url": status.site_url,
                "cloud_id": status.cloud_id, "scopes": status.scopes,
                "generation": status.generation,
                "last_refresh": status.last_refresh.isoformat() if status.last_refresh else None,
                "access_token_expires_in": status.access_token_expires_in,
                "inactivity_days_left": round(status.inactivity_days_left, 2),
                "absolute_days_left": round(status.absolute_days_left, 2),
                "absolute_is_estimate": status.absolute_is_estimate,
                "warnings": status.warnings, "ok": status.ok,
            }
            print(json.dumps(data, indent=2))
        else:
            print(format_status(status, store=store.describe()))
        return 0 if status.ok else 1

    return _guard(args, run)


def _refresh(args: argparse.Namespace) -> int:
    def run() -> int:
        from dlt_atlassian.auth.factory import oauth_auth

        auth = oauth_auth(_oauth_credentials(args))
        try:
            tokens = auth.refresh()
        finally:
            auth.close()
        print(f"Refreshed (rotation #{tokens.generation}); stored in {auth.store.describe()}.")
        return 0

    return _guard(args, run)
