"""Read the floor's inputs (``floor.JiraShape`` / ``floor.ConfluenceShape``) from the simulator.

Reads the simulators' stores directly (the harness hosts the simulator in-process), counting
without rendering, so it stays cheap at 100,000 issues.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection
from typing import Any

from bench.floor import Caps, ConfluenceShape, JiraShape

LISTED_STATUSES = ("current", "archived", "trashed", "deleted", "draft")


def caps_of(sim: Any) -> Caps:
    """The floor's caps from the simulator's ``PageCaps``."""
    c = sim.config.caps
    return Caps(
        search_with_fields=c.search_jql_with_fields, search_ids_only=c.search_jql_ids_only,
        changelog_expand=c.changelog_expand_cap, changelog_bulk_issues=c.changelog_bulk_issues,
        changelog_bulk_results=c.changelog_bulk_max_results, comments=c.comments,
        worklog_updated=c.worklog_updated, worklog_list_ids=c.worklog_list_ids,
        project_search=c.project_search, users_search=c.users_search, agile=c.agile,
        confluence=c.confluence_limit,
    )


def _issue_counts(store: Any, row: Any) -> tuple[int, int, int]:
    data = store.overrides.get(row.id)
    if data is not None:  # mutated issues: the index counts are from generation time
        return len(data.histories), len(data.comments), len(data.worklogs)
    return row.histories, row.comments, row.worklogs


def jira_shape(sim: Any, only: Collection[int] | None = None, *, id_scan: bool = False,
               deleted_worklogs: int = 0, worklogs: int | None = None,
               open_sprints_only: bool = False) -> JiraShape:
    """The Jira site's shape; with ``only`` (issue ids), just those issues' share of it.

    ``open_sprints_only``: count sprint members of active/future sprints only (a closed
    sprint's membership no longer changes, so an incremental run need not re-read it).
    """
    store = sim.jira.store
    with store.lock:
        live = store.index.live()
        rows = [r for r in live if only is None or r.id in only]
        per_project = Counter(r.project_id for r in rows)
        counts = [_issue_counts(store, r) for r in rows]
        boards = store.boards
        membership = sim.jira.truth.sprint_membership()
    sprints_per_board = [len(b.sprints) for b in boards]
    return JiraShape(
        issues_per_project=[per_project.get(p.id, 0) for p in store.projects],
        histories=[h for h, _, _ in counts],
        comments=[c for _, c, _ in counts],
        worklogs=sum(w for _, _, w in counts) if worklogs is None else worklogs,
        projects=len(store.projects),
        users=len(sim.users.all()),
        sprints_per_board=sprints_per_board,
        issues_per_sprint=[len(v) for sid, v in membership.items()
                           if not open_sprints_only or store.sprints[sid].state != "closed"],
        # The simulator embeds every comment in the search result (see its render.py).
        embedded_comments=None,
        deleted_worklogs=deleted_worklogs,
        id_scan_issues=len(live) if id_scan else 0,
    )


def confluence_shape(sim: Any, only: Collection[int] | None = None,
                     comments_changed: int | None = None,
                     attachments_changed: int | None = None,
                     status_only: Collection[int] = ()) -> ConfluenceShape:
    """The Confluence site's shape; with ``only`` (content ids), just those items' share.

    ``status_only``: items whose status alone changed (listed again, no new versions/labels).
    """
    store = sim.confluence.store
    with store.lock:
        items = [c for c in store.contents.values()
                 if c.status in LISTED_STATUSES and (only is None or c.id in only)]
        kids = [c for c in items if c.id not in status_only]
        hidden_ids = {c.id for c in store.contents.values() if c.status in ("trashed", "deleted")}
        hidden = len(hidden_ids)
        roots = Counter(c.kind for c in store.comments.values()
                        if c.container_id in hidden_ids and c.parent_comment_id is None)
        noncurrent = Counter("pages" if c.kind == "page" else "blogposts" for c in items
                             if c.status != "current" and len(c.versions) <= 1)
        usage: Counter[int] = Counter()
        for c in store.contents.values():
            for cl in c.labels:
                usage[cl.label_id] += 1
        comments = Counter(c.kind for c in store.comments.values())
        attachments = len(store.attachments)
        spaces = len(store.spaces)
    return ConfluenceShape(
        spaces=spaces,
        pages=sum(1 for c in items if c.kind == "page"),
        blog_posts=sum(1 for c in items if c.kind == "blogpost"),
        versions=[len(c.versions) for c in kids if c.kind == "page"],
        labels_per_content=[len(c.labels) for c in kids if c.kind == "page"],
        blog_versions=[len(c.versions) for c in kids if c.kind == "blogpost"],
        blog_labels_per_content=[len(c.labels) for c in kids if c.kind == "blogpost"],
        content_per_label=list(usage.values()),
        footer_comments=comments["footer"] if comments_changed is None else comments_changed,
        inline_comments=comments["inline"] if comments_changed is None else 0,
        attachments=attachments if attachments_changed is None else attachments_changed,
        hidden_containers=hidden if only is None else 0,
        hidden_root_comments=dict(roots) if only is None else {},
        noncurrent_single_version=dict(noncurrent) if only is None else {},
    )


def summary(j: JiraShape | None, c: ConfluenceShape | None) -> dict[str, Any]:
    """Headline counts of the dataset, for the report."""
    out: dict[str, Any] = {}
    if j is not None:
        out.update(_jira_summary(j))
    if c is not None:
        out.update(_confluence_summary(c))
    return out


def _jira_summary(j: JiraShape) -> dict[str, Any]:
    hist = sorted(j.histories)
    return {
        "jira_issues": len(j.histories),
        "jira_projects": j.projects,
        "issues_per_project": list(j.issues_per_project),
        "histories": sum(hist),
        "histories_mean": round(sum(hist) / len(hist), 1) if hist else 0,
        "issues_with_300_plus_histories": sum(1 for h in hist if h >= 300),
        "issues_over_40_histories": sum(1 for h in hist if h > 40),
        "histories_p99": hist[min(len(hist) - 1, math.ceil(0.99 * len(hist)))] if hist else 0,
        "comments": sum(j.comments),
        "worklogs": j.worklogs,
        "sprints": len(j.issues_per_sprint),
    }


def _confluence_summary(c: ConfluenceShape) -> dict[str, Any]:
    return {
        "confluence_pages": c.pages,
        "confluence_blog_posts": c.blog_posts,
        "confluence_versions": sum(c.versions) + sum(c.blog_versions),
        "confluence_footer_comments": c.footer_comments,
        "confluence_inline_comments": c.inline_comments,
        "confluence_attachments": c.attachments,
        "confluence_labels": len(c.content_per_label),
    }
