"""``JiraSimulator``: the product object the framework mounts (routes, control, truth)."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.jira.api_agile import AgileApi
from dlt_atlassian.simulator.jira.api_issue import IssueApi
from dlt_atlassian.simulator.jira.api_meta import MetaApi
from dlt_atlassian.simulator.jira.api_search import SearchApi
from dlt_atlassian.simulator.jira.control import ControlApi
from dlt_atlassian.simulator.jira.mutations import Mutator
from dlt_atlassian.simulator.jira.store import JiraStore
from dlt_atlassian.simulator.jira.truth import Truth
from dlt_atlassian.simulator.users import UserDirectory


class JiraSimulator:
    """A deterministic Jira Cloud site: issues are generated lazily from the seed.

    Mutations (``update_issue``, ``create_issue``, ``delete_issue``, ``move_issue``,
    ``add_comment``, ``delete_comment``, ``add_worklog``, ``update_worklog``,
    ``delete_worklog``) stamp ``clock.now()``; ``truth`` holds the accessors tests compare with
    (also exposed here: ``issue_ids()``, ``issues()``, ``changelog(key)``, ``projects()``...;
    the account list is ``users_truth()`` because ``users`` is the shared directory).
    """

    def __init__(self, config: SimulatorConfig, clock: SimClock, users: UserDirectory) -> None:
        self.config, self.clock, self.users = config, clock, users
        self.store = JiraStore(config, clock, users)
        self.mutator = Mutator(self.store)
        self.truth = Truth(self.store)
        m = self.mutator
        self.update_issue, self.create_issue, self.delete_issue = (
            m.update_issue, m.create_issue, m.delete_issue)
        self.move_issue, self.add_comment, self.delete_comment = (
            m.move_issue, m.add_comment, m.delete_comment)
        self.add_worklog, self.update_worklog, self.delete_worklog = (
            m.add_worklog, m.update_worklog, m.delete_worklog)
        # The truth accessors are also reachable directly (``sim.jira.issue_ids()``).
        t = self.truth
        self.issue_ids, self.issue_keys, self.issues, self.issue = (
            t.issue_ids, t.issue_keys, t.issues, t.issue)
        self.changelog, self.comments, self.worklogs, self.counts = (
            t.changelog, t.comments, t.worklogs, t.counts)
        self.deleted_issue_ids, self.deleted_worklog_ids = (
            t.deleted_issue_ids, t.deleted_worklog_ids)
        self.projects, self.users_truth, self.boards, self.sprints = (
            t.projects, t.users, t.boards, t.sprints)
        self.sprint_membership, self.search_ids = t.sprint_membership, t.search_ids

    def routes(self) -> list[BaseRoute]:
        """Site-relative REST routes (``/rest/api/3/...``, ``/rest/agile/1.0/...``)."""
        return [
            *SearchApi(self.store).routes(),
            *IssueApi(self.store).routes(),
            *MetaApi(self.store).routes(),
            *AgileApi(self.store).routes(),
        ]

    def control_routes(self) -> list[BaseRoute]:
        """Control routes, mounted by the framework under ``/_sim/jira``."""
        return ControlApi(self.mutator, self.truth).routes()

    def set_site_url(self, url: str) -> None:
        """Tell the truth accessors which base URL to write into ``self`` links."""
        self.truth.base_url = url.rstrip("/")

    def stats(self) -> dict[str, Any]:
        """Cheap counters (no materialization)."""
        index = self.store.index
        return {"issues": sum(1 for r in index.rows if not r.deleted),
                "deleted": len(self.store.deleted_issue_ids),
                "overrides": len(self.store.overrides), "worklogs": len(index.worklog_feed)}
