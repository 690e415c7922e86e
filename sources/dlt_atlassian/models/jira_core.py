"""``jira_issue_status_history`` and ``jira_issue_enhanced``: one SELECT each."""

from __future__ import annotations

from dlt_atlassian.jira.fields import snake
from dlt_atlassian.models.context import ModelContext

# Changelog items of one field, ordered as Jira wrote them (ids are numeric strings).
ITEM_ORDER = "c.created, LENGTH(c.history_id), c.history_id, c.item_index"


def field_filter(field_id: str, field_name: str | None = None) -> str:
    """Match changelog items of one field by id (or, for items without an id, by name)."""
    by_name = f" OR (c.field_id IS NULL AND c.field = '{field_name or field_id}')"
    return f"(c.field_id = '{field_id}'{by_name})"


def status_history_sql(ctx: ModelContext) -> str:
    """One row per issue per status stay, from creation through every status transition."""
    d = ctx.dialect
    status = ctx.col("issues", "status", "i")
    status_id = d.json_text(status, "id")
    status_name = d.json_text(status, "name")
    current_cat = d.json_text(status, "statusCategory", "key")
    return f"""
WITH tr AS (
  SELECT c.issue_id, c.created AS at, c.from_value, c.from_string, c.to_value, c.to_string,
         ROW_NUMBER() OVER (PARTITION BY c.issue_id ORDER BY {ITEM_ORDER}) AS k
  FROM {ctx.t("issue_changelogs")} c
  WHERE {field_filter("status")}
),
stays AS (
  SELECT i.id AS issue_id, 0 AS stay_index,
         CASE WHEN f.issue_id IS NULL THEN {status_id} ELSE f.from_value END AS status_id,
         CASE WHEN f.issue_id IS NULL THEN {status_name} ELSE f.from_string END AS raw_name,
         i.created AS entered_at, f.at AS left_at
  FROM {ctx.t("issues")} i LEFT JOIN tr f ON f.issue_id = i.id AND f.k = 1
  UNION ALL
  SELECT t.issue_id, CAST(t.k AS INTEGER), t.to_value, t.to_string, t.at,
         LEAD(t.at) OVER (PARTITION BY t.issue_id ORDER BY t.k)
  FROM tr t
)
SELECT s.issue_id, i.key AS issue_key, i.project_key, s.stay_index, s.status_id,
       COALESCE(st.name, s.raw_name) AS status_name,
       COALESCE(st.status_category_key,
                CASE WHEN s.left_at IS NULL THEN {current_cat} END) AS status_category,
       s.entered_at, s.left_at,
       {d.seconds_between("s.entered_at", f"COALESCE(s.left_at, {ctx.as_of_sql})")}
         AS duration_seconds,
       s.left_at IS NULL AS is_current
FROM stays s
JOIN {ctx.t("issues")} i ON i.id = s.issue_id
LEFT JOIN {ctx.t("statuses")} st ON st.id = s.status_id
"""


def _custom_columns(ctx: ModelContext, taken: set[str]) -> list[str]:
    d = ctx.dialect
    out = []
    for f in ctx.scalar_custom_fields():
        name = snake(f.name)
        if name in taken:
            name = f"{name}_{f.id}"
        taken.add(name)
        value = d.json_text(f"i.{f.column}", "value") if f.schema_type == "option" \
            else f"i.{f.column}"
        out.append(f"{value} AS {name}")
    return out


