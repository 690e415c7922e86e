"""A separate process for the auth tests: one pipeline "run" against the simulator.

Usage: python auth_worker.py STORE BASE_URL CLOCK_OFFSET [--go FILE] [--die before-save|after-save]
Prints one JSON line: the probe's status and how many refreshes this process performed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import httpx

from dlt_atlassian.auth import FileTokenStore, TokenSet, oauth_auth
from dlt_atlassian.credentials import AtlassianOAuthCredentials

sys.path.insert(0, str(Path(__file__).parent))
from auth_fixtures import CLIENT_ID, CLIENT_SECRET, JIRA_PROBE


class DyingStore(FileTokenStore):
    """Simulates a kill -9 right before (or right after) the rotated tokens are written."""

    def __init__(self, path: str, die: str) -> None:
        super().__init__(path)
        self.die = die

    def save(self, tokens: TokenSet) -> None:
        if self.die == "before-save":
            os._exit(17)
        super().save(tokens)
        if self.die == "after-save":
            os._exit(18)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("base_url")
    parser.add_argument("clock_offset", type=float)
    parser.add_argument("--go")
    parser.add_argument("--die", default="")
    parser.add_argument("--cloud-id", required=True)
    args = parser.parse_args()
    creds = AtlassianOAuthCredentials(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auth_base_url=args.base_url,
        api_base_url=args.base_url, site_url=args.base_url, token_store=args.store,
    ).resolve()
    store = DyingStore(args.store, args.die) if args.die else FileTokenStore(args.store)
    auth = oauth_auth(creds, store=store, clock=lambda: time.time() + args.clock_offset)
    if args.go:
        deadline = time.monotonic() + 30
        while not os.path.exists(args.go) and time.monotonic() < deadline:
            time.sleep(0.005)  # start line for the race: both processes go at once
    with httpx.Client(auth=auth, timeout=20) as client:
        response = client.get(f"{args.base_url}/ex/jira/{args.cloud_id}{JIRA_PROBE}")
    print(json.dumps({"status": response.status_code, "refreshes": auth.refresh_count}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
