"""Read what the HTML report shows from the model tables (missing models give empty data)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

WEEKS = 52
CYCLE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 1 d", 1), ("1-2 d", 2), ("2-4 d", 4), ("4-8 d", 8), ("8-16 d", 16), ("16-32 d", 32),
    ("32-64 d", 64), ("64+ d", float("inf")))


@dataclass
class ReportData:
    """Everything the report renders."""

    weeks: list[str] = field(default_factory=list)
    throughput: list[float] = field(default_factory=list)
    cycle_buckets: list[str] = field(default_factory=list)
    cycle_counts: list[float] = field(default_factory=list)
    time_in_status: list[tuple[str, float]] = field(default_factory=list)
    sprints: list[str] = field(default_factory=list)
    sprint_committed: list[float] = field(default_factory=list)
    sprint_added: list[float] = field(default_factory=list)
    sprint_completed: list[float] = field(default_factory=list)
    edit_weeks: list[str] = field(default_factory=list)
    edits: list[float] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    spaces: list[dict[str, Any]] = field(default_factory=list)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value  # type: ignore[no-any-return]


def weekly_series(points: Sequence[tuple[Any, float]], weeks: int = WEEKS
                  ) -> tuple[list[str], list[float]]:
    """Sum (day, value) points per ISO week: the ``weeks`` weeks ending at the latest point."""
    if not points:
        return [], []
    sums: dict[date, float] = {}
    for day, value in points:
        monday = _monday(_as_date(day))
        sums[monday] = sums.get(monday, 0.0) + float(value or 0)
    last = max(sums)
    mondays = [last - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    return [m.isoformat() for m in mondays], [sums.get(m, 0.0) for m in mondays]


def cycle_histogram(seconds: Sequence[float]) -> tuple[list[str], list[float]]:
    """Count cycle times (seconds) into day buckets."""
    counts = [0.0] * len(CYCLE_BUCKETS)
    for value in seconds:
        days = float(value) / 86400
        index = next(i for i, (_, upper) in enumerate(CYCLE_BUCKETS) if days < upper)
        counts[index] += 1
    return [label for label, _ in CYCLE_BUCKETS], counts


def _rows(client: Any, sql: str) -> list[dict[str, Any]]:
    with client.execute_query(sql) as cursor:
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _tables(client: Any) -> set[str]:
    schema = client.fully_qualified_dataset_name(quote=False).rsplit(".", 1)[-1]
    rows = client.execute_sql("SELECT table_name FROM information_schema.tables "
                              f"WHERE table_schema = '{schema}'") or []
    return {str(r[0]) for r in rows}


def read_report_data(client: Any) -> ReportData:
    """Query the models through a dlt SQL client (open) into :class:`ReportData`."""
    data = ReportData()
    have = _tables(client)

    def t(name: str) -> str:
        return str(client.make_qualified_table_name(name))

    if "jira_project_weekly_throughput" in have:
        rows = _rows(client, f"SELECT week_start, SUM(resolved_issues) AS n FROM "
                             f"{t('jira_project_weekly_throughput')} GROUP BY week_start")
        data.weeks, data.throughput = weekly_series([(r["week_start"], r["n"]) for r in rows])
    if "jira_issue_enhanced" in have:
        rows = _rows(client, f"SELECT cycle_time_seconds AS s FROM {t('jira_issue_enhanced')} "
                             "WHERE cycle_time_seconds IS NOT NULL")
        if rows:
            data.cycle_buckets, data.cycle_counts = cycle_histogram([r["s"] for r in rows])
    if "jira_issue_status_history" in have:
        rows = _rows(client, f"SELECT status_name, AVG(duration_seconds) / 86400.0 AS days "
                             f"FROM {t('jira_issue_status_history')} WHERE left_at IS NOT NULL "
                             "GROUP BY status_name ORDER BY days DESC")
        data.time_in_status = [(str(r["status_name"]), float(r["days"] or 0)) for r in rows]
    if "jira_sprint_summary" in have:
        rows = _rows(client, f"SELECT sprint_name, committed_issues, added_issues, "
                             f"completed_issues FROM {t('jira_sprint_summary')} "
                             "WHERE start_date IS NOT NULL ORDER BY start_date DESC, sprint_id "
                             "LIMIT 12")[::-1]
        data.sprints = [str(r["sprint_name"]) for r in rows]
        data.sprint_committed = [float(r["committed_issues"] or 0) for r in rows]
        data.sprint_added = [float(r["added_issues"] or 0) for r in rows]
        data.sprint_completed = [float(r["completed_issues"] or 0) for r in rows]
    if "confluence_page_activity" in have:
        rows = _rows(client, f"SELECT date_day, SUM(edits) AS n FROM "
                             f"{t('confluence_page_activity')} GROUP BY date_day")
        data.edit_weeks, data.edits = weekly_series([(r["date_day"], r["n"]) for r in rows])
    if "jira_project_summary" in have:
        data.projects = _rows(client, f"SELECT * FROM {t('jira_project_summary')} "
                                      "ORDER BY project_key")
    if "confluence_space_summary" in have:
        data.spaces = _rows(client, f"SELECT * FROM {t('confluence_space_summary')} "
                                    "ORDER BY space_key")
    return data
