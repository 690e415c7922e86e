"""The Confluence Cloud source: ``from dlt_atlassian.confluence import confluence_source``."""

from __future__ import annotations

from dlt_atlassian.confluence.source import confluence_resources, confluence_source

__all__ = ["confluence_resources", "confluence_source"]
