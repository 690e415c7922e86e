"""The API floor: the fewest requests a dataset needs under the page caps, and their least time.

Pure arithmetic over counts taken from the simulator's truth (``bench/shape.py`` collects them),
so it is unit-tested directly (``tests/test_bench_floor.py``).

Model:

* **Requests.** For every table the cheapest documented way to read it completely, given the
  page caps (e.g. issues: ``ceil(n / 100)`` search pages per project; changelogs: bulkfetch of
  1000 issues a request, 10000 histories a page, but only for issues whose history does not fit
  in the 40 that ``expand=changelog`` embeds for free; comments: only issues whose comment list
  is not fully embedded in the search result).
* **Time.** Requests run concurrently, limited by (a) the burst limit, a token bucket per
  endpoint (``burst`` free requests, then ``rate`` per second), and (b) latency along each
  paginated sequence: a cursor chain cannot be parallelized, and a child request cannot start
  before the page that names its parent. Floor time = max(rate bound, longest chain x latency).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def pages(items: int, cap: int) -> int:
    """Requests to list ``items`` at ``cap`` a page (an empty list still costs one request)."""
    if cap < 1:
        raise ValueError("page cap must be >= 1")
    return max(1, math.ceil(items / cap))


def extra_pages(items: int, cap: int) -> int:
    """Requests for a child list whose first ``cap`` items came for free: 0 if they all did."""
    return 0 if items <= cap else math.ceil(items / cap)


@dataclass(frozen=True)
class Caps:
    """The page caps the floor depends on (mirrors ``simulator.config.PageCaps``)."""

    search_with_fields: int = 100
    search_ids_only: int = 5000
    changelog_expand: int = 40
    changelog_bulk_issues: int = 1000
    changelog_bulk_results: int = 10000
    comments: int = 100
    worklog_updated: int = 1000
    worklog_list_ids: int = 1000
    project_search: int = 100
    users_search: int = 1000
    agile: int = 50
    confluence: int = 250


@dataclass(frozen=True)
class Network:
    """Server conditions: mean latency per request and the per-endpoint burst bucket."""

    latency_s: float = 0.08
    rate_per_s: float = 100.0
    burst: float = 100.0


@dataclass(frozen=True)
class Need:
    """The fewest requests one table needs, on one endpoint, and its longest sequential chain."""

    table: str
    endpoint: str
    requests: int
    chain: int  # requests that must run one after another (dependencies included)
    note: str = ""


@dataclass(frozen=True)
class JiraShape:
    """What the floor needs to know about a Jira site (or about what changed on it)."""

    issues_per_project: Sequence[int]
    histories: Sequence[int]  # per issue
    comments: Sequence[int]  # per issue
    worklogs: int
    projects: int
    users: int
    sprints_per_board: Sequence[int]
    issues_per_sprint: Sequence[int]
    reference_endpoints: int = 7  # fields, statuses, categories, priorities, types, ...
    embedded_comments: int | None = None  # comments the search embeds; None = all of them
    deleted_worklogs: int = 0
    id_scan_issues: int = 0  # issues an id-only deletion scan lists (0 = no scan needed)


@dataclass(frozen=True)
class ConfluenceShape:
    """What the floor needs to know about a Confluence site (or about what changed on it)."""

    spaces: int
    pages: int
    blog_posts: int
    versions: Sequence[int]  # per page listed; 1 = only the current version
    labels_per_content: Sequence[int]  # per page listed
    content_per_label: Sequence[int]  # per distinct label: pages/posts carrying it
    footer_comments: int
    inline_comments: int
    attachments: int
    hidden_containers: int = 0  # trashed/deleted items: their comments and attachments are
    # missing from the site-wide lists, so each needs its own footer/inline/attachment request
    blog_versions: Sequence[int] = ()  # per blog post listed
    blog_labels_per_content: Sequence[int] = ()  # per blog post listed
    space_statuses: int = 2  # spaces are listed once per status (current, archived)
    hidden_root_comments: dict[str, int] = field(default_factory=dict)  # "footer"/"inline":
    # top-level comments on trashed/deleted containers; their replies need a children read
    # each (the container's list returns root comments only, and carries no reply count)
    noncurrent_single_version: dict[str, int] = field(default_factory=dict)  # "pages"/
    # "blogposts": non-current items without a versions read (the per-label lists return
    # current content only, so each needs its own label read)


@dataclass
class Floor:
    """The floor of one run: needs per table and the resulting least time."""

    needs: list[Need]
    network: Network
    rate_bound_s: float = 0.0
    latency_bound_s: float = 0.0
    by_endpoint: dict[str, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        """The fewest requests in total."""
        return sum(n.requests for n in self.needs)

    @property
    def longest_chain(self) -> int:
        """The longest sequence of requests that cannot overlap."""
        return max((n.chain for n in self.needs if n.requests), default=0)

    @property
    def time_s(self) -> float:
        """The least wall time: max(rate bound, longest chain x latency)."""
        return max(self.rate_bound_s, self.latency_bound_s)


def finish(needs: Iterable[Need], network: Network) -> Floor:
    """Add up ``needs`` into a :class:`Floor` under ``network``."""
    needs = [n for n in needs if n.requests > 0]
    by_endpoint: dict[str, int] = {}
    for need in needs:
        by_endpoint[need.endpoint] = by_endpoint.get(need.endpoint, 0) + need.requests
    rate_bound = max(
        (max(0.0, n - network.burst) / network.rate_per_s for n in by_endpoint.values()),
        default=0.0,
    )
    floor = Floor(needs, network, by_endpoint=by_endpoint)
    floor.rate_bound_s = rate_bound
    floor.latency_bound_s = floor.longest_chain * network.latency_s
    return floor


def combine(floors: Iterable[Floor]) -> Floor:
    """One floor for runs that may overlap (e.g. Jira and Confluence at once)."""
    floors = list(floors)
    if not floors:
        return finish([], Network())
    return finish([n for f in floors for n in f.needs], floors[0].network)


def changelog_needs(histories: Sequence[int], caps: Caps, after: int) -> list[Need]:
    """Bulkfetch for the issues whose history ``expand=changelog`` cannot embed in full."""
    big = [h for h in histories if h > caps.changelog_expand]
    if not big:
        return []
    batches = math.ceil(len(big) / caps.changelog_bulk_issues)
    # Pages: every batch pages its histories; packing issues well gets close to this bound.
    requests = max(batches, math.ceil(sum(big) / caps.changelog_bulk_results))
    per_batch = math.ceil(requests / batches)
    return [Need("issue_changelogs", "POST /rest/api/3/changelog/bulkfetch", requests,
                 after + per_batch, f"{len(big)} issues with > {caps.changelog_expand} histories")]


def jira_needs(shape: JiraShape, caps: Caps) -> list[Need]:
    """The fewest Jira requests for ``shape`` (a full site, or the changes since a run)."""
    needs = [
        Need("fields", "GET /rest/api/3/field", 1, 1),
        Need("projects", "GET /rest/api/3/project/search",
             pages(shape.projects, caps.project_search),
             pages(shape.projects, caps.project_search)),
        Need("project_components", "GET /rest/api/3/project/{projectIdOrKey}/components",
             shape.projects, 2),
        Need("project_versions", "GET /rest/api/3/project/{projectIdOrKey}/version",
             shape.projects, 2),
        Need("users", "GET /rest/api/3/users/search", pages(shape.users + 1, caps.users_search),
             pages(shape.users + 1, caps.users_search), "a short page ends the list"),
        Need("reference tables", "GET (one each)", shape.reference_endpoints, 1),
    ]
    per_project = [n for n in shape.issues_per_project if n > 0]
    # Fewest requests: one site-wide search. Shortest chain: one search per project, run in
    # parallel (costs at most one extra request per project: the floor takes the best of both).
    search = pages(sum(per_project), caps.search_with_fields)
    chain = min(search, max((pages(n, caps.search_with_fields) for n in per_project), default=1))
    needs.append(Need("issues", "POST /rest/api/3/search/jql", search, chain,
                      f"{caps.search_with_fields} a page; chain = largest project"))
    if shape.id_scan_issues:
        ids = pages(shape.id_scan_issues, caps.search_ids_only)
        needs.append(Need("deletion scan", "POST /rest/api/3/search/jql", ids, ids,
                          f"id-only search, {caps.search_ids_only} a page"))
    needs += changelog_needs(shape.histories, caps, chain)
    if shape.embedded_comments is not None:
        extra = [extra_pages(c, caps.comments) for c in shape.comments
                 if c > shape.embedded_comments]
        if extra:
            needs.append(Need("issue_comments", "GET /rest/api/3/issue/{issueIdOrKey}/comment",
                              sum(extra), chain + max(extra), "issues beyond the embedded list"))
    feed = pages(shape.worklogs, caps.worklog_updated)
    lists = math.ceil(shape.worklogs / caps.worklog_list_ids)
    needs.append(Need("issue_worklogs", "GET /rest/api/3/worklog/updated", feed, feed))
    needs.append(Need("issue_worklogs", "POST /rest/api/3/worklog/list", lists, feed + 1))
    needs.append(Need("issue_worklogs (deleted)", "GET /rest/api/3/worklog/deleted",
                      pages(shape.deleted_worklogs, caps.worklog_updated), 1))
    boards = len(shape.sprints_per_board)
    needs.append(Need("boards", "GET /rest/agile/1.0/board", pages(boards, caps.agile),
                      pages(boards, caps.agile)))
    sprint_pages = [pages(s, caps.agile) for s in shape.sprints_per_board]
    needs.append(Need("sprints", "GET /rest/agile/1.0/board/{boardId}/sprint", sum(sprint_pages),
                      1 + max(sprint_pages, default=0)))
    member_pages = [pages(n, caps.agile) for n in shape.issues_per_sprint]
    needs.append(Need("sprint_issues", "GET /rest/agile/1.0/sprint/{sprintId}/issue",
                      sum(member_pages), 2 + max(member_pages, default=0)))
    return needs


def confluence_needs(shape: ConfluenceShape, caps: Caps) -> list[Need]:
    """The fewest Confluence requests for ``shape`` (a full site, or what changed)."""
    cap = caps.confluence
    v2 = "GET /wiki/api/v2"
    page_list = pages(shape.pages, cap)
    post_list = pages(shape.blog_posts, cap)
    needs = [
        Need("spaces", f"{v2}/spaces", shape.space_statuses * pages(shape.spaces, cap),
             pages(shape.spaces, cap)),
        Need("pages", f"{v2}/pages", page_list, page_list),
        Need("blog_posts", f"{v2}/blogposts", post_list, post_list),
        Need("footer_comments", f"{v2}/footer-comments", pages(shape.footer_comments, cap),
             pages(shape.footer_comments, cap)),
        Need("inline_comments", f"{v2}/inline-comments", pages(shape.inline_comments, cap),
             pages(shape.inline_comments, cap)),
        Need("attachments", f"{v2}/attachments", pages(shape.attachments, cap),
             pages(shape.attachments, cap)),
    ]
    listed = max(page_list, post_list)
    if shape.hidden_containers:
        for child in ("footer-comments", "inline-comments", "attachments"):
            needs.append(Need(child.replace("-", "_"), f"{v2}/pages/{{id}}/{child}",
                              shape.hidden_containers, listed + 1,
                              "items of trashed/deleted containers, one request each"))
    for kind, roots in sorted(shape.hidden_root_comments.items()):
        if roots:
            needs.append(Need(f"{kind}_comments", f"{v2}/{kind}-comments/{{id}}/children", roots,
                              listed + 2, "replies of root comments on trashed/deleted items"))
    # Versions: no bulk list exists; an item still at version 1 needs none (the list has it).
    for kind, versions in (("pages", shape.versions), ("blogposts", shape.blog_versions)):
        version_pages = [pages(v, cap) for v in versions if v > 1]
        if version_pages:
            needs.append(Need("page_versions", f"{v2}/{kind}/{{id}}/versions",
                              sum(version_pages), listed + max(version_pages),
                              f"{len(version_pages)} {kind} with more than one version"))
    # Labels: per item, or per label via /labels/{id}/pages|blogposts; whichever is fewer.
    per_item = {kind: sum(pages(n, cap) for n in labels) for kind, labels in
                (("pages", shape.labels_per_content), ("blogposts", shape.blog_labels_per_content))}
    per_label = {kind: sum(pages(n, cap) for n in shape.content_per_label)
                 for kind in ("pages", "blogposts")}
    label_list = pages(len(shape.content_per_label), cap)
    if sum(per_label.values()) + label_list < sum(per_item.values()):
        chain = label_list + max((pages(n, cap) for n in shape.content_per_label), default=0)
        needs.append(Need("labels", f"{v2}/labels", label_list, label_list))
        for kind, n in per_label.items():
            needs.append(Need("labels", f"{v2}/labels/{{id}}/{kind}", n, chain,
                              f"per label ({len(shape.content_per_label)} labels) beats per "
                              f"item ({sum(per_item.values())} requests)"))
        for kind, n in sorted(shape.noncurrent_single_version.items()):
            if n:  # items with more versions get their labels in the same by-id read
                needs.append(Need("labels", f"{v2}/{kind}/{{id}}/labels", n, listed + 1,
                                  "non-current items: not in the per-label lists"))
    else:
        for kind, n in per_item.items():
            needs.append(Need("labels", f"{v2}/{kind}/{{id}}/labels", n, listed + 1,
                              "one request per item"))
    return needs
