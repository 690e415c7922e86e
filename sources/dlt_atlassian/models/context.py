"""What a model needs to write its SQL: the dialect, table names, columns, options, "now"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dlt_atlassian.models.dialect import Dialect

DEFAULT_HISTORY_FIELDS: tuple[str, ...] = ("status", "assignee", "sprint", "story_points",
                                           "priority")
_STORY_POINT_NAMES = ("story points", "story point estimate")
_SPRINT_TYPE = "com.pyxis.greenhopper.jira:gh-sprint"
# Custom field types whose value is a scalar worth a named column on jira_issue_enhanced.
_SCALAR_TYPES = ("number", "string", "date", "datetime", "option")


@dataclass(frozen=True)
class CustomField:
    """A Jira field the models read: its id, display name, ``issues`` column and type."""

    id: str
    name: str
    column: str
    schema_type: str | None
    rich_text: bool = False


@dataclass
class ModelOptions:
    """User options of the models (``[sources.atlassian.models]``)."""

    history_fields: Sequence[str] = DEFAULT_HISTORY_FIELDS
    story_points_field: str | None = None
    stale_days: int = 90
    full_refresh: bool = False


@dataclass
class ModelContext:
    """Dialect, qualified table names, existing columns and options for one model run."""

    dialect: Dialect
    qualify: dict[str, str]
    columns: dict[str, dict[str, str]]
    as_of: datetime
    options: ModelOptions = field(default_factory=ModelOptions)
    fields: list[CustomField] = field(default_factory=list)

    def t(self, table: str) -> str:
        """The qualified, quoted name of ``table`` in the pipeline's dataset."""
        return self.qualify[table]

    def has(self, *tables: str) -> bool:
        """True when every table exists."""
        return all(t in self.columns for t in tables)

    def col(self, table: str, column: str, alias: str, cast: str | None = None) -> str:
        """``alias.column`` when the column exists, else a typed NULL."""
        if column in self.columns.get(table, {}):
            return f"{alias}.{column}"
        return f"CAST(NULL AS {cast or self.dialect.text})"

    @property
    def as_of_sql(self) -> str:
        """The run's "now" as a timestamptz literal."""
        return self.dialect.ts_literal(self.as_of.astimezone(UTC).isoformat())

    @property
    def as_of_day_sql(self) -> str:
        """The run's UTC day as a date literal."""
        return self.dialect.date_literal(self.as_of.astimezone(UTC).date().isoformat())

    def sprint_field(self) -> CustomField | None:
        """The Jira Software Sprint field, if the site has one loaded on ``issues``."""
        return next((f for f in self.fields if f.schema_type == _SPRINT_TYPE), None)

    def story_points_field(self) -> CustomField | None:
        """The story points field: the configured id/name, else "Story Points"/"estimate"."""
        wanted = self.options.story_points_field
        if wanted:
            return next((f for f in self.fields
                         if wanted in (f.id, f.column) or f.name.lower() == wanted.lower()), None)
        for name in _STORY_POINT_NAMES:
            found = next((f for f in self.fields if f.name.lower() == name
                          and f.schema_type == "number"), None)
            if found:
                return found
        return None

    def scalar_custom_fields(self) -> list[CustomField]:
        """Custom fields with a scalar value (number, text, date, single option)."""
        return [f for f in self.fields if f.id.startswith("customfield_")
                and f.schema_type in _SCALAR_TYPES and not f.rich_text]


def load_fields(rows: Sequence[Sequence[Any]], issue_columns: dict[str, str]) -> list[CustomField]:
    """Fields from ``fields`` rows (id, name, column, schema_type, schema_custom, rich text).

    Only fields whose column exists on ``issues`` are kept. The Sprint field is recognised by
    its custom type, so its ``schema_type`` is that type.
    """
    out = []
    for field_id, name, column, schema_type, schema_custom, rich_text in rows:
        if not column or column not in issue_columns:
            continue
        kind = _SPRINT_TYPE if schema_custom == _SPRINT_TYPE else schema_type
        out.append(CustomField(str(field_id), str(name or field_id), str(column), kind,
                               bool(rich_text)))
    return out
