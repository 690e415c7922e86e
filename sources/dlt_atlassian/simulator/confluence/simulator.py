"""The Confluence product of the simulator: data, API routes, control routes and truth."""

from __future__ import annotations

import gc

from starlette.routing import BaseRoute

from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.confluence.api_comments import CommentApi
from dlt_atlassian.simulator.confluence.api_content import ContentApi
from dlt_atlassian.simulator.confluence.api_misc import MiscApi
from dlt_atlassian.simulator.confluence.apibase import ApiBase
from dlt_atlassian.simulator.confluence.control import control_routes
from dlt_atlassian.simulator.confluence.generator import Generator
from dlt_atlassian.simulator.confluence.mutations_children import ChildMutations
from dlt_atlassian.simulator.confluence.search import SearchApi
from dlt_atlassian.simulator.confluence.store import Store
from dlt_atlassian.simulator.confluence.truth import Truth
from dlt_atlassian.simulator.users import UserDirectory

_FREEZE_AT = 2000


class ConfluenceSimulator(ChildMutations, Truth):
    """A deterministic Confluence Cloud site.

    Args:
        config: the simulator configuration (``config.data`` sizes the site).
        clock: every timestamp written after start-up comes from it.
        users: the shared accounts; active humans author content.
    """

    def __init__(self, config: SimulatorConfig, clock: SimClock, users: UserDirectory) -> None:
        store = Store()
        authors = [u.account_id for u in users.humans()]
        Generator(config.data, authors, store).run()
        if len(store.contents) >= _FREEZE_AT:
            # Big sites: keep the cyclic GC from rescanning ~100k long-lived records on every
            # request (it tripled list latency at 20k pages). Refcounting still frees them.
            gc.freeze()
        super().__init__(store, clock, authors)
        self.config = config
        self.users = users
        self._apis: list[ApiBase] = [
            ContentApi(store, config),
            CommentApi(store, config),
            MiscApi(store, config),
            SearchApi(store, config, clock, users),
        ]

    def routes(self) -> list[BaseRoute]:
        """Site-relative API routes (``/wiki/api/v2/...`` and ``/wiki/rest/api/search``)."""
        return [route for api in self._apis for route in api.routes()]

    def control_routes(self) -> list[BaseRoute]:
        """Control routes, mounted by the framework under ``/_sim/confluence``."""
        return control_routes(self)
