"""Render the self-contained HTML report (inline CSS and SVG; no scripts, no network)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from dlt_atlassian.report.data import ReportData, read_report_data
from dlt_atlassian.report.svg import PALETTE, Series, bar_chart, hbar_chart

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;
max-width:1000px;padding:0 24px;color:#111827;background:#fff}
h1{font-size:24px;margin-bottom:4px} h2{font-size:18px;margin-top:32px}
.meta{color:#6b7280;font-size:13px} .chart{display:block;margin:8px 0}
.no-data{fill:#9ca3af;font-size:14px} table{border-collapse:collapse;font-size:13px}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left} p.note{color:#6b7280;font-size:13px}
"""


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d")
    return escape(str(value))


def _table(table_id: str, rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]
           ) -> str:
    if not rows:
        return f'<p class="note" id="{table_id}">No data yet.</p>'
    head = "".join(f"<th>{escape(title)}</th>" for _, title in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c, _ in columns)
                   + "</tr>" for r in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render_html(data: ReportData, *, title: str = "Atlassian delivery report",
                subtitle: str = "") -> str:
    """The whole report page as one HTML string."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        ("Throughput per week", "Issues entering a done status, per ISO week.",
         bar_chart("throughput", "Issues resolved per week", data.weeks,
                   [Series("resolved", data.throughput, PALETTE[0])])),
        ("Cycle time distribution", "From first in-progress status to done, resolved issues.",
         bar_chart("cycle-time", "Cycle time distribution", data.cycle_buckets,
                   [Series("issues", data.cycle_counts, PALETTE[4])])),
        ("Time in status", "Average length of a finished stay in each status, in days.",
         hbar_chart("time-in-status", "Average days per status stay", data.time_in_status,
                    unit=" d")),
        ("Sprint completion", "Issues committed at sprint start, added later, and completed.",
         bar_chart("sprint-completion", "Sprint completion", data.sprints,
                   [Series("committed", data.sprint_committed, PALETTE[0]),
                    Series("added", data.sprint_added, PALETTE[2]),
                    Series("completed", data.sprint_completed, PALETTE[1])])),
        ("Confluence activity", "Page and blog post edits per week.",
         bar_chart("confluence-activity", "Confluence edits per week", data.edit_weeks,
                   [Series("edits", data.edits, PALETTE[5])])),
    ]
    body = [f"<h1>{escape(title)}</h1>",
            f'<p class="meta">{escape(subtitle)} · generated {generated}</p>']
    for heading, note, chart in sections:
        body += [f"<h2>{escape(heading)}</h2>", f'<p class="note">{escape(note)}</p>', chart]
    body += ["<h2>Projects</h2>", _table("projects", data.projects, [
        ("project_key", "Project"), ("issues", "Issues"), ("open_issues", "Open"),
        ("closed_issues", "Closed"), ("throughput_per_week", "Resolved / week (12 w)"),
        ("median_cycle_time_days", "Median cycle (d)"), ("p85_cycle_time_days", "p85 (d)")])]
    body += ["<h2>Confluence spaces</h2>", _table("spaces", data.spaces, [
        ("space_key", "Space"), ("pages", "Pages"), ("blog_posts", "Blog posts"),
        ("contributors", "Contributors"), ("edits_last_30_days", "Edits (30 d)"),
        ("stale_pages", "Stale pages"), ("last_edit_at", "Last edit")])]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def write_report(pipeline: Any, out: str | Path, *, title: str | None = None) -> Path:
    """Write the report for ``pipeline``'s models to ``out``; returns the path written."""
    with pipeline.sql_client() as client:
        data = read_report_data(client)
    subtitle = f"pipeline {pipeline.pipeline_name}, dataset {pipeline.dataset_name}"
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(data, title=title or "Atlassian delivery report",
                                subtitle=subtitle), encoding="utf-8")
    return path
