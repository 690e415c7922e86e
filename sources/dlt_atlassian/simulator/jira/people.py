"""How Jira renders an account inside issues, comments and user lists."""

from __future__ import annotations

from typing import Any

from dlt_atlassian.simulator.jira.model import SITE
from dlt_atlassian.simulator.users import User


def avatar_urls(account_id: str) -> dict[str, str]:
    """Return the four avatar sizes Jira always sends."""
    base = f"https://avatar-management.sim/{account_id}"
    return {f"{s}x{s}": f"{base}/{s}" for s in (48, 24, 16, 32)}


# (id(user), full) -> (user, body): keyed by identity (hashing a User hashes every field); the
# entry keeps its user alive, so an id is never reused while cached.
_rendered: dict[tuple[int, bool], tuple[User, dict[str, Any]]] = {}


def clear_cache() -> None:
    """Forget the cached renderings."""
    _rendered.clear()


def user_json(user: User, *, full: bool = False) -> dict[str, Any]:
    """Render ``UserDetails`` (embedded) or ``User`` (``full``, as /myself and /users/search)."""
    # Users are frozen (a changed profile is a new object), so the rendering is cached; every
    # caller still gets its own dicts.
    entry = _rendered.get((id(user), full))
    if entry is None or entry[0] is not user:
        if len(_rendered) > 10_000:  # many simulators in one process (tests)
            _rendered.clear()
        entry = _rendered[(id(user), full)] = (user, _user_json(user, full))
    body = entry[1]
    return {**body, "avatarUrls": dict(body["avatarUrls"])}


def _user_json(user: User, full: bool) -> dict[str, Any]:
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
