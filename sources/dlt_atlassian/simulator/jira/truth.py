"""Truth accessors: what tests compare a loaded destination against, rendered like the API."""

from __future__ import annotations

from typing import Any

from dlt_atlassian.simulator.jira.api_agile import sprint_json
from dlt_atlassian.simulator.jira.model import ALL_FIELDS, ISSUE_TYPES
from dlt_atlassian.simulator.jira.people import user_json
from dlt_atlassian.simulator.jira.render import finish, project_ref, render_issue
from dlt_atlassian.simulator.jira.store import JiraStore

JSON = dict[str, Any]


class Truth:
    """Read-only views of the store, with markers resolved for ``base_url`` and ``time_zone``."""

    def __init__(self, store: JiraStore) -> None:
        self.store = store
        self.base_url = store.config.site_url or "http://127.0.0.1"

    def _finish(self, body: Any, base_url: str | None, time_zone: str) -> Any:
        return finish(body, base_url or self.base_url, time_zone)

    def issue_ids(self) -> list[str]:
        """Ids of every live issue, ascending."""
        with self.store.lock:
            return [str(r.id) for r in self.store.index.live()]

    def issue_keys(self) -> dict[str, str]:
        """Current key of every live issue, by id."""
        with self.store.lock:
            return {str(r.id): r.key for r in self.store.index.live()}

    def issues(self, base_url: str | None = None, time_zone: str = "UTC") -> list[JSON]:
        """Every live issue with all fields, as GET /issue/{id} renders it."""
        with self.store.lock:
            rows = self.store.index.live()
            bodies = [render_issue(self.store, r, ALL_FIELDS, set(), 0) for r in rows]
        for body in bodies:
            body.pop("changelog", None)
        result: list[JSON] = self._finish(bodies, base_url, time_zone)
        return result

    def issue(self, key: str, base_url: str | None = None, time_zone: str = "UTC") -> JSON:
        """One live issue with all fields."""
        with self.store.lock:
            row = self.store.index.resolve(key)
            if row is None:
                raise KeyError(key)
            body = render_issue(self.store, row, ALL_FIELDS, set(), 0)
        result: JSON = self._finish(body, base_url, time_zone)
        return result

    def _per_issue(self, key: str, attr: str, base_url: str | None, time_zone: str) -> list[JSON]:
        with self.store.lock:
            row = self.store.index.resolve(key)
            if row is None:
                raise KeyError(key)
            items = list(getattr(self.store.data(row), attr))
        result: list[JSON] = self._finish(items, base_url, time_zone)
        return result

    def changelog(self, key: str, base_url: str | None = None,
                  time_zone: str = "UTC") -> list[JSON]:
        """The complete changelog of an issue, oldest first."""
        return self._per_issue(key, "histories", base_url, time_zone)

    def comments(self, key: str, base_url: str | None = None,
                 time_zone: str = "UTC") -> list[JSON]:
        """Every comment of an issue."""
        return self._per_issue(key, "comments", base_url, time_zone)

    def worklogs(self, key: str, base_url: str | None = None,
                 time_zone: str = "UTC") -> list[JSON]:
        """Every worklog of an issue."""
        return self._per_issue(key, "worklogs", base_url, time_zone)

    def search_ids(self, jql: str, time_zone: str = "UTC") -> list[str]:
        """Ids /search/jql would return for ``jql``, in order (raises ``JqlError``)."""
        return [str(issue_id) for _, issue_id in self.store.search(jql, time_zone)]

    def counts(self) -> dict[str, int]:
        """Live issue count and total histories, comments and worklogs (materializes all)."""
        with self.store.lock:
            rows = self.store.index.live()
            datas = [self.store.data(r) for r in rows]
        return {"issues": len(rows), "histories": sum(len(d.histories) for d in datas),
                "comments": sum(len(d.comments) for d in datas),
                "worklogs": sum(len(d.worklogs) for d in datas)}

    def deleted_issue_ids(self) -> list[str]:
        """Ids of deleted issues, in deletion order."""
        return [str(i) for i in self.store.deleted_issue_ids]

    def deleted_worklog_ids(self) -> list[int]:
        """Ids of deleted worklogs."""
        return [wid for _, wid in self.store.deleted_worklogs]

    def projects(self, base_url: str | None = None) -> list[JSON]:
        """Every project (``project`` field shape) with components and versions ids."""
        out = []
        for p in self.store.projects:
            out.append({**project_ref(p), "description": p.description, "lead": p.lead,
                        "components": [str(c.id) for c in p.components],
                        "versions": [str(v.id) for v in p.versions]})
        result: list[JSON] = self._finish(out, base_url, "UTC")
        return result

    def users(self, base_url: str | None = None) -> list[JSON]:
        """Every account as /users/search lists it."""
        result: list[JSON] = self._finish([user_json(u, full=True) for u in self.store.users.all()],
                                          base_url, "UTC")
        return result

    def boards(self) -> list[JSON]:
        """Every board: id, name, type, project id."""
        return [{"id": b.id, "name": b.name, "type": b.type, "projectId": b.project_id}
                for b in self.store.boards]

    def sprints(self, base_url: str | None = None, time_zone: str = "UTC") -> list[JSON]:
        """Every sprint as the agile API renders it."""
        result: list[JSON] = self._finish(
            [sprint_json(s) for b in self.store.boards for s in b.sprints], base_url, time_zone)
        return result

    def sprint_membership(self) -> dict[int, list[str]]:
        """Issue ids (live) per sprint id."""
        out: dict[int, list[str]] = {s: [] for s in self.store.sprints}
        with self.store.lock:
            for row in self.store.index.live():
                for sprint_id in (row.sprint_id, row.sprint_next):
                    if sprint_id:
                        out[sprint_id].append(str(row.id))
        return out

    def issue_types(self) -> list[str]:
        """Issue type ids."""
        return [t[0] for t in ISSUE_TYPES]
