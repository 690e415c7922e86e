"""Compile parsed JQL into predicates over index rows; read JQL date values.

Wall-clock date values are read in the caller's profile time zone with minute precision, as
Jira does; epoch milliseconds are exact; periods such as ``-5d`` count from the clock's now.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dlt_atlassian.simulator.jira.jql import BoolOp, Clause, JqlError, Node, unquote

_DATE_FORMATS = ["%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"]
_PERIOD = re.compile(r"^([-+]?)((?:\d+[wdhm]\s*)+)$")
_UNIT_MS = {"w": 604_800_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000}


def parse_date(raw: str, field: str, zone: str, now_ms: int) -> int:
    """Turn a JQL date value into epoch ms, reading wall-clock values in ``zone``."""
    value = unquote(raw).strip()
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    period = _PERIOD.match(value)
    if period:
        sign = -1 if period.group(1) == "-" else 1
        total = sum(int(n) * _UNIT_MS[u] for n, u in re.findall(r"(\d+)([wdhm])", period.group(2)))
        return now_ms + sign * total
    for fmt in _DATE_FORMATS:
        try:
            naive = datetime.strptime(value, fmt)
        except ValueError:
            continue
        # fold=0 reads an ambiguous wall time as its first occurrence and a skipped one as if the
        # clock had not jumped yet, matching java.time's resolution of DST overlaps and gaps.
        return int(naive.replace(tzinfo=ZoneInfo(zone)).timestamp() * 1000)
    raise JqlError(f"Date value '{value}' for field '{field}' is invalid. Valid formats include: "
                   "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a "
                   "period format e.g. '-5d', '4w 2d'.")


@dataclass
class JqlContext:
    """Lookups a compiled query needs: projects and statuses by name/key/id, time zone, now."""

    project_id: Callable[[str], int | None]
    issue_id: Callable[[str], int | None]
    status_id: Callable[[str], str | None]
    time_zone: str
    now_ms: int
    issuetype_id: Callable[[str], str | None] = lambda _: None
    category_id: Callable[[str], int | None] = lambda _: None
    category_statuses: Callable[[int], list[str]] = lambda _: []


_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
}

Predicate = Callable[[Any], bool]


def compile_where(node: Node, ctx: JqlContext) -> Predicate:
    """Compile a parsed condition into a predicate over index rows."""
    if isinstance(node, BoolOp):
        parts = [compile_where(c, ctx) for c in node.children]
        if node.op == "and":
            return lambda row: all(p(row) for p in parts)
        if node.op == "or":
            return lambda row: any(p(row) for p in parts)
        return lambda row: not parts[0](row)
    return _compile_clause(node, ctx)


def _compile_clause(clause: Clause, ctx: JqlContext) -> Predicate:
    field, op = clause.field, clause.op
    if op in ("is", "is not"):
        # None of the supported fields can be empty on an issue.
        return (lambda row: False) if op == "is" else (lambda row: True)
    if field in ("created", "updated"):
        if op in ("in", "not in"):
            raise JqlError(f"The operator '{op.upper()}' is not supported by the '{field}' field.")
        bound = parse_date(clause.values[0], field, ctx.time_zone, ctx.now_ms)
        cmp = _CMP[op]
        return lambda row: cmp(getattr(row, field), bound)
    if op not in ("=", "!=", "in", "not in"):
        if field in ("key", "id"):
            return _ordered_key_clause(clause, ctx)
        raise JqlError(f"The operator '{op}' is not supported by the '{field}' field.")
    wanted = {_resolve(field, unquote(v), ctx) for v in clause.values}
    attr = {"project": "project_id", "status": "status_id", "key": "id", "id": "id",
            "issuetype": "type_id", "statuscategory": "status_id"}[field]
    if field == "statuscategory":
        wanted = {s for cat in wanted for s in ctx.category_statuses(cat)}
    negate = op in ("!=", "not in")
    return lambda row: (getattr(row, attr) in wanted) != negate


def _ordered_key_clause(clause: Clause, ctx: JqlContext) -> Predicate:
    bound = _resolve(clause.field, unquote(clause.values[0]), ctx)
    cmp = _CMP[clause.op]
    return lambda row: cmp(row.id, bound)


def _resolve(field: str, value: str, ctx: JqlContext) -> Any:
    if field == "project":
        pid = ctx.project_id(value)
        if pid is None:
            raise JqlError(f"The value '{value}' does not exist for the field 'project'.")
        return pid
    if field == "status":
        sid = ctx.status_id(value)
        if sid is None:
            raise JqlError(f"The value '{value}' does not exist for the field 'status'.")
        return sid
    if field in ("issuetype", "statuscategory"):
        found = ctx.issuetype_id(value) if field == "issuetype" else ctx.category_id(value)
        if found is None:
            raise JqlError(f"The value '{value}' does not exist for the field '{field}'.")
        return found
    if field == "id" and not value.isdigit():
        raise JqlError(f"The value '{value}' does not exist for the field 'id'.")
    iid = ctx.issue_id(value)
    if iid is None:
        raise JqlError(f"An issue with key '{value}' does not exist for field '{field}'.")
    return iid
