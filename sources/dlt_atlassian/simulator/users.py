"""The Atlassian accounts shared by Jira and Confluence (one account id across products)."""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, replace
from typing import Literal

from dlt_atlassian.simulator.config import SimulatorConfig

AccountType = Literal["atlassian", "app", "customer"]

_FIRST = [
    "Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances", "Ken",
    "Radia", "Tim", "Hedy", "Edsger", "Katherine", "John", "Sophie", "Niklaus", "Lynn",
    "Guido", "Yukihiro", "Anita", "Donald", "Shafi", "Leslie", "Frederick", "Mary",
]
_LAST = [
    "Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen",
    "Thompson", "Perlman", "Berners-Lee", "Lamarr", "Dijkstra", "Johnson", "Backus",
    "Wilson", "Wirth", "Conway", "van Rossum", "Matsumoto", "Borg", "Knuth", "Goldwasser",
]
_ZONES = [
    "UTC", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Kiritimati", "Asia/Kolkata",
]


@dataclass(frozen=True)
class User:
    """One Atlassian account."""

    account_id: str
    email: str
    display_name: str
    active: bool
    account_type: AccountType
    time_zone: str
    locale: str = "en_US"


def _account_id(seed: int, n: int) -> str:
    # Real account ids look like "5b10ac8d82e05b22cc7d4ef5" or "557058:<uuid>"; hex is enough.
    return hashlib.sha1(f"acct:{seed}:{n}".encode()).hexdigest()[:24]


class UserDirectory:
    """Deterministic users: index 0 is the admin who owns the demo API token.

    Roughly one in ten accounts is inactive and two are app accounts (bots), like a real site.
    """

    def __init__(self, config: SimulatorConfig) -> None:
        rng = random.Random(f"users:{config.data.seed}")
        self._lock = threading.Lock()
        users: list[User] = []
        total = max(config.data.jira_users, 3)
        kind: AccountType
        for n in range(total):
            if n == 0:
                email, name, kind, active = "admin@example.com", "Site Admin", "atlassian", True
                zone = config.accounts.default_time_zone
            elif n >= total - 2:
                email, name, kind, active = "", f"Automation Bot {n}", "app", True
                zone = "UTC"
            else:
                first, last = rng.choice(_FIRST), rng.choice(_LAST)
                name = f"{first} {last}"
                email = f"{first.lower()}.{last.lower().replace(' ', '')}{n}@example.com"
                kind, active, zone = "atlassian", rng.random() > 0.1, rng.choice(_ZONES)
            users.append(User(_account_id(config.data.seed, n), email, name, active, kind, zone))
        for email in config.accounts.api_tokens:
            if email and email not in {u.email for u in users}:
                n = len(users)
                users.append(
                    User(_account_id(config.data.seed, n), email, email.split("@")[0],
                         True, "atlassian", config.accounts.default_time_zone)
                )
        self._users = users
        self._by_id = {u.account_id: u for u in users}

    @property
    def admin(self) -> User:
        """The site admin (the account behind the default API token and OAuth consent)."""
        return self._users[0]

    def all(self) -> list[User]:
        """Every account, in a stable order."""
        with self._lock:
            return list(self._users)

    def humans(self) -> list[User]:
        """Active human accounts: the ones that author issues, comments and pages."""
        return [u for u in self.all() if u.account_type == "atlassian" and u.active]

    def get(self, account_id: str) -> User | None:
        """Look an account up by id."""
        with self._lock:
            return self._by_id.get(account_id)

    def by_email(self, email: str) -> User | None:
        """Look an account up by email (case-insensitive)."""
        email = email.lower()
        return next((u for u in self.all() if u.email.lower() == email), None)

    def set_time_zone(self, account_id: str, zone: str) -> User:
        """Change a user's profile time zone (JQL dates are read in it)."""
        with self._lock:
            user = replace(self._by_id[account_id], time_zone=zone)
            self._by_id[account_id] = user
            self._users = [user if u.account_id == account_id else u for u in self._users]
            return user
