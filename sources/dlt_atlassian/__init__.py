"""dlt-atlassian: load Jira Cloud and Confluence Cloud into any dlt destination."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from dlt_atlassian.combined import atlassian_source
    from dlt_atlassian.confluence import confluence_source
    from dlt_atlassian.jira import jira_source

__all__ = ["__version__", "atlassian_source", "confluence_source", "jira_source"]


def __getattr__(name: str) -> Any:
    # Lazy: importing the package (e.g. for the simulator or the CLI) must not pull in dlt.
    if name == "jira_source":
        from dlt_atlassian.jira import jira_source

        return jira_source
    if name == "confluence_source":
        from dlt_atlassian.confluence import confluence_source

        return confluence_source
    if name == "atlassian_source":
        from dlt_atlassian.combined import atlassian_source

        return atlassian_source
    raise AttributeError(name)
