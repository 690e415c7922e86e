"""Jira source settings as data: defaults, page sizes, endpoint tables and OAuth scopes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DEFAULT_LOOKBACK_SECONDS = 300
"""Re-read this much before the cursor: late-indexed changes and same-minute writes."""
DEFAULT_PARALLELISM = 4
ISSUE_BATCH_SIZE = 1000
"""Issues handed to the child tables at once: the bulk changelog endpoint takes up to 1000."""

SEARCH_PATH = "/rest/api/3/search/jql"
SEARCH_PAGE_SIZE = 100  # Jira returns at most 100 issues a page when fields are requested
SEARCH_IDS_PAGE_SIZE = 5000  # ... and up to 5000 when only `id` is requested
CHANGELOG_TABLE = "issue_changelogs"
CHANGELOG_KEY = ("history_id", "item_index", "issue_id")
"""Primary key (plus ``issue_id``) of ``issue_changelogs``: what a tombstone row carries."""
CHANGELOG_BULK_PATH = "/rest/api/3/changelog/bulkfetch"
CHANGELOG_BULK_ISSUES = 1000
CHANGELOG_BULK_PAGE_SIZE = 5000
"""Histories a bulkfetch page asks for (Jira allows 10,000): ~11 MB of JSON, ~40 MB parsed."""
CHANGELOG_PAGES_IN_FLIGHT = 2
"""Bulkfetch pages fetched and parsed at once across all batches: bounds extract memory."""
EMBEDDED_BATCHES_IN_FLIGHT = 2
"""Issue batches whose embedded changelogs wait for ``issue_changelogs``: the search pauses
beyond this, so parsed histories never pile up in dlt's queue (memory stays flat)."""
COMMENTS_PATH = "/rest/api/3/issue/{issue_id}/comment"
COMMENTS_PAGE_SIZE = 100
WORKLOG_UPDATED_PATH = "/rest/api/3/worklog/updated"
WORKLOG_DELETED_PATH = "/rest/api/3/worklog/deleted"
WORKLOG_LIST_PATH = "/rest/api/3/worklog/list"
WORKLOG_LIST_IDS = 1000
FIELDS_PATH = "/rest/api/3/field"
PROJECT_SEARCH_PATH = "/rest/api/3/project/search"
AGILE_PAGE_SIZE = 50

ISSUE_TABLES = ("issues", "issue_changelogs", "issue_comments")
"""Tables fed by the issue search (each keeps its own cursor)."""

Paging = Literal["none", "start_at", "array"]


@dataclass(frozen=True)
class Endpoint:
    """A small, fully reloaded reference table."""

    table: str
    path: str
    primary_key: str | tuple[str, ...]
    paging: Paging = "none"
    data_selector: str | None = None
    page_size: int | None = None
    params: tuple[tuple[str, str], ...] = ()


METADATA_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("users", "/rest/api/3/users/search", "account_id", "array", page_size=1000),
    Endpoint("statuses", "/rest/api/3/status", "id"),
    Endpoint("status_categories", "/rest/api/3/statuscategory", "id"),
    Endpoint("priorities", "/rest/api/3/priority", "id"),
    Endpoint("issue_types", "/rest/api/3/issuetype", "id"),
    Endpoint("resolutions", "/rest/api/3/resolution", "id"),
    Endpoint("issue_link_types", "/rest/api/3/issueLinkType", "id", data_selector="issueLinkTypes"),
)

# OAuth 2.0 scopes per table: (classic, granular). Also used in error hints and docs.
SCOPES: dict[str, tuple[str, str]] = {
    "issues": ("read:jira-work", "read:issue-details:jira, read:field:jira, read:jql:jira"),
    "issue_changelogs": ("read:jira-work", "read:issue.changelog:jira, read:issue-meta:jira"),
    "issue_comments": ("read:jira-work", "read:comment:jira, read:issue-details:jira"),
    "issue_worklogs": ("read:jira-work", "read:issue-worklog:jira, read:jql:jira"),
    "projects": ("read:jira-work", "read:project:jira"),
    "project_components": ("read:jira-work", "read:project.component:jira"),
    "project_versions": ("read:jira-work", "read:project-version:jira"),
    "users": ("read:jira-user", "read:user:jira"),
    "fields": ("read:jira-work", "read:field:jira"),
    "statuses": ("read:jira-work", "read:status:jira"),
    "status_categories": ("read:jira-work", "read:status:jira"),
    "priorities": ("read:jira-work", "read:priority:jira"),
    "issue_types": ("read:jira-work", "read:issue-type:jira"),
    "resolutions": ("read:jira-work", "read:resolution:jira"),
    "issue_link_types": ("read:jira-work", "read:issue-link-type:jira"),
    # The agile API has no classic scope: OAuth apps need the granular ones.
    "boards": ("", "read:board-scope:jira-software, read:project:jira"),
    "sprints": ("", "read:sprint:jira-software"),
    "sprint_issues": ("", "read:sprint:jira-software, read:issue-details:jira, read:jql:jira"),
}


def scope_hint(table: str) -> str:
    """A hint naming the scopes a table needs."""
    classic, granular = SCOPES.get(table, ("read:jira-work", ""))
    if not classic:
        return f"The `{table}` table needs the granular OAuth scopes {granular}."
    extra = f" (granular: {granular})" if granular else ""
    return f"The `{table}` table needs the OAuth scope {classic}{extra}."
