"""Change ~1% of the simulated data through the simulators' mutation methods (deterministic)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

# Shares of the changed issues / pages by kind of change (sum to 1).
JIRA_MIX = (("update", 0.70), ("comment", 0.15), ("worklog", 0.10), ("delete", 0.03),
            ("create", 0.02))
CONFLUENCE_MIX = (("edit", 0.60), ("comment", 0.20), ("label", 0.15), ("trash", 0.05))


@dataclass
class Changes:
    """What was changed, for the incremental floor and the report."""

    jira_changed_ids: set[int] = field(default_factory=set)
    jira_deleted: int = 0
    jira_worklogs_added: int = 0
    confluence_changed_ids: set[int] = field(default_factory=set)
    confluence_comments_added: int = 0
    confluence_status_only: set[int] = field(default_factory=set)  # trashed: no new children
    counts: dict[str, int] = field(default_factory=dict)


def _split(n: int, mix: tuple[tuple[str, float], ...]) -> list[tuple[str, int]]:
    out, left = [], n
    for i, (kind, share) in enumerate(mix):
        k = left if i == len(mix) - 1 else min(left, max(1, round(n * share)))
        out.append((kind, k))
        left -= k
    return out


def change_jira(sim: Any, fraction: float, rng: random.Random, ch: Changes) -> None:
    """Update, comment on, log work on, delete and create ~``fraction`` of the issues."""
    jira = sim.jira
    keys = jira.issue_keys()  # id -> key
    ids = sorted(keys, key=int)
    n = max(1, math.ceil(len(ids) * fraction))
    picked = rng.sample(ids, min(n, len(ids)))
    projects = [p["key"] for p in jira.projects()]
    cursor = 0
    for kind, k in _split(n, JIRA_MIX):
        for _ in range(k):
            if kind == "create":
                key = jira.create_issue(rng.choice(projects), "Benchmark: new issue")
                ch.jira_changed_ids.add(int(jira.mutator.row(key).id))
                ch.counts["jira_" + kind] = ch.counts.get("jira_" + kind, 0) + 1
                continue
            if cursor >= len(picked):
                break
            issue_id = picked[cursor]
            cursor += 1
            key = keys[issue_id]
            try:
                if kind == "update":
                    jira.update_issue(key, {"summary": f"Benchmark edit of {key}"})
                elif kind == "comment":
                    jira.add_comment(key, "A benchmark comment")
                elif kind == "worklog":
                    jira.add_worklog(key, 1800)
                    ch.jira_worklogs_added += 1
                else:
                    jira.delete_issue(key)
                    ch.jira_deleted += 1
            except KeyError:  # e.g. a sub-task already deleted with its parent
                continue
            if kind != "delete":
                ch.jira_changed_ids.add(int(issue_id))
            ch.counts["jira_" + kind] = ch.counts.get("jira_" + kind, 0) + 1


def change_confluence(sim: Any, fraction: float, rng: random.Random, ch: Changes) -> None:
    """Edit, comment on, label and trash ~``fraction`` of the current pages and blog posts."""
    conf = sim.confluence
    with conf.store.lock:
        ids = sorted(c.id for c in conf.store.contents.values() if c.status == "current")
    n = max(1, math.ceil(len(ids) * fraction))
    picked = iter(rng.sample(ids, min(n, len(ids))))
    for kind, k in _split(n, CONFLUENCE_MIX):
        for content_id in [next(picked, None) for _ in range(k)]:
            if content_id is None:
                break
            if kind == "edit":
                conf.edit(content_id, message="benchmark edit")
                ch.confluence_changed_ids.add(content_id)
            elif kind == "comment":
                conf.add_comment(content_id, "<p>A benchmark comment</p>")
                ch.confluence_comments_added += 1
            elif kind == "label":
                conf.add_label(content_id, "benchmark")
                ch.confluence_changed_ids.add(content_id)
            else:
                conf.trash(content_id)
                ch.confluence_changed_ids.add(content_id)
                ch.confluence_status_only.add(content_id)
            ch.counts["confluence_" + kind] = ch.counts.get("confluence_" + kind, 0) + 1


def change_one_percent(sim: Any, products: list[str], seed: int,
                       fraction: float = 0.01) -> Changes:
    """Apply the changes to the products that exist; returns what changed."""
    rng = random.Random(seed)
    ch = Changes()
    if "jira" in products and sim.jira is not None:
        change_jira(sim, fraction, rng, ch)
    if "confluence" in products and sim.confluence is not None:
        change_confluence(sim, fraction, rng, ch)
    return ch
