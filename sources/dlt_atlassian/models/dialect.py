"""The few SQL spellings that differ between DuckDB and Postgres, in one place.

Everything else the models use (window functions, ``percentile_cont ... WITHIN GROUP``,
``string_agg ... ORDER BY``, ``generate_series``, ``AT TIME ZONE``) is written the same way in
both. JSON columns are DuckDB ``JSON`` or Postgres ``json``/``jsonb``: every access casts to the
dialect's JSON type first, so either storage works.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlt_atlassian.errors import ConfigurationError


@dataclass(frozen=True)
class Dialect:
    """SQL fragments for one engine (``duckdb`` or ``postgres``)."""

    name: str

    @property
    def json_type(self) -> str:
        """The JSON type every JSON access casts to."""
        return "JSON" if self.name == "duckdb" else "jsonb"

    @property
    def text(self) -> str:
        """The variable-length text type."""
        return "VARCHAR" if self.name == "duckdb" else "text"

    @property
    def double(self) -> str:
        """The 8-byte float type."""
        return "DOUBLE" if self.name == "duckdb" else "double precision"

    def json(self, expr: str) -> str:
        """``expr`` as the dialect's JSON type."""
        return f"CAST({expr} AS {self.json_type})"

    def json_text(self, expr: str, *path: str) -> str:
        """Text at ``path`` (object keys) inside the JSON ``expr``; NULL when absent."""
        out = self.json(expr)
        for key in path[:-1]:
            out = f"({out} -> '{key}')"
        return f"({out} ->> '{path[-1]}')"

    def json_list_text(self, expr: str, key: str | None, sep: str = ", ") -> str:
        """Elements (or element[``key``]) of a JSON array joined by ``sep``, in array order."""
        if self.name == "duckdb":
            path = f"$[*].{key}" if key else "$[*]"
            return (f"NULLIF(array_to_string(json_extract_string({self.json(expr)}, '{path}'), "
                    f"'{sep}'), '')")
        value = f"e ->> '{key}'" if key else "e #>> '{}'"
        return (f"(SELECT string_agg({value}, '{sep}' ORDER BY o) FROM "
                f"jsonb_array_elements(CASE WHEN jsonb_typeof({self.json(expr)}) = 'array' "
                f"THEN {self.json(expr)} END) WITH ORDINALITY AS x(e, o))")

    def json_last(self, expr: str, key: str) -> str:
        """element[``key``] of the last element of a JSON array."""
        if self.name == "duckdb":
            return f"json_extract_string({self.json(expr)}, '$[#-1].{key}')"
        return (f"(CASE WHEN jsonb_typeof({self.json(expr)}) = 'array' "
                f"THEN {self.json(expr)} -> -1 ->> '{key}' END)")

    def utc(self, ts: str) -> str:
        """A timestamptz as a naive UTC timestamp."""
        return f"({ts} AT TIME ZONE 'UTC')"

    def day(self, ts: str) -> str:
        """The UTC calendar day of a timestamptz."""
        return f"CAST({self.utc(ts)} AS DATE)"

    def week(self, ts: str) -> str:
        """The Monday (UTC) starting the ISO week of a timestamptz."""
        return f"CAST(date_trunc('week', {self.utc(ts)}) AS DATE)"

    def seconds_between(self, start: str, end: str) -> str:
        """Seconds from ``start`` to ``end`` (timestamptz), as a double."""
        return (f"CAST(EXTRACT(EPOCH FROM {end}) - EXTRACT(EPOCH FROM {start}) "
                f"AS {self.double})")

    def ts_literal(self, iso: str) -> str:
        """A timestamptz literal from an ISO string with offset."""
        return f"CAST('{iso}' AS TIMESTAMP WITH TIME ZONE)"

    def date_literal(self, iso: str) -> str:
        """A date literal."""
        return f"CAST('{iso}' AS DATE)"

    def days_series(self, start: str, end: str, alias: str = "day") -> str:
        """A one-column derived table of every date from ``start`` to ``end`` (date exprs)."""
        if self.name == "duckdb":
            return (f"(SELECT CAST(generate_series AS DATE) AS {alias} FROM "
                    f"generate_series(CAST({start} AS TIMESTAMP), CAST({end} AS TIMESTAMP), "
                    f"INTERVAL 1 DAY))")
        return (f"(SELECT CAST(g AS DATE) AS {alias} FROM generate_series("
                f"CAST({start} AS TIMESTAMP), CAST({end} AS TIMESTAMP), INTERVAL '1 day') AS g)")

    def to_double(self, expr: str) -> str:
        """Text to a double; NULL when it is empty or not a number."""
        if self.name == "duckdb":
            return f"TRY_CAST(TRIM({expr}) AS DOUBLE)"
        pattern = r"^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$"
        return (f"(CASE WHEN TRIM({expr}) ~ '{pattern}' "
                f"THEN CAST(TRIM({expr}) AS double precision) END)")

    def unnest_list(self, expr: str) -> str:
        """A select-list expression yielding one row per element of a comma-separated list."""
        if self.name == "duckdb":
            return f"unnest(string_split({expr}, ','))"
        return f"unnest(string_to_array({expr}, ','))"

    def add_days(self, day: str, n: str) -> str:
        """``day`` (a date) plus ``n`` days, as a date."""
        if self.name == "duckdb":
            return f"CAST({day} + to_days(CAST({n} AS INTEGER)) AS DATE)"
        return f"CAST({day} + CAST({n} AS INTEGER) AS DATE)"


def dialect_for(destination_type: str) -> Dialect:
    """The dialect of a dlt destination type (``dlt.destinations.duckdb`` or just ``duckdb``).

    Raises:
        ConfigurationError: for destinations the models are not written for.
    """
    name = destination_type.rsplit(".", 1)[-1].lower()
    if name in ("duckdb", "motherduck"):
        return Dialect("duckdb")
    if name == "postgres":
        return Dialect("postgres")
    raise ConfigurationError(
        f"The Atlassian models run on DuckDB and Postgres, not on {name}.",
        hint="Set [sources.atlassian] models = false for this destination.",
    )
