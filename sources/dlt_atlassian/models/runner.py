"""Build the models in a pipeline's destination dataset, after a load.

``run_models(pipeline)`` builds every model whose source tables exist, in dependency order,
each replaced atomically (built as ``<name>__new``, then swapped in one transaction), and
returns the row count of each model it built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.models import confluence, jira_agile, jira_core, jira_daily
from dlt_atlassian.models.context import ModelContext, ModelOptions, load_fields
from dlt_atlassian.models.dialect import dialect_for

log = logging.getLogger(__name__)
Client = Any  # dlt's SqlClientBase (untyped enough that Any is honest)


@dataclass(frozen=True)
class Model:
    """One model: its table, the source tables it reads, and how it is built."""

    name: str
    requires: tuple[str, ...]
    sql: Callable[[ModelContext], str] | None = None
    build: Callable[[ModelContext, Client], int] | None = None


MODELS: tuple[Model, ...] = (
    Model("jira_issue_status_history", ("issues", "issue_changelogs", "statuses"),
          jira_core.status_history_sql),
    Model("jira_issue_enhanced", ("issues", "issue_changelogs", "statuses",
                                  "jira_issue_status_history"), jira_core.issue_enhanced_sql),
    Model("jira_daily_issue_field_history", ("issues", "issue_changelogs"),
          build=jira_daily.build),
    Model("jira_sprint_summary", ("sprints", "sprint_issues", "issues", "issue_changelogs",
                                  "jira_issue_status_history"), jira_agile.sprint_summary_sql),
    Model("jira_project_weekly_throughput", ("jira_issue_enhanced",),
          jira_agile.weekly_throughput_sql),
    Model("jira_project_summary", ("jira_issue_enhanced", "jira_project_weekly_throughput"),
          jira_agile.project_summary_sql),
    Model("confluence_page_activity", ("page_versions",), confluence.page_activity_sql),
    Model("confluence_space_summary", ("spaces",), confluence.space_summary_sql),
)
MODEL_NAMES: tuple[str, ...] = tuple(m.name for m in MODELS)


def run_models(pipeline: Any, *, models: Sequence[str] | None = None,
               options: ModelOptions | None = None, as_of: datetime | None = None
               ) -> dict[str, int]:
    """Build the analytics models in ``pipeline``'s dataset.

    Args:
        pipeline: A dlt pipeline that has loaded Jira and/or Confluence tables.
        models: Model names to build (default: every model whose source tables exist).
            Models they depend on are built too.
        options: Model options (default: read from ``[sources.atlassian]``, README: Analyst models).
        as_of: The "now" of durations and ages (default: the current time).

    Returns:
        Rows in each model built, by model name.

    Raises:
        ConfigurationError: unknown model names, a named model whose source tables are
            missing, or named models on a destination other than DuckDB/Postgres (without
            names such a destination is skipped with a warning).
    """
    unknown = sorted(set(models or ()) - set(MODEL_NAMES))
    if unknown:
        raise ConfigurationError(f"Unknown model(s): {', '.join(unknown)}.",
                                 hint=f"Choose from: {', '.join(MODEL_NAMES)}.")
    try:
        dialect = dialect_for(pipeline.destination.destination_type)
    except ConfigurationError:
        if models:
            raise
        log.warning("models skipped: destination %s is not DuckDB or Postgres",
                    pipeline.destination.destination_type)
        return {}
    options = options or options_from_config()
    built: dict[str, int] = {}
    with pipeline.sql_client() as client:
        ctx = _context(client, dialect, options, as_of or datetime.now(UTC))
        wanted = _with_dependencies(models) if models else set(MODEL_NAMES)
        for model in MODELS:
            if model.name not in wanted:
                continue
            missing = [t for t in model.requires if not ctx.has(t)]
            if missing:
                if models and model.name in models:
                    raise ConfigurationError(
                        f"Model {model.name} needs table(s) {', '.join(missing)}, not loaded.",
                        hint="Load those resources first (README: Analyst models).")
                log.info("model %s skipped: no %s", model.name, ", ".join(missing))
                continue
            built[model.name] = _build(ctx, client, model)
            ctx.columns[model.name] = _columns(client, model.name)
            log.info("model %s built: %d rows", model.name, built[model.name])
    return built


def _with_dependencies(names: Sequence[str]) -> set[str]:
    by_name = {m.name: m for m in MODELS}
    out: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        todo += [r for r in by_name[name].requires if r in by_name]
    return out


def _build(ctx: ModelContext, client: Client, model: Model) -> int:
    if model.build is not None:
        return model.build(ctx, client)
    assert model.sql is not None
    replace_table(ctx, client, model.name, model.sql(ctx))
    return count_rows(ctx, client, model.name)


def replace_table(ctx: ModelContext, client: Client, name: str, select_sql: str) -> None:
    """Create ``name`` from ``select_sql``, swapping it in atomically."""
    target, staging = ctx.t(name), ctx.t(f"{name}__new")
    client.execute_sql(f"DROP TABLE IF EXISTS {staging}")
    client.execute_sql(f"CREATE TABLE {staging} AS {select_sql}")
    with client.begin_transaction():
        client.execute_sql(f"DROP TABLE IF EXISTS {target}")
        client.execute_sql(f"ALTER TABLE {staging} RENAME TO {target.rsplit('.', 1)[-1]}")


def count_rows(ctx: ModelContext, client: Client, name: str) -> int:
    """Rows in a model table."""
    rows = client.execute_sql(f"SELECT COUNT(*) FROM {ctx.t(name)}")
    return int(rows[0][0])


def _columns(client: Client, table: str) -> dict[str, str]:
    schema = client.fully_qualified_dataset_name(quote=False).rsplit(".", 1)[-1]
    rows = client.execute_sql(
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = '{schema}' AND table_name = '{table}'")
    return {str(r[0]): str(r[1]) for r in rows or []}


def _context(client: Client, dialect: Any, options: ModelOptions, as_of: datetime
             ) -> ModelContext:
    schema = client.fully_qualified_dataset_name(quote=False).rsplit(".", 1)[-1]
    rows = client.execute_sql(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = '{schema}'") or []
    columns: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        columns.setdefault(str(table), {})[str(column)] = str(data_type)
    names = set(columns) | set(MODEL_NAMES) | {f"{n}__new" for n in MODEL_NAMES} \
        | {"projects", "statuses", "issue_comments", jira_daily.STATE_TABLE}
    qualify = {n: client.make_qualified_table_name(n) for n in names}
    ctx = ModelContext(dialect, qualify, columns, as_of, options)
    if ctx.has("fields", "issues"):
        rich = "is_rich_text" if "is_rich_text" in columns["fields"] else "FALSE"
        field_rows = client.execute_sql(
            f"SELECT id, name, column_name, schema_type, schema_custom, {rich} "
            f"FROM {ctx.t('fields')}")
        ctx.fields = load_fields(field_rows or [], columns["issues"])
    return ctx


def options_from_config() -> ModelOptions:
    """Model options from ``[sources.atlassian]`` (``models_*`` keys; README: Analyst models)."""
    import dlt

    def get(key: str) -> Any:
        try:
            return dlt.config.get(f"sources.atlassian.{key}")
        except Exception:  # no config providers (library use): defaults
            return None

    options = ModelOptions()
    fields = get("models_history_fields")
    if fields:
        options.history_fields = [str(f) for f in fields] if not isinstance(fields, str) \
            else [f.strip() for f in fields.split(",") if f.strip()]
    options.story_points_field = get("models_story_points_field") or None
    stale = get("models_stale_days")
    if stale is not None:
        options.stale_days = int(stale)
    return options
