"""The simulator's whole state in one object: clock, users, OAuth, products, limits, faults.

``Simulator`` is what tests hold (via ``SimulatorServer.sim``) to move the clock, switch
faults, read counters and reach the products' truth accessors; the control API under
``/_sim`` is a thin HTTP face over the same methods.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from starlette.routing import BaseRoute

from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.faults import FaultInjector
from dlt_atlassian.simulator.oauth import OAuthServer, cloud_id_for
from dlt_atlassian.simulator.ratelimit import RateLimiter
from dlt_atlassian.simulator.requestlog import RequestLog
from dlt_atlassian.simulator.users import User, UserDirectory

log = logging.getLogger(__name__)

AVATAR_URL = "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png"


class SimProduct(Protocol):
    """What the framework needs from a simulated product."""

    def routes(self) -> list[BaseRoute]:
        """Site-relative routes (``/rest/...`` or ``/wiki/...``)."""
        ...

    def control_routes(self) -> list[BaseRoute]:
        """Routes mounted under ``/_sim/{product}``."""
        ...


_PRODUCT_CLASSES = {
    "jira": ("dlt_atlassian.simulator.jira", "JiraSimulator"),
    "confluence": ("dlt_atlassian.simulator.confluence", "ConfluenceSimulator"),
}


class Simulator:
    """One simulated Atlassian Cloud tenant (site, gateway and auth server).

    Args:
        config: The simulator configuration (defaults: a quiet, healthy site).
        products: Product objects to use instead of the real ``JiraSimulator`` /
            ``ConfluenceSimulator`` (keys ``"jira"``, ``"confluence"``; a value of ``None``
            disables that product). Missing keys are built from the real classes.
        base_url: The server's own base URL, once known (``SimulatorServer`` sets it).
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        *,
        products: dict[str, SimProduct | None] | None = None,
        base_url: str | None = None,
    ) -> None:
        self.config = config or SimulatorConfig()
        self._base_url = base_url
        self.clock = SimClock()
        self.users = UserDirectory(self.config)
        self.oauth = OAuthServer(self.config, self.clock, self.users)
        self.requests = RequestLog()
        self.faults = FaultInjector(self.config.faults)
        self.rate_limiter = RateLimiter(self.config.rate_limit, self.clock)
        self.cloud_id = cloud_id_for(self.config.data.seed, self.config.site_name)
        chosen = dict(products or {})
        self.jira: Any = chosen["jira"] if "jira" in chosen else self._build("jira")
        self.confluence: Any = (chosen["confluence"] if "confluence" in chosen
                                else self._build("confluence"))
        self._announce_site_url()
        from dlt_atlassian.simulator.app import build_app  # app imports this module's type

        self.app = build_app(self)

    @property
    def base_url(self) -> str | None:
        """The server's own base URL (``http://127.0.0.1:PORT``), once known."""
        return self._base_url

    @base_url.setter
    def base_url(self, url: str | None) -> None:
        self._base_url = url.rstrip("/") if url else url
        self._announce_site_url()

    def _announce_site_url(self) -> None:
        # Products that write absolute links into truth accessors learn the site URL here.
        if self.config.site_url is None and self._base_url is None:
            return
        for product in (self.jira, self.confluence):
            setter = getattr(product, "set_site_url", None)
            if callable(setter):
                setter(self.site_url)

    def _build(self, product: str) -> SimProduct | None:
        module_name, class_name = _PRODUCT_CLASSES[product]
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            # A product that cannot be imported is left out (its paths answer 404) rather
            # than taking the auth server and the other product down with it.
            log.warning("simulator: %s product not available: %s", product, exc)
            return None
        cls = getattr(module, class_name, None)
        if cls is None:  # the product package exists but does not export its class yet
            log.warning("simulator: %s.%s not available", module_name, class_name)
            return None
        return cls(self.config, self.clock, self.users)  # type: ignore[no-any-return]

    # -- sites ---------------------------------------------------------------------------
    @property
    def site_url(self) -> str:
        """The site URL the OAuth consent points at (the server itself unless configured)."""
        return (self.config.site_url or self.base_url or "http://127.0.0.1").rstrip("/")

    def accessible_resources(self, scopes: frozenset[str],
                             base_url: str | None = None) -> list[dict[str, Any]]:
        """What ``/oauth/token/accessible-resources`` lists for a token with ``scopes``.

        Like Atlassian, a site appears once per product the consent covers, each entry
        carrying that product's scopes (same ``id`` for both).
        """
        site = (self.config.site_url or self.base_url or base_url or "").rstrip("/")
        sites = [(self.cloud_id, site, self.config.site_name)]
        for extra in self.config.extra_sites:
            host = urlsplit(extra).hostname or extra
            sites.append((cloud_id_for(self.config.data.seed, extra), extra.rstrip("/"),
                          host.split(".")[0]))
        out: list[dict[str, Any]] = []
        for product in ("jira", "confluence"):
            granted = sorted(s for s in scopes if product in s)
            if not granted:
                continue
            out += [{"id": cid, "url": url, "name": name, "scopes": granted,
                     "avatarUrl": AVATAR_URL} for cid, url, name in sites]
        return out

    # -- clock -----------------------------------------------------------------------------
    def advance_clock(self, seconds: float) -> datetime:
        """Move simulated time forward (tokens expire, quotas reset, data ages)."""
        return self.clock.advance(seconds)

    def set_clock(self, when: datetime) -> None:
        """Jump to an absolute simulated time."""
        self.clock.set(when)

    def freeze_clock(self, frozen: bool = True) -> None:
        """Stop (or restart) the simulated clock."""
        if frozen:
            self.clock.freeze()
        else:
            self.clock.unfreeze()

    # -- run-time knobs --------------------------------------------------------------------
    def set_faults(self, **changes: Any) -> None:
        """Change fault settings (``FaultConfig`` fields); products see them at once."""
        self.faults.configure(**changes)
        self.config.faults = self.faults.config

    def add_faults(self, *entries: dict[str, Any]) -> None:
        """Queue scripted faults, e.g. ``{"path": "/rest/api/3/search/jql", "kind": "500"}``."""
        self.faults.add_script(*entries)

    def clear_faults(self) -> None:
        """Switch every fault off."""
        self.faults.clear()
        self.config.faults = self.faults.config

    def set_latency(self, fixed_ms: float = 0.0, jitter_ms: float = 0.0) -> None:
        """Delay every product response by ``fixed_ms`` plus up to ``jitter_ms``."""
        self.config.latency = replace(self.config.latency, fixed_ms=fixed_ms,
                                      jitter_ms=jitter_ms)

    def set_rate_limit(self, **changes: Any) -> None:
        """Change rate-limit settings (``RateLimitConfig`` fields), e.g. ``enabled=True``."""
        self.rate_limiter.configure(**changes)
        self.config.rate_limit = self.rate_limiter.config

    def reset_counters(self) -> None:
        """Forget the request log and refill the rate limits."""
        self.requests.reset()
        self.rate_limiter.reset()

    def request_counts(self) -> dict[str, int]:
        """Requests per endpoint, keyed ``"GET /rest/api/3/search/jql"``."""
        return self.requests.counts()

    def set_time_zone(self, account_id: str, zone: str) -> User:
        """Change a user's profile time zone."""
        return self.users.set_time_zone(account_id, zone)
