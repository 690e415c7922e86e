"""Data-size presets and multipliers over :class:`DataConfig` (CLI ``--scale``, tests)."""

from __future__ import annotations

from dataclasses import fields, replace

from dlt_atlassian.simulator.config import DataConfig

# Multipliers over the defaults (400 issues, 150 pages, ...).
PRESETS: dict[str, float] = {"tiny": 0.05, "small": 0.25, "default": 1.0, "medium": 1.0,
                             "large": 10.0, "huge": 100.0}
# Counts that must not scale: they shape the data rather than size it.
_FIXED = {"seed", "base_time", "history_days", "big_changelog_issues", "big_comment_issues",
          "histories_per_issue", "comments_per_issue", "worklogs_per_issue", "versions_per_page",
          "comments_per_page", "attachments_per_page", "sprints_per_board", "boards_per_project"}
_MINIMUM = {"jira_projects": 2, "jira_users": 5, "confluence_spaces": 2}


def parse_scale(scale: str | float) -> float:
    """``"small"`` or ``"2.5"`` or ``2.5`` -> a multiplier."""
    if isinstance(scale, int | float):
        factor = float(scale)
    elif scale.lower() in PRESETS:
        factor = PRESETS[scale.lower()]
    else:
        try:
            factor = float(scale)
        except ValueError:
            raise ValueError(f"scale must be a number or one of {sorted(PRESETS)}") from None
    if factor <= 0:
        raise ValueError("scale must be positive")
    return factor


def scaled(data: DataConfig, scale: str | float) -> DataConfig:
    """A copy of ``data`` with every size count multiplied by ``scale``."""
    factor = parse_scale(scale)
    changes: dict[str, int] = {}
    for f in fields(DataConfig):
        value = getattr(data, f.name)
        if f.name in _FIXED or not isinstance(value, int) or isinstance(value, bool):
            continue
        changes[f.name] = max(_MINIMUM.get(f.name, 1), round(value * factor))
    return replace(data, **changes)  # type: ignore[arg-type]