def issue_enhanced_sql(ctx: ModelContext) -> str:
    """One row per issue with readable names, custom fields by name and timing metrics."""
    d = ctx.dialect

    def j(column: str, *path: str) -> str:
        return d.json_text(ctx.col("issues", column.removeprefix("i."), "i"), *path)

    sprint = ctx.sprint_field()
    points = ctx.story_points_field()
    sprint_col = f"i.{sprint.column}" if sprint else "NULL"
    points_sql = f"CAST(i.{points.column} AS {d.double})" if points else f"CAST(NULL AS {d.double})"
    comments = (f"""SELECT c.issue_id, MIN(c.created) AS first_response_at
  FROM {ctx.t("issue_comments")} c JOIN {ctx.t("issues")} i ON i.id = c.issue_id
  WHERE c.author_account_id IS DISTINCT FROM {j("i.reporter", "accountId")}
  GROUP BY c.issue_id""" if ctx.has("issue_comments")
                else f"SELECT CAST(NULL AS {d.text}) AS issue_id, "
                     "CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS first_response_at")
    base = ["issue_id", "issue_key", "project_id", "project_key", "project_name", "summary",
            "issue_type", "status_id", "status_name", "status_category", "priority", "resolution",
            "assignee_account_id", "assignee_name", "reporter_account_id", "reporter_name",
            "current_sprint_id", "current_sprint_name", "sprint_names", "components",
            "fix_versions", "labels", "story_points", "created", "updated", "resolved_at",
            "first_response_at", "time_to_first_response_seconds", "time_to_resolution_seconds",
            "reopen_count", "status_changed_at", "current_status_age_seconds", "in_progress_at",
            "done_at", "cycle_time_seconds"]
    custom = _custom_columns(ctx, set(base))
    custom_sql = "".join(f",\n       {c}" for c in custom)
    resolved = ctx.col("issues", "resolutiondate", "i", "TIMESTAMP WITH TIME ZONE")
    return f"""
WITH cat AS (
  SELECT id, status_category_key AS category FROM {ctx.t("statuses")}
),
reopens AS (
  SELECT c.issue_id, COUNT(*) AS reopen_count
  FROM {ctx.t("issue_changelogs")} c
  JOIN cat f ON f.id = c.from_value JOIN cat t ON t.id = c.to_value
  WHERE {_status_items()} AND f.category = 'done' AND t.category <> 'done'
  GROUP BY c.issue_id
),
first_response AS (
  {comments}
),
stays AS (
  SELECT issue_id,
         MIN(CASE WHEN status_category = 'indeterminate' THEN entered_at END) AS in_progress_at,
         MAX(CASE WHEN is_current THEN entered_at END) AS status_changed_at,
         MAX(CASE WHEN is_current AND status_category = 'done' THEN entered_at END) AS done_at
  FROM {ctx.t("jira_issue_status_history")}
  GROUP BY issue_id
)
SELECT i.id AS issue_id, i.key AS issue_key, i.project_id, i.project_key,
       COALESCE(p.name, {j("i.project", "name")}) AS project_name,
       {ctx.col("issues", "summary", "i")} AS summary,
       {j("i.issuetype", "name")} AS issue_type,
       {j("i.status", "id")} AS status_id,
       COALESCE(st.name, {j("i.status", "name")}) AS status_name,
       COALESCE(st.status_category_key, {j("i.status", "statusCategory", "key")})
         AS status_category,
       {j("i.priority", "name")} AS priority,
       {j("i.resolution", "name")} AS resolution,
       {j("i.assignee", "accountId")} AS assignee_account_id,
       {j("i.assignee", "displayName")} AS assignee_name,
       {j("i.reporter", "accountId")} AS reporter_account_id,
       {j("i.reporter", "displayName")} AS reporter_name,
       {d.json_last(sprint_col, "id")} AS current_sprint_id,
       {d.json_last(sprint_col, "name")} AS current_sprint_name,
       {d.json_list_text(sprint_col, "name")} AS sprint_names,
       {d.json_list_text(ctx.col("issues", "components", "i"), "name")} AS components,
       {d.json_list_text(ctx.col("issues", "fix_versions", "i"), "name")} AS fix_versions,
       {d.json_list_text(ctx.col("issues", "labels", "i"), None)} AS labels,
       {points_sql} AS story_points,
       i.created, i.updated, {resolved} AS resolved_at,
       fr.first_response_at,
       {d.seconds_between("i.created", "fr.first_response_at")} AS time_to_first_response_seconds,
       {d.seconds_between("i.created", resolved)} AS time_to_resolution_seconds,
       COALESCE(r.reopen_count, 0) AS reopen_count,
       s.status_changed_at,
       {d.seconds_between("s.status_changed_at", ctx.as_of_sql)} AS current_status_age_seconds,
       s.in_progress_at, s.done_at,
       {d.seconds_between("COALESCE(s.in_progress_at, i.created)", "s.done_at")}
         AS cycle_time_seconds{custom_sql}
FROM {ctx.t("issues")} i
LEFT JOIN {ctx.t("projects") if ctx.has("projects") else _no_projects(ctx)} p
  ON p.id = i.project_id
LEFT JOIN {ctx.t("statuses")} st ON st.id = {j("i.status", "id")}
LEFT JOIN reopens r ON r.issue_id = i.id
LEFT JOIN first_response fr ON fr.issue_id = i.id
LEFT JOIN stays s ON s.issue_id = i.id
"""


def _status_items() -> str:
    return field_filter("status")


def _no_projects(ctx: ModelContext) -> str:
    text = ctx.dialect.text
    return f"(SELECT CAST(NULL AS {text}) AS id, CAST(NULL AS {text}) AS name)"
