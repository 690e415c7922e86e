"""Sprint and project summaries.

``jira_sprint_summary``, ``jira_project_weekly_throughput`` and ``jira_project_summary``.
"""

from __future__ import annotations

from dlt_atlassian.models.context import ModelContext
from dlt_atlassian.models.jira_core import ITEM_ORDER, field_filter

THROUGHPUT_WEEKS = 12


def _membership(ctx: ModelContext) -> str:
    """CTEs ``member`` (issue, sprint, validity) and ``entries``/``exits`` of sprint changes.

    An issue's sprints before its first Sprint changelog item are that item's ``from`` ids,
    after each item its ``to`` ids; an issue never moved between sprints has the sprints
    ``sprint_issues`` lists for it, since its creation.
    """
    d = ctx.dialect
    sprint = ctx.sprint_field()
    flt = field_filter(sprint.id, "Sprint") if sprint else field_filter("Sprint")
    return f"""items AS (
  SELECT c.issue_id, c.created AS at, c.from_value, c.to_value,
         ROW_NUMBER() OVER (PARTITION BY c.issue_id ORDER BY {ITEM_ORDER}) AS k
  FROM {ctx.t("issue_changelogs")} c JOIN {ctx.t("issues")} i ON i.id = c.issue_id
  WHERE {flt}
),
states AS (
  SELECT i.id AS issue_id, 0 AS k, i.created AS valid_from, f.at AS valid_until,
         f.from_value AS ids
  FROM {ctx.t("issues")} i JOIN items f ON f.issue_id = i.id AND f.k = 1
  UNION ALL
  SELECT t.issue_id, t.k, t.at, LEAD(t.at) OVER (PARTITION BY t.issue_id ORDER BY t.k),
         t.to_value
  FROM items t
),
member AS (
  SELECT issue_id, k, valid_from, valid_until, TRIM(sid) AS sprint_id
  FROM (SELECT s.issue_id, s.k, s.valid_from, s.valid_until, {d.unnest_list("s.ids")} AS sid
        FROM states s) x
  WHERE TRIM(sid) <> ''
  UNION ALL
  SELECT si.issue_id, 0, i.created, NULL, si.sprint_id
  FROM {ctx.t("sprint_issues")} si JOIN {ctx.t("issues")} i ON i.id = si.issue_id
  WHERE NOT EXISTS (SELECT 1 FROM items t WHERE t.issue_id = si.issue_id)
),
entries AS (
  SELECT m.issue_id, m.sprint_id, m.valid_from AS at FROM member m
  WHERE NOT EXISTS (SELECT 1 FROM member p WHERE p.issue_id = m.issue_id
                    AND p.sprint_id = m.sprint_id AND p.k = m.k - 1)
),
exits AS (
  SELECT m.issue_id, m.sprint_id, m.valid_until AS at FROM member m
  WHERE m.valid_until IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM member n WHERE n.issue_id = m.issue_id AND n.sprint_id = m.sprint_id
    AND n.k = m.k + 1)
)"""


def _member_at(moment: str) -> str:
    return (f"m.valid_from <= {moment} AND (m.valid_until IS NULL OR m.valid_until > {moment})")


