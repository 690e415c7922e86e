"""How Jira renders an account inside issues, comments and user lists."""

from __future__ import annotations

from typing import Any

from dlt_atlassian.simulator.jira.model import SITE
from dlt_atlassian.simulator.users import User


def avatar_urls(account_id: str) -> dict[str, str]:
    """Return the four avatar sizes Jira always sends."""
    base = f"https://avatar-management.sim/{account_id}"
    return {f"{s}x{s}": f"{base}/{s}" for s in (48, 24, 16, 32)}


def user_json(user: User, *, full: bool = False) -> dict[str, Any]:
    """Render ``UserDetails`` (embedded) or ``User`` (``full``, as /myself and /users/search)."""
    body: dict[str, Any] = {
        "self": f"{SITE}/rest/api/3/user?accountId={user.account_id}",
        "accountId": user.account_id,
        "avatarUrls": avatar_urls(user.account_id),
        "displayName": user.display_name,
        "active": user.active,
        "timeZone": user.time_zone,
        "accountType": user.account_type,
    }
    if user.email:
        body["emailAddress"] = user.email
    if full:
        body["locale"] = user.locale
    return body
