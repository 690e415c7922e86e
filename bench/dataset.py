"""The benchmark's fixed dataset and server conditions, at a scale factor."""

from __future__ import annotations

from dataclasses import replace

from dlt_atlassian.simulator.config import (
    DataConfig,
    LatencyConfig,
    RateLimitConfig,
    SimulatorConfig,
)

# 1x: 20,000 issues in 10 projects of uneven size (the generator skews them), ~15 histories
# per issue with some over 300, 3 comments and 1 worklog per issue; 5,000 Confluence pages.
BASE = DataConfig(
    seed=42,
    jira_projects=10,
    jira_issues=20_000,
    jira_users=200,
    histories_per_issue=15,
    big_changelog_issues=40,  # 300 histories each
    comments_per_issue=3,
    big_comment_issues=10,  # 150 comments each: more than one page
    worklogs_per_issue=1,
    boards_per_project=1,
    sprints_per_board=8,
    confluence_spaces=10,
    confluence_pages=5_000,
    blog_posts=500,
    versions_per_page=3,
    comments_per_page=1,
    attachments_per_page=0.5,
)
SCALED = ("jira_issues", "big_changelog_issues", "big_comment_issues", "jira_users",
          "confluence_pages", "blog_posts")

# Mean latency 80 ms: 70 ms fixed plus up to 20 ms of uniform jitter.
LATENCY = LatencyConfig(fixed_ms=70.0, jitter_ms=20.0)
RATE_LIMIT = RateLimitConfig(enabled=True, burst_per_second=100.0, burst_capacity=100.0,
                             retry_after_mode="seconds")


def data_at(scale: float, seed: int = 42) -> DataConfig:
    """The dataset at ``scale`` (sizes multiply; shapes such as means stay)."""
    changes = {name: max(1, round(getattr(BASE, name) * scale)) for name in SCALED}
    return replace(BASE, seed=seed, **changes)


def config_at(scale: float, seed: int = 42, *, latency: bool = True,
              rate_limit: bool = True) -> SimulatorConfig:
    """A simulator config: dataset at ``scale``, realistic latency and burst limit."""
    return SimulatorConfig(
        data=data_at(scale, seed),
        latency=replace(LATENCY) if latency else LatencyConfig(),
        rate_limit=replace(RATE_LIMIT) if rate_limit else RateLimitConfig(),
    )


def mean_latency_s(config: SimulatorConfig) -> float:
    """Mean injected latency per request, in seconds."""
    return (config.latency.fixed_ms + config.latency.jitter_ms / 2) / 1000.0
