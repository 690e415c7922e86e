"""The Jira Cloud (REST v3) and Jira Software (Agile 1.0) simulation."""

from dlt_atlassian.simulator.jira.simulator import JiraSimulator

__all__ = ["JiraSimulator"]
