"""A self-contained HTML report (inline SVG charts) built from the analytics models."""

from dlt_atlassian.report.html import render_html, write_report

__all__ = ["render_html", "write_report"]
