"""``jira_daily_issue_field_history``: the value of each tracked field per issue per day.

Like dbt_jira's daily history: one row per issue per UTC day from the day it was created to
the run's day, one column per tracked field, holding the value the field had at the end of
that day. Built incrementally: issues loaded since the last build (new or changed rows in
``issues``/``issue_changelogs``) are recomputed from their creation; every other issue only
gets the days since the last build, carrying its last value forward. Issues gone from
``issues`` lose their rows. A changed field list, a missing state row or an earlier run day
triggers a full rebuild.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from dlt_atlassian.jira.fields import snake
from dlt_atlassian.models.context import ModelContext
from dlt_atlassian.models.jira_core import ITEM_ORDER, field_filter

NAME = "jira_daily_issue_field_history"
STATE_TABLE = "jira_models_state"


@dataclass(frozen=True)
class TrackedField:
    """One tracked field: output column, changelog filter, current value, numeric or not."""

    column: str
    item_filter: str
    current: str
    numeric: bool = False


def tracked_fields(ctx: ModelContext) -> list[TrackedField]:
    """Resolve the configured field list against the loaded ``fields`` catalogue."""
    d = ctx.dialect
    out: list[TrackedField] = []
    for wanted in ctx.options.history_fields:
        key = wanted.strip()
        if key in ("status", "assignee", "priority"):
            attr = "displayName" if key == "assignee" else "name"
            current = d.json_text(ctx.col("issues", key, "i"), attr)
            out.append(TrackedField(key, field_filter(key), current))
        elif key == "sprint":
            sprint = ctx.sprint_field()
            flt = field_filter(sprint.id, "Sprint") if sprint else field_filter("Sprint")
            current = d.json_list_text(f"i.{sprint.column}", "name") if sprint else "NULL"
            out.append(TrackedField("sprint", flt, current))
        elif key == "story_points":
            points = ctx.story_points_field()
            if points is None:
                continue
            out.append(TrackedField("story_points", field_filter(points.id, points.name),
                                    f"i.{points.column}", numeric=True))
        else:
            found = next((f for f in ctx.fields if key in (f.id, f.column, f.name)), None)
            field_id = found.id if found else key
            column = snake(found.name) if found and found.id.startswith("customfield_") \
                else snake(key)
            kind = found.schema_type if found else None
            current = (f"CAST(i.{found.column} AS {d.text})" if found and not found.rich_text
                       and kind in ("string", "number", "date", "datetime") else "NULL")
            out.append(TrackedField(column, field_filter(field_id, found.name if found else key),
                                    current, numeric=kind == "number"))
    return out


def daily_sql(ctx: ModelContext, fields: list[TrackedField], issue_filter: str = "TRUE",
              from_day: str | None = None) -> str:
    """Daily rows for the issues matching ``issue_filter`` (on alias ``i``), days > from_day."""
    d = ctx.dialect
    ctes = [f"""scope AS (
  SELECT i.id, {d.day("i.created")} AS created_day FROM {ctx.t("issues")} i WHERE {issue_filter}
)""", f"""spine AS (
  SELECT s.id AS issue_id, g.day AS date_day
  FROM scope s JOIN {d.days_series("(SELECT MIN(created_day) FROM scope)",
                                   ctx.as_of_day_sql)} g ON g.day >= s.created_day
  {f"WHERE g.day > {from_day}" if from_day else ""}
)"""]
    joins, selects = [], []
    for n, f in enumerate(fields):
        cast = f"CAST({{v}} AS {d.double})" if f.numeric else f"CAST({{v}} AS {d.text})"
        parse = d.to_double("{v}") if f.numeric else cast
        ctes.append(f"""f{n}_items AS (
  SELECT c.issue_id, {d.day("c.created")} AS day, c.from_string, c.to_string,
         ROW_NUMBER() OVER (PARTITION BY c.issue_id ORDER BY {ITEM_ORDER}) AS k,
         ROW_NUMBER() OVER (PARTITION BY c.issue_id, {d.day("c.created")}
                            ORDER BY {ITEM_ORDER.replace(", ", " DESC, ")} DESC) AS last_of_day
  FROM {ctx.t("issue_changelogs")} c JOIN scope s ON s.id = c.issue_id
  WHERE {f.item_filter}
)""")
        ctes.append(f"""f{n}_points AS (
  SELECT s.id AS issue_id, s.created_day AS day, 0 AS prio,
         CASE WHEN fi.issue_id IS NULL THEN {cast.format(v=f.current)}
              ELSE {parse.format(v="fi.from_string")} END AS value
  FROM scope s JOIN {ctx.t("issues")} i ON i.id = s.id
  LEFT JOIN f{n}_items fi ON fi.issue_id = s.id AND fi.k = 1
  UNION ALL
  SELECT issue_id, day, 1, {parse.format(v="to_string")} FROM f{n}_items WHERE last_of_day = 1
)""")
        ctes.append(f"""f{n} AS (
  SELECT issue_id, day AS valid_from, value,
         LEAD(day) OVER (PARTITION BY issue_id ORDER BY day, prio) AS valid_until
  FROM f{n}_points
)""")
        joins.append(f"LEFT JOIN f{n} ON f{n}.issue_id = sp.issue_id AND "
                     f"sp.date_day >= f{n}.valid_from AND "
                     f"(f{n}.valid_until IS NULL OR sp.date_day < f{n}.valid_until)")
        selects.append(f"f{n}.value AS {f.column}")
    select_list = ", ".join(["sp.date_day", "sp.issue_id", *selects])
    return (f"WITH {', '.join(ctes)}\nSELECT {select_list}\nFROM spine sp\n"
            + "\n".join(joins))


def _signature(fields: list[TrackedField]) -> str:
    text = "|".join(f"{f.column}:{f.numeric}:{f.item_filter}:{f.current}" for f in fields)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _ensure_state(ctx: ModelContext, client: object) -> None:
    text = ctx.dialect.text
    client.execute_sql(  # type: ignore[attr-defined]
        f"CREATE TABLE IF NOT EXISTS {ctx.t(STATE_TABLE)} (model {text}, last_load_id {text}, "
        f"last_day DATE, signature {text})")


def build(ctx: ModelContext, client: object) -> int:
    """Build or update the daily history; returns its row count."""
    from dlt_atlassian.models.runner import count_rows, replace_table

    sql = client.execute_sql  # type: ignore[attr-defined]
    fields = tracked_fields(ctx)
    signature = _signature(fields)
    _ensure_state(ctx, client)
    state = sql(f"SELECT last_load_id, last_day, signature FROM {ctx.t(STATE_TABLE)} "
                f"WHERE model = '{NAME}'") or []
    high = sql(f"SELECT MAX(m) FROM (SELECT MAX(_dlt_load_id) AS m FROM {ctx.t('issues')} "
               f"UNION ALL SELECT MAX(_dlt_load_id) FROM {ctx.t('issue_changelogs')}) x")
    high_load = str(high[0][0]) if high and high[0][0] is not None else ""
    today = ctx.as_of.date()
    full = (ctx.options.full_refresh or not state or NAME not in ctx.columns
            or state[0][2] != signature or state[0][1] is None or state[0][1] > today)
    if full:
        replace_table(ctx, client, NAME, daily_sql(ctx, fields))
    else:
        last_load, last_day = str(state[0][0] or ""), state[0][1]
        changed = (f"(SELECT id FROM {ctx.t('issues')} WHERE _dlt_load_id > '{last_load}' "
                   f"UNION SELECT issue_id FROM {ctx.t('issue_changelogs')} "
                   f"WHERE _dlt_load_id > '{last_load}')")
        target = ctx.t(NAME)
        with client.begin_transaction():  # type: ignore[attr-defined]
            sql(f"DELETE FROM {target} WHERE issue_id IN {changed} OR issue_id NOT IN "
                f"(SELECT id FROM {ctx.t('issues')})")
            sql(f"INSERT INTO {target} {daily_sql(ctx, fields, f'i.id IN {changed}')}")
            if last_day < today:
                sql(f"INSERT INTO {target} "
                    + daily_sql(ctx, fields, f"i.id NOT IN {changed}",
                                ctx.dialect.date_literal(last_day.isoformat())))
    with client.begin_transaction():  # type: ignore[attr-defined]
        sql(f"DELETE FROM {ctx.t(STATE_TABLE)} WHERE model = '{NAME}'")
        sql(f"INSERT INTO {ctx.t(STATE_TABLE)} VALUES ('{NAME}', '{high_load}', "
            f"{ctx.as_of_day_sql}, '{signature}')")
    return count_rows(ctx, client, NAME)
