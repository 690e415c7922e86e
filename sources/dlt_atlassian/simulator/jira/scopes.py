"""OAuth scopes per operation, copied from the official OpenAPI specs.

Classic scope first, then the granular ones; Atlassian accepts either kind.
"""

from __future__ import annotations

SCOPES: dict[str, list[str]] = {
    "GET /rest/api/3/search/jql": [
        "read:jira-work",
        "read:issue-details:jira",
        "read:audit-log:jira",
        "read:avatar:jira",
        "read:field-configuration:jira",
        "read:issue-meta:jira",
    ],
    "POST /rest/api/3/search/jql": [
        "read:jira-work",
        "read:issue-details:jira",
        "read:field.default-value:jira",
        "read:field.option:jira",
        "read:field:jira",
        "read:group:jira",
    ],
    "POST /rest/api/3/search/approximate-count": [
        "read:jira-work",
        "read:issue-details:jira",
        "read:field.default-value:jira",
        "read:field.option:jira",
        "read:field:jira",
        "read:group:jira",
    ],
    "GET /rest/api/3/search": [
        "read:jira-work",
        "read:issue-details:jira",
        "read:audit-log:jira",
        "read:avatar:jira",
        "read:field-configuration:jira",
        "read:issue-meta:jira",
    ],
    "POST /rest/api/3/changelog/bulkfetch": [
        "read:jira-work",
        "read:issue-meta:jira",
        "read:avatar:jira",
        "read:issue.changelog:jira",
    ],
    "GET /rest/api/3/issue/{issueIdOrKey}/changelog": [
        "read:jira-work",
        "read:issue-meta:jira",
        "read:avatar:jira",
        "read:issue.changelog:jira",
    ],
    "GET /rest/api/3/issue/{issueIdOrKey}": [
        "read:jira-work",
        "read:issue-meta:jira",
        "read:issue-security-level:jira",
        "read:issue.vote:jira",
        "read:issue.changelog:jira",
        "read:avatar:jira",
        "read:issue:jira",
        "read:status:jira",
        "read:user:jira",
        "read:field-configuration:jira",
    ],
    "GET /rest/api/3/issue/{issueIdOrKey}/comment": [
        "read:jira-work",
        "read:comment:jira",
        "read:comment.property:jira",
        "read:group:jira",
        "read:project:jira",
        "read:project-role:jira",
        "read:user:jira",
        "read:avatar:jira",
    ],
    "POST /rest/api/3/comment/list": [
        "read:jira-work",
        "delete:comment.property:jira",
        "read:avatar:jira",
        "read:comment:jira",
        "read:group:jira",
        "read:project-role:jira",
        "read:user:jira",
        "read:comment.property:jira",
        "read:project:jira",
    ],
    "GET /rest/api/3/issue/{issueIdOrKey}/worklog": [
        "read:jira-work",
        "read:group:jira",
        "read:issue-worklog:jira",
        "read:issue-worklog.property:jira",
        "read:project-role:jira",
        "read:user:jira",
        "read:avatar:jira",
    ],
    "GET /rest/api/3/worklog/updated": [
        "read:jira-work",
        "read:issue-worklog:jira",
        "read:issue-worklog.property:jira",
    ],
    "GET /rest/api/3/worklog/deleted": [
        "read:jira-work",
        "read:issue-worklog:jira",
        "read:issue-worklog.property:jira",
    ],
    "POST /rest/api/3/worklog/list": [
        "read:jira-work",
        "read:comment:jira",
        "read:group:jira",
        "read:issue-worklog:jira",
        "read:issue-worklog.property:jira",
        "read:project-role:jira",
        "read:user:jira",
        "read:avatar:jira",
    ],
    "GET /rest/api/3/project/search": [
        "read:jira-work",
        "read:issue-type:jira",
        "read:project:jira",
        "read:project.property:jira",
        "read:user:jira",
        "read:application-role:jira",
        "read:avatar:jira",
        "read:group:jira",
        "read:issue-type-hierarchy:jira",
        "read:project-category:jira",
        "read:project-version:jira",
        "read:project.component:jira",
    ],
    "GET /rest/api/3/project/{projectIdOrKey}/components": [
        "read:jira-work",
        "read:project:jira",
        "read:project.component:jira",
        "read:user:jira",
        "read:application-role:jira",
        "read:avatar:jira",
        "read:group:jira",
    ],
    "GET /rest/api/3/project/{projectIdOrKey}/version": [
        "read:jira-work",
        "read:project-version:jira",
    ],
    "GET /rest/api/3/project/{projectIdOrKey}/versions": [
        "read:jira-work",
        "read:project-version:jira",
    ],
    "GET /rest/api/3/users/search": [
        "read:jira-user",
        "read:user:jira",
        "read:application-role:jira",
        "read:avatar:jira",
        "read:group:jira",
    ],
    "GET /rest/api/3/field": [
        "read:jira-work",
        "read:field:jira",
        "read:avatar:jira",
        "read:project-category:jira",
        "read:project:jira",
        "read:field-configuration:jira",
    ],
    "GET /rest/api/3/status": [
        "read:jira-work",
        "read:status:jira",
    ],
    "GET /rest/api/3/statuscategory": [
        "read:jira-work",
        "read:status:jira",
    ],
    "GET /rest/api/3/priority": [
        "read:jira-work",
        "read:priority:jira",
    ],
    "GET /rest/api/3/priority/search": [
        "manage:jira-configuration",
    ],
    "GET /rest/api/3/issuetype": [
        "read:jira-work",
        "read:issue-type:jira",
        "read:avatar:jira",
        "read:project-category:jira",
        "read:project:jira",
    ],
    "GET /rest/api/3/resolution": [
        "read:jira-work",
        "read:resolution:jira",
    ],
    "GET /rest/api/3/resolution/search": [
        "read:jira-work",
        "read:resolution:jira",
    ],
    "GET /rest/api/3/issueLinkType": [
        "read:jira-work",
        "read:issue-link-type:jira",
    ],
    "GET /rest/api/3/myself": [
        "read:jira-user",
        "read:application-role:jira",
        "read:group:jira",
        "read:user:jira",
        "read:avatar:jira",
    ],
    "GET /rest/agile/1.0/board": [
        "read:board-scope:jira-software",
        "read:project:jira",
    ],
    "GET /rest/agile/1.0/board/{boardId}/sprint": [
        "read:sprint:jira-software",
    ],
    "GET /rest/agile/1.0/sprint/{sprintId}/issue": [
        "read:sprint:jira-software",
        "read:issue-details:jira",
        "read:jql:jira",
    ],
}


def scopes_for(operation: str) -> list[str]:
    """Return the scopes that allow ``operation`` (``"GET /rest/api/3/field"``)."""
    return SCOPES.get(operation, [])
