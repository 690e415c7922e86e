"""The benchmark's API-floor arithmetic (bench/floor.py): pure functions, hand-checked numbers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.floor import (  # noqa: E402
    Caps,
    ConfluenceShape,
    JiraShape,
    Need,
    Network,
    changelog_needs,
    combine,
    confluence_needs,
    extra_pages,
    finish,
    jira_needs,
    pages,
)


def by_table(needs: list[Need]) -> dict[str, int]:
    out: dict[str, int] = {}
    for n in needs:
        out[n.table] = out.get(n.table, 0) + n.requests
    return out


def test_pages_counts_an_empty_list_as_one_request() -> None:
    assert pages(0, 100) == 1
    assert pages(100, 100) == 1
    assert pages(101, 100) == 2
    with pytest.raises(ValueError):
        pages(5, 0)


def test_extra_pages_are_free_while_the_embedded_list_is_complete() -> None:
    assert extra_pages(100, 100) == 0
    assert extra_pages(101, 100) == 2
    assert extra_pages(250, 100) == 3


def test_changelog_only_for_issues_beyond_the_expand_cap() -> None:
    caps = Caps(changelog_expand=40, changelog_bulk_issues=1000, changelog_bulk_results=10000)
    assert changelog_needs([5, 40, 12], caps, after=3) == []
    # 1500 issues of 50 histories: 2 batches of ids, 75,000 histories -> 8 pages of 10,000.
    [need] = changelog_needs([50] * 1500 + [3] * 10, caps, after=3)
    assert need.requests == 8
    assert need.chain == 3 + 4  # the search chain, then one batch's 4 pages
    # Few histories but many issues: the id batches bound it.
    [need] = changelog_needs([41] * 2500, caps, after=0)
    assert need.requests == max(3, 11)


def jira_shape(**overrides: object) -> JiraShape:
    base: dict[str, object] = dict(
        issues_per_project=[250, 30, 0], histories=[10] * 279 + [300], comments=[2] * 279 + [150],
        worklogs=2500, projects=3, users=40, sprints_per_board=[60, 4], issues_per_sprint=[120, 0],
    )
    base.update(overrides)
    return JiraShape(**base)  # type: ignore[arg-type]


def test_jira_floor_by_table() -> None:
    caps = Caps()
    tables = by_table(jira_needs(jira_shape(), caps))
    assert tables["issues"] == 3  # 280 issues site-wide, 100 a page
    assert tables["issue_changelogs"] == 1  # one issue over 40 histories
    assert "issue_comments" not in tables  # the search embeds every comment
    assert tables["issue_worklogs"] == 3 + 3  # feed pages of 1000 + list batches of 1000
    assert tables["issue_worklogs (deleted)"] == 1
    assert tables["projects"] == 1
    assert tables["project_components"] == tables["project_versions"] == 3
    assert tables["sprints"] == 2 + 1  # 60 sprints at 50 a page, and 4
    assert tables["sprint_issues"] == 3 + 1  # 120 members at 50 a page; an empty sprint costs 1
    assert "deletion scan" not in tables


def test_jira_floor_pages_comments_when_the_search_embeds_only_some() -> None:
    needs = jira_needs(jira_shape(embedded_comments=20), Caps())
    [comments] = [n for n in needs if n.table == "issue_comments"]
    assert comments.requests == 2  # the one issue with 150 comments, 100 a page
    assert comments.chain == 3 + 2  # after the longest search chain (250 issues: 3 pages)


def test_jira_incremental_shape_with_deletion_scan() -> None:
    shape = jira_shape(issues_per_project=[3, 1, 0], histories=[2, 3, 50, 1],
                       comments=[0, 1, 2, 3], worklogs=4, id_scan_issues=12_000)
    tables = by_table(jira_needs(shape, Caps()))
    assert tables["issues"] == 1
    assert tables["deletion scan"] == 3  # 12,000 ids at 5000 a page
    assert tables["issue_changelogs"] == 1


def test_issue_search_chain_is_the_largest_project() -> None:
    needs = jira_needs(jira_shape(issues_per_project=[950, 120, 30]), Caps())
    [issues] = [n for n in needs if n.table == "issues"]
    assert issues.requests == 11  # 1100 site-wide
    assert issues.chain == 10  # 950 in the largest project, searched in parallel with the rest


def confluence_shape(**overrides: object) -> ConfluenceShape:
    base: dict[str, object] = dict(
        spaces=12, pages=600, blog_posts=10, versions=[1] * 300 + [3] * 299 + [300],
        labels_per_content=[0] * 400 + [2] * 200, content_per_label=[150, 150, 100],
        footer_comments=700, inline_comments=0, attachments=251, blog_versions=[2] * 10,
        blog_labels_per_content=[1] * 10,
    )
    base.update(overrides)
    return ConfluenceShape(**base)  # type: ignore[arg-type]


def test_confluence_floor_by_table() -> None:
    needs = confluence_needs(confluence_shape(), Caps())
    tables = by_table(needs)
    assert tables["spaces"] == 2  # once per status
    assert tables["pages"] == 3 and tables["blog_posts"] == 1
    assert tables["footer_comments"] == 3 and tables["inline_comments"] == 1
    assert tables["attachments"] == 2
    # 299 pages with 3 versions (1 request each), one with 300 (2 pages), 10 posts with 2.
    assert tables["page_versions"] == 299 + 2 + 10
    # Per label: 1 list + 3 labels x (pages + blogposts) = 7, far below 610 per item.
    assert tables["labels"] == 7


def test_confluence_hidden_containers_cost_a_request_per_child_list() -> None:
    tables = by_table(confluence_needs(confluence_shape(hidden_containers=4), Caps()))
    assert tables["footer_comments"] == 3 + 4
    assert tables["inline_comments"] == 1 + 4
    assert tables["attachments"] == 2 + 4


def test_confluence_replies_on_hidden_containers_cost_a_read_per_root_comment() -> None:
    shape = confluence_shape(hidden_containers=2,
                             hidden_root_comments={"footer": 5, "inline": 3})
    needs = confluence_needs(shape, Caps())
    replies = {n.endpoint: n.requests for n in needs if n.endpoint.endswith("/children")}
    assert replies == {"GET /wiki/api/v2/footer-comments/{id}/children": 5,
                       "GET /wiki/api/v2/inline-comments/{id}/children": 3}


def test_confluence_non_current_items_need_their_own_label_read() -> None:
    plain = by_table(confluence_needs(confluence_shape(), Caps()))["labels"]
    shape = confluence_shape(noncurrent_single_version={"pages": 6, "blogposts": 1})
    assert by_table(confluence_needs(shape, Caps()))["labels"] == plain + 7


def test_confluence_labels_per_item_when_labels_are_many() -> None:
    shape = confluence_shape(pages=3, blog_posts=0, versions=[1, 1, 1],
                             labels_per_content=[1, 1, 1], blog_labels_per_content=[],
                             blog_versions=[], content_per_label=[1] * 50)
    needs = [n for n in confluence_needs(shape, Caps()) if n.table == "labels"]
    assert sum(n.requests for n in needs) == 3
    assert all(n.endpoint.endswith("/{id}/labels") for n in needs)


def test_time_floor_is_the_rate_or_the_latency_bound() -> None:
    net = Network(latency_s=0.1, rate_per_s=100.0, burst=100.0)
    # 1100 requests on one endpoint: 100 free in the bucket, 1000 at 100/s = 10 s.
    rate_bound = finish([Need("t", "GET /a", 1100, 5)], net)
    assert rate_bound.rate_bound_s == pytest.approx(10.0)
    assert rate_bound.latency_bound_s == pytest.approx(0.5)
    assert rate_bound.time_s == pytest.approx(10.0)
    # Buckets are per endpoint: the same requests split over two endpoints take half as long.
    split = finish([Need("t", "GET /a", 550, 5), Need("u", "GET /b", 550, 5)], net)
    assert split.rate_bound_s == pytest.approx(4.5)
    # A long cursor chain is bound by latency instead.
    chain = finish([Need("t", "GET /a", 200, 200)], net)
    assert chain.time_s == pytest.approx(20.0)
    assert chain.requests == 200 and chain.longest_chain == 200


def test_combine_adds_requests_and_keeps_the_longest_chain() -> None:
    net = Network(latency_s=0.05, rate_per_s=10.0, burst=0.0)
    a = finish([Need("t", "GET /a", 20, 20)], net)
    b = finish([Need("u", "GET /a", 30, 3), Need("v", "GET /b", 5, 1)], net)
    both = combine([a, b])
    assert both.requests == 55
    assert both.by_endpoint == {"GET /a": 50, "GET /b": 5}
    assert both.rate_bound_s == pytest.approx(5.0)
    assert both.longest_chain == 20
    assert finish([Need("z", "GET /z", 0, 9)], net).requests == 0