def sprint_summary_sql(ctx: ModelContext) -> str:
    """Per sprint: committed at start, added, removed, completed (issues and story points)."""
    d = ctx.dialect
    points = ctx.story_points_field()
    pts = f"CAST(i.{points.column} AS {d.double})" if points else f"CAST(NULL AS {d.double})"
    sets = {
        "committed": f"""SELECT w.sprint_id, m.issue_id FROM win w
  JOIN member m ON m.sprint_id = w.sprint_id AND {_member_at("w.start_date")}""",
        "added": """SELECT DISTINCT w.sprint_id, e.issue_id FROM win w
  JOIN entries e ON e.sprint_id = w.sprint_id AND e.at > w.start_date AND e.at <= w.end_ref""",
        "removed": """SELECT DISTINCT w.sprint_id, e.issue_id FROM win w
  JOIN exits e ON e.sprint_id = w.sprint_id AND e.at > w.start_date AND e.at <= w.end_ref""",
        "at_end": f"""SELECT w.sprint_id, m.issue_id FROM win w
  JOIN member m ON m.sprint_id = w.sprint_id AND w.start_date IS NOT NULL
   AND {_member_at("w.end_ref")}""",
        "completed": f"""SELECT w.sprint_id, m.issue_id FROM win w
  JOIN member m ON m.sprint_id = w.sprint_id AND w.start_date IS NOT NULL
   AND {_member_at("w.end_ref")}
  JOIN {ctx.t("jira_issue_status_history")} h ON h.issue_id = m.issue_id
   AND h.entered_at <= w.end_ref AND (h.left_at IS NULL OR h.left_at > w.end_ref)
  WHERE h.status_category = 'done'""",
    }
    ctes = [_membership(ctx), f"""win AS (
  SELECT id AS sprint_id, name, state, start_date, end_date, complete_date,
         COALESCE(complete_date, {ctx.as_of_sql}) AS end_ref, origin_board_id
  FROM {ctx.t("sprints")}
)""", f"""pts AS (SELECT i.id, {pts} AS story_points FROM {ctx.t("issues")} i)"""]
    joins, cols = [], []
    for name, body in sets.items():
        ctes.append(f"s_{name} AS (\n  {body}\n)")
        ctes.append(f"""n_{name} AS (
  SELECT x.sprint_id, COUNT(*) AS issues, SUM(p.story_points) AS points
  FROM s_{name} x JOIN pts p ON p.id = x.issue_id GROUP BY x.sprint_id
)""")
        joins.append(f"LEFT JOIN n_{name} ON n_{name}.sprint_id = w.sprint_id")
        cols.append(f"CASE WHEN w.start_date IS NULL THEN NULL ELSE "
                    f"COALESCE(n_{name}.issues, 0) END AS {name}_issues")
        cols.append(f"CASE WHEN w.start_date IS NULL THEN NULL ELSE "
                    f"COALESCE(n_{name}.points, 0) END AS {name}_points")
    cols_sql = ",\n       ".join(cols)
    ctes_sql = ",\n".join(ctes)
    join_sql = "\n".join(joins)
    return f"""WITH {ctes_sql},
now_in AS (SELECT sprint_id, COUNT(*) AS issues FROM {ctx.t("sprint_issues")} GROUP BY sprint_id)
SELECT w.sprint_id, w.name AS sprint_name, w.state, w.origin_board_id AS board_id,
       w.start_date, w.end_date, w.complete_date,
       COALESCE(now_in.issues, 0) AS current_issues,
       {cols_sql},
       CAST(n_completed.issues AS {d.double}) / NULLIF(n_at_end.issues, 0) AS completion_rate
FROM win w
LEFT JOIN now_in ON now_in.sprint_id = w.sprint_id
{join_sql}
"""


def weekly_throughput_sql(ctx: ModelContext) -> str:
    """Issues (and story points) reaching a done status per project per ISO week (UTC)."""
    d = ctx.dialect
    return f"""
SELECT project_key, {d.week("done_at")} AS week_start, COUNT(*) AS resolved_issues,
       SUM(story_points) AS resolved_points
FROM {ctx.t("jira_issue_enhanced")}
WHERE done_at IS NOT NULL
GROUP BY project_key, {d.week("done_at")}
"""


def project_summary_sql(ctx: ModelContext) -> str:
    """Per project: open/closed counts, recent weekly throughput, median and p85 cycle time."""
    d = ctx.dialect
    since = d.add_days(d.week(ctx.as_of_sql), str(-7 * (THROUGHPUT_WEEKS - 1)))
    return f"""
WITH recent AS (
  SELECT project_key, SUM(resolved_issues) AS resolved
  FROM {ctx.t("jira_project_weekly_throughput")}
  WHERE week_start >= {since}
  GROUP BY project_key
)
SELECT e.project_key, MAX(e.project_name) AS project_name, COUNT(*) AS issues,
       SUM(CASE WHEN e.status_category = 'done' THEN 0 ELSE 1 END) AS open_issues,
       SUM(CASE WHEN e.status_category = 'done' THEN 1 ELSE 0 END) AS closed_issues,
       CAST(COALESCE(MAX(r.resolved), 0) AS {d.double}) / {THROUGHPUT_WEEKS}
         AS throughput_per_week,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY e.cycle_time_seconds) / 86400.0
         AS median_cycle_time_days,
       percentile_cont(0.85) WITHIN GROUP (ORDER BY e.cycle_time_seconds) / 86400.0
         AS p85_cycle_time_days
FROM {ctx.t("jira_issue_enhanced")} e
LEFT JOIN recent r ON r.project_key = e.project_key
GROUP BY e.project_key
"""
