"""Confluence Cloud simulation: REST API v2, v1 CQL search, control API and truth accessors."""

from dlt_atlassian.simulator.confluence.simulator import ConfluenceSimulator

__all__ = ["ConfluenceSimulator"]
