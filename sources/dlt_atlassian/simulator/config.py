"""Every knob of the simulator in one place: data scale, page caps, latency, limits, faults.

Defaults are realistic page caps with everything else off, so a plain simulator behaves like a
quiet, healthy Atlassian Cloud site. Owners of the simulator's parts may add fields; renaming or
removing one breaks the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class DataConfig:
    """What the deterministic generator produces (same seed + same knobs = same data)."""

    seed: int = 42
    # Jira
    jira_projects: int = 4
    jira_issues: int = 400  # total, spread unevenly across projects
    jira_users: int = 30
    histories_per_issue: int = 6  # mean; real distributions are skewed
    big_changelog_issues: int = 1  # issues carrying more than 250 histories (300 each)
    comments_per_issue: int = 2  # mean
    big_comment_issues: int = 1  # issues carrying more than 100 comments (150 each)
    worklogs_per_issue: int = 1  # mean
    boards_per_project: int = 1  # scrum boards; one extra kanban board is always added
    sprints_per_board: int = 4
    # Confluence
    confluence_spaces: int = 3
    confluence_pages: int = 150
    blog_posts: int = 30
    versions_per_page: int = 3  # mean
    comments_per_page: int = 1  # mean (footer + inline)
    attachments_per_page: float = 0.5
    # Generated history spans [base_time, base_time + history_days]; it must end before "now".
    base_time: datetime = field(default_factory=lambda: datetime(2024, 1, 1, tzinfo=UTC))
    history_days: int = 540


@dataclass
class PageCaps:
    """Server-side maxima, as documented by Atlassian (requests asking for more get these)."""

    search_jql_ids_only: int = 5000  # /search/jql when fields are only id/key
    search_jql_with_fields: int = 100
    search_jql_default: int = 50
    changelog_expand_cap: int = 40  # expand=changelog truncates here (total > returned)
    changelog_bulk_issues: int = 1000  # issue ids per /changelog/bulkfetch request
    changelog_bulk_max_results: int = 10000  # histories per bulkfetch page
    issue_changelog: int = 100
    comments: int = 100
    comment_list_ids: int = 1000
    worklogs: int = 5000
    worklog_updated: int = 1000
    worklog_list_ids: int = 1000
    project_search: int = 100
    users_search: int = 1000
    agile: int = 50
    confluence_limit: int = 250


@dataclass
class LatencyConfig:
    """Per-request delay injected before answering."""

    fixed_ms: float = 0.0
    jitter_ms: float = 0.0


@dataclass
class RateLimitConfig:
    """Atlassian's two binding limits: a per-second burst bucket and an hourly points quota."""

    enabled: bool = False
    burst_per_second: float = 100.0  # token-bucket refill rate, per endpoint
    burst_capacity: float = 100.0
    hourly_points: int | None = None  # None = no points quota; OAuth apps only in real life
    points_per_request: int = 1
    points_per_object: int = 1
    # How 429s say when to come back: "seconds", "zero" (Retry-After: 0),
    # "absent" (only X-RateLimit-Reset), or "mixed" (rotates through the three).
    retry_after_mode: str = "seconds"
    near_limit_fraction: float = 0.2  # X-RateLimit-NearLimit when remaining < this fraction
    # Who pays the points quota: Atlassian applies it to OAuth apps only (API-token traffic
    # has burst limits alone). Add "basic" / "scoped" to exercise the quota with tokens.
    quota_auth_kinds: list[str] = field(default_factory=lambda: ["oauth"])
    # Per-endpoint burst overrides: {"GET /rest/api/3/search/jql": (capacity, per_second)}.
    endpoint_burst: dict[str, tuple[float, float]] = field(default_factory=dict)
    # X-RateLimit-Reset precision: "minute" (documented yyyy-MM-ddTHH:mmZ) or "second".
    reset_precision: str = "minute"


@dataclass
class FaultConfig:
    """Injected failures: by probability (0..1 per request) or scripted per path."""

    seed: int = 7
    server_error_rate: float = 0.0  # 500/502/503 (503 with Retry-After)
    rate_limit_storm_rate: float = 0.0  # a 429 regardless of the bucket
    connection_reset_rate: float = 0.0
    slow_response_rate: float = 0.0
    slow_response_seconds: float = 120.0
    malformed_json_rate: float = 0.0
    truncated_json_rate: float = 0.0
    incomplete_body_rate: float = 0.0  # full Content-Length promised, connection dies mid-body
    expired_token_rate: float = 0.0  # a 401 as if the access token had just expired
    repeat_page_token: bool = False  # /search/jql hands back the token it was given
    drop_is_last: bool = False  # /search/jql omits isLast
    retry_after_seconds: int = 1  # Retry-After on injected 503s and 429 storms
    # Scripted faults: {"path": "/rest/api/3/search/jql", "kind": "500", "count": 2}
    # path is a glob over the site-relative path; optional "method"; count -1 = forever.
    # Kinds: 500 502 503 429 429-no-retry-after reset slow malformed truncated incomplete 401
    script: list[dict[str, object]] = field(default_factory=list)


@dataclass
class OAuthConfig:
    """The OAuth 2.0 (3LO) authorization server's rules."""

    clients: dict[str, str] = field(
        default_factory=lambda: {"sim-client-id": "sim-client-secret"}
    )
    access_token_ttl: int = 3600
    reuse_interval: int = 600  # a rotated refresh token stays valid this many seconds
    inactivity_days: int = 90
    absolute_days: int = 365
    authorization_code_ttl: int = 600


@dataclass
class AccountsConfig:
    """Who can log in with Basic auth or scoped API tokens."""

    # email -> classic API token (Basic auth on the site URL, all the user's permissions)
    api_tokens: dict[str, str] = field(
        default_factory=lambda: {"admin@example.com": "sim-api-token"}
    )
    # scoped API token -> (email, scopes); used through the /ex/{product}/{cloudId} gateway
    scoped_tokens: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    default_time_zone: str = "UTC"


@dataclass
class SimulatorConfig:
    """The whole simulator configuration."""

    data: DataConfig = field(default_factory=DataConfig)
    caps: PageCaps = field(default_factory=PageCaps)
    latency: LatencyConfig = field(default_factory=LatencyConfig)
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    oauth: OAuthConfig = field(default_factory=OAuthConfig)
    accounts: AccountsConfig = field(default_factory=AccountsConfig)
    # None = the server's own base URL (http://127.0.0.1:PORT) is the site URL.
    site_url: str | None = None
    site_name: str = "sim-site"
    # Further sites the same consent can see (listed by accessible-resources, no data behind).
    extra_sites: list[str] = field(default_factory=list)
