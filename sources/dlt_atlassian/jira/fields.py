"""Issue field catalog: column names (by id or by readable name) and column types.

Columns are named by field id by default (``customfield_10016``): ids never change, names do.
With ``custom_field_names="name"`` custom fields are named by their snake-cased name
(``story_points``); when two fields share a name, or a name collides with a system field or a
column the source adds, *every* field of that name gets its id appended
(``team_customfield_10001``, ``team_customfield_10002``): the result depends only on the set
of fields, never on the order Jira lists them in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dlt.common.normalizers.naming.snake_case import NamingConvention

from dlt_atlassian.errors import ConfigurationError

CustomFieldNames = Literal["id", "name"]

_naming = NamingConvention()

# Columns the source writes itself next to the fields.
BASE_COLUMNS = ("id", "key", "self", "project_id", "project_key", "_deleted")
# Carried by their own complete tables (issue_comments, issue_worklogs); the embedded copies
# are truncated by Jira, so they are never stored on the issue row.
EXCLUDED_FIELDS = frozenset({"comment", "worklog"})
# Rich-text (ADF) system fields; textarea custom fields are ADF too.
ADF_SYSTEM_FIELDS = frozenset({"description", "environment"})
TEXTAREA = "com.atlassian.jira.plugin.system.customfieldtypes:textarea"
PLAIN_TEXT_SUFFIX = "_text"


def snake(name: str) -> str:
    """Snake-case a name exactly as dlt's default naming convention does."""
    return _naming.normalize_identifier(name)


@dataclass(frozen=True)
class FieldInfo:
    """One issue field as listed by ``GET /rest/api/3/field``."""

    id: str
    name: str
    custom: bool
    schema_type: str | None
    schema_items: str | None
    schema_custom: str | None

    @property
    def is_adf(self) -> bool:
        """Whether the field's value is an ADF document in API v3."""
        return self.id in ADF_SYSTEM_FIELDS or self.schema_custom == TEXTAREA

    @property
    def data_type(self) -> str:
        """The dlt data type of the field's column."""
        if self.is_adf:
            return "json"
        return {
            "string": "text",
            "number": "double",
            "datetime": "timestamp",
            "date": "date",
        }.get(self.schema_type or "", "json")

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> FieldInfo:
        """Build from one element of ``GET /rest/api/3/field``."""
        schema = raw.get("schema") if isinstance(raw.get("schema"), dict) else {}
        assert isinstance(schema, dict)
        return cls(
            id=str(raw["id"]),
            name=str(raw.get("name") or raw["id"]),
            custom=bool(raw.get("custom", str(raw["id"]).startswith("customfield_"))),
            schema_type=schema.get("type"),
            schema_items=schema.get("items"),
            schema_custom=schema.get("custom"),
        )


def column_names(
    fields: Iterable[FieldInfo], mode: CustomFieldNames, *, include_plain_text: bool
) -> dict[str, str]:
    """Map every field id to its column name (see the module doc for the rules).

    Raises:
        ConfigurationError: ``mode`` is neither ``"id"`` nor ``"name"``.
    """
    if mode not in ("id", "name"):
        raise ConfigurationError(
            f"custom_field_names must be 'id' or 'name', not {mode!r}",
            hint='Use "id" (stable, default) or "name" (readable, snake-cased).',
        )
    fields = sorted(fields, key=lambda f: f.id)
    by_id: dict[str, str] = {}
    taken = set(BASE_COLUMNS)
    for f in fields:
        if not f.custom or mode == "id":
            by_id[f.id] = snake(f.id)
    taken.update(by_id.values())
    if include_plain_text:
        taken.update(by_id[f.id] + PLAIN_TEXT_SUFFIX for f in fields if f.is_adf and f.id in by_id)
    groups: dict[str, list[FieldInfo]] = defaultdict(list)
    for f in fields:
        if f.id not in by_id:
            groups[snake(f.name)].append(f)
    named = {name for name, group in groups.items() if len(group) == 1 and name not in taken}
    # Plain-text companions of named ADF fields may collide too: then the field keeps its id.
    for name, group in sorted(groups.items()):
        for f in group:
            column = name if name in named else snake(f"{name}_{f.id}")
            if include_plain_text and f.is_adf and column + PLAIN_TEXT_SUFFIX in taken:
                column = snake(f"{name}_{f.id}")
            if column in taken:
                column = snake(f.id)
            by_id[f.id] = column
            taken.add(column)
            if include_plain_text and f.is_adf:
                taken.add(column + PLAIN_TEXT_SUFFIX)
    return by_id


class FieldCatalog:
    """The site's fields with their column names and dlt column hints."""

    def __init__(
        self,
        raw_fields: Iterable[Mapping[str, Any]],
        *,
        mode: CustomFieldNames = "id",
        include_plain_text: bool = False,
    ) -> None:
        self.fields = {f.id: f for f in (FieldInfo.from_api(r) for r in raw_fields)}
        self.mode = mode
        self.include_plain_text = include_plain_text
        self.columns = column_names(
            self.fields.values(), mode, include_plain_text=include_plain_text
        )

    def column(self, field_id: str) -> str:
        """Column of a field (unknown fields: their snake-cased id)."""
        return self.columns.get(field_id) or snake(field_id)

    def is_adf(self, field_id: str) -> bool:
        """Whether a field holds ADF documents."""
        info = self.fields.get(field_id)
        return info.is_adf if info else field_id in ADF_SYSTEM_FIELDS

    def column_hints(self, requested: Iterable[str] = ("*all",)) -> dict[str, dict[str, Any]]:
        """Column hints (name -> dlt column schema) for the columns of the requested fields.

        Args:
            requested: the ``fields`` option; ``*all``/``*navigable`` mean every known field,
                ``-field`` leaves one out.
        """
        wanted = set(requested)
        everything = bool(wanted & {"*all", "*navigable"})
        hints: dict[str, dict[str, Any]] = {}
        for field_id, info in sorted(self.fields.items()):
            if field_id in EXCLUDED_FIELDS or field_id in BASE_COLUMNS:
                continue
            if f"-{field_id}" in wanted or not (everything or field_id in wanted):
                continue
            name = self.columns[field_id]
            hints[name] = {"name": name, "data_type": info.data_type, "nullable": True}
            if self.include_plain_text and info.is_adf:
                text = name + PLAIN_TEXT_SUFFIX
                hints[text] = {"name": text, "data_type": "text", "nullable": True}
        return hints

    def field_rows(self, raw_fields: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Rows of the ``fields`` table: each field with its type and its issue column."""
        rows = []
        for raw in raw_fields:
            info = FieldInfo.from_api(raw)
            excluded = info.id in EXCLUDED_FIELDS
            rows.append(
                {
                    "id": info.id,
                    "key": raw.get("key"),
                    "name": info.name,
                    "custom": info.custom,
                    "schema_type": info.schema_type,
                    "schema_items": info.schema_items,
                    "schema_custom": info.schema_custom,
                    "schema_custom_id": (raw.get("schema") or {}).get("customId"),
                    "schema_system": (raw.get("schema") or {}).get("system"),
                    "navigable": raw.get("navigable"),
                    "orderable": raw.get("orderable"),
                    "searchable": raw.get("searchable"),
                    "clause_names": raw.get("clauseNames"),
                    "is_rich_text": info.is_adf,
                    "column_name": None if excluded else self.column(info.id),
                }
            )
        return rows
