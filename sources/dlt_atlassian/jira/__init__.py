"""The dlt source for Jira Cloud (and Jira Software boards and sprints)."""

from dlt_atlassian.jira.source import build_options, jira_resources, jira_source

__all__ = ["build_options", "jira_resources", "jira_source"]
