"""Pure JQL builders: the scope of a load, its incremental lower bound, and id-only checks.

Lower bounds are written in **epoch milliseconds**: Jira reads quoted dates
(``"2024-01-17 12:34"``) in the *caller's profile time zone* at minute precision, so a run by a
user in ``Pacific/Kiritimati`` and one in ``America/Los_Angeles`` would otherwise disagree by
a day, and changes inside the last minute would be lost. A number is an instant, whoever asks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

from dlt_atlassian.errors import ConfigurationError

_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)
_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')

# A restriction every issue satisfies: the enhanced search refuses unbounded queries.
ALL_ISSUES = "updated >= 0"


def quote(value: str) -> str:
    """Quote a JQL value (project key, name) as a string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def check_user_jql(jql: str | None) -> str | None:
    """Validate the user's extra ``jql`` filter; return it stripped (None if empty).

    Raises:
        ConfigurationError: the filter has an ``ORDER BY`` (the source orders the search).
    """
    if jql is None or not jql.strip():
        return None
    text = jql.strip()
    if _ORDER_BY.search(_STRING_LITERAL.sub('""', text)):
        raise ConfigurationError(
            f"The jql option must be a filter without ORDER BY: {text!r}",
            hint="Remove the ORDER BY clause; the source orders by `updated` itself.",
        )
    return text


def project_clause(projects: Sequence[str]) -> str:
    """``project = "A"`` or ``project in ("A", "B")`` for keys or ids."""
    if not projects:
        raise ValueError("no projects")
    if len(projects) == 1:
        return f"project = {quote(projects[0])}"
    return "project in (" + ", ".join(quote(p) for p in projects) + ")"


def scope_jql(projects: Sequence[str] | None, jql: str | None) -> str:
    """The configured scope: projects AND the user's filter (``updated >= 0`` when neither)."""
    parts = []
    if projects:
        parts.append(project_clause(projects))
    user = check_user_jql(jql)
    if user:
        parts.append(f"({user})")
    return " AND ".join(parts) if parts else ALL_ISSUES


def incremental_jql(scope: str, since_ms: int | None) -> str:
    """Issues of ``scope`` updated at or after ``since_ms`` (epoch ms), oldest change first.

    ``ORDER BY updated ASC``: a page token continues after the last issue it returned, so an
    issue changed *during* the run moves behind us and is returned again on a later page in
    its newest state, and the cursor (the newest ``updated`` seen) only ever grows page by
    page. Newest-first would push such an issue onto pages already read and lose it.
    """
    where = scope if since_ms is None else f"{scope} AND updated >= {int(since_ms)}"
    return f"{where} ORDER BY updated ASC"


def slice_jql(scope: str, since_ms: int | None, until_ms: int | None) -> str:
    """``incremental_jql`` limited to ``updated < until_ms`` (one time slice of a full load)."""
    where = scope
    if since_ms is not None:
        where += f" AND updated >= {int(since_ms)}"
    if until_ms is not None:
        where += f" AND updated < {int(until_ms)}"
    return f"{where} ORDER BY updated ASC"


def time_slices(oldest_ms: int, newest_ms: int, count: int) -> list[tuple[int | None, int | None]]:
    """Split ``[oldest, newest]`` into ``count`` ``(since, until)`` slices, open at both ends.

    The first slice has no lower bound and the last no upper bound, so nothing outside the
    probed range (an issue changed since the probe) can fall between slices.
    """
    if count <= 1 or newest_ms <= oldest_ms:
        return [(None, None)]
    step = (newest_ms - oldest_ms) / count
    edges = sorted({oldest_ms + int(step * i) for i in range(1, count)})
    bounds: list[int | None] = [None, *edges, None]
    return list(itertools.pairwise(bounds))


def ids_in_scope_jql(scope: str, issue_ids: Iterable[str]) -> str:
    """The subset of ``issue_ids`` that are in ``scope`` (for filtering worklogs)."""
    ids = ", ".join(str(int(i)) for i in issue_ids)
    if not ids:
        raise ValueError("no issue ids")
    return f"({scope}) AND id in ({ids})"
