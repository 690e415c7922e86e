"""The simulator's caches and fast paths never change a response.

Two simulators with the same seed get the same mutations. One serves with warm caches (it is
read before, between and after the mutations); the other drops every cache before each request,
so it renders from scratch. Every response must be byte-identical. The fast pieces (timestamp
formatting, orjson encoding, word drawing, ADF flattening) are also checked against their
plain reference implementations.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from dlt_atlassian.simulator.config import DataConfig, SimulatorConfig
from dlt_atlassian.simulator.jira import adf, encode
from dlt_atlassian.simulator.jira.model import reference_format
from dlt_atlassian.simulator.jira.people import user_json
from dlt_atlassian.simulator.jira.timefmt import format_marker
from dlt_atlassian.simulator.server import SimulatorServer
from dlt_atlassian.simulator.users import UserDirectory
from jira_sim_fixtures import ADMIN_AUTH

START = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
SEARCHES = [
    {"fields": ["*all", "updated", "project", "comment", "-worklog"]},
    {"fields": ["*all"], "expand": "changelog"},
    {"fields": ["*navigable"], "expand": "renderedFields,names"},
    {"fields": ["summary", "parent", "subtasks", "issuelinks", "worklog", "timetracking"]},
    {"fields": ["id"]},
]


def _server() -> SimulatorServer:
    data = DataConfig(seed=7, jira_projects=3, jira_issues=250, jira_users=12,
                      histories_per_issue=8, big_changelog_issues=2, comments_per_issue=2,
                      big_comment_issues=1, worklogs_per_issue=2, confluence_pages=5,
                      blog_posts=1)
    server = SimulatorServer(SimulatorConfig(data=data)).start()
    sim = server.sim
    sim.clock.freeze()
    sim.clock.set(START)
    sim.users.set_time_zone(sim.users.admin.account_id, "Europe/Berlin")
    return server


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[SimulatorServer, SimulatorServer]]:
    warm, cold = _server(), _server()
    try:
        yield warm, cold
    finally:
        warm.stop()
        cold.stop()


def _requests(server: SimulatorServer) -> list[tuple[str, str, dict[str, Any]]]:
    """The reads to compare, derived from the simulator's current state."""
    jira = server.sim.jira
    keys = [p["key"] for p in jira.projects()]
    ids = jira.issue_ids()
    out: list[tuple[str, str, dict[str, Any]]] = []
    for search in SEARCHES:
        for jql in (f"project = {keys[0]} ORDER BY updated ASC", f"project != {keys[0]}"):
            out.append(("POST", "/rest/api/3/search/jql",
                        {"json": {"jql": jql, "maxResults": 100, **search}}))
    for chunk in (ids[:120], ids[::3]):
        out.append(("POST", "/rest/api/3/changelog/bulkfetch",
                    {"json": {"issueIdsOrKeys": chunk, "maxResults": 300}}))
    out.append(("POST", "/rest/api/3/changelog/bulkfetch",
                {"json": {"issueIdsOrKeys": ids[-80:], "fieldIds": ["status", "summary"]}}))
    worklog_ids = [wid for _, wid in server.sim.jira.store.index.worklog_feed]
    out += [("GET", "/rest/api/3/worklog/updated", {"params": {"since": 0}}),
            ("GET", "/rest/api/3/worklog/deleted", {"params": {"since": 0}}),
            ("POST", "/rest/api/3/worklog/list", {"json": {"ids": worklog_ids[:1000]}}),
            ("POST", "/rest/api/3/worklog/list", {"json": {"ids": [*worklog_ids[-30:], 7, 7]}})]
    for sprint in jira.sprints():
        out.append(("GET", f"/rest/agile/1.0/sprint/{sprint['id']}/issue",
                    {"params": {"fields": "id"}}))
        out.append(("GET", f"/rest/agile/1.0/sprint/{sprint['id']}/issue",
                    {"params": {"jql": "status != Done", "maxResults": 5, "startAt": 1}}))
    for issue_id in ids[:3] + ids[-3:]:
        out += [("GET", f"/rest/api/3/issue/{issue_id}", {"params": {"expand": "changelog"}}),
                ("GET", f"/rest/api/3/issue/{issue_id}/comment", {}),
                ("GET", f"/rest/api/3/issue/{issue_id}/worklog", {}),
                ("GET", f"/rest/api/3/issue/{issue_id}/changelog", {})]
    return out


def _sweep(server: SimulatorServer, before: Callable[[], None] = lambda: None) -> list[bytes]:
    """Status and body of every read, in order (``before`` runs ahead of each request)."""
    bodies = []
    with httpx.Client(base_url=server.base_url, auth=ADMIN_AUTH, timeout=60) as http:
        for method, path, kwargs in _requests(server):
            before()
            resp = http.request(method, path, **kwargs)
            assert resp.status_code in (200, 404), (path, resp.text[:200])
            # The two servers differ only in their port, which every ``self`` link carries.
            content = resp.content.replace(server.base_url.encode(), b"http://simulator")
            bodies.append(f"{method} {path} {resp.status_code} ".encode() + content)
    return bodies


def _mutate(server: SimulatorServer, step: int) -> None:
    jira, store = server.sim.jira, server.sim.jira.store
    rows = [r for r in store.index.rows if not r.deleted]
    humans = server.sim.users.humans()
    server.sim.clock.advance(3600)
    if step == 0:
        parent = next(r for r in rows if r.id in store.index.children)
        linked = next(r for r in rows if r.id in store.index.links_in)
        jira.update_issue(parent.key, {"summary": "Parent renamed", "priority": "Lowest"})
        jira.update_issue(linked.key, {"status": "Done", "summary": "Link target renamed",
                                       "labels": ["z", "a"], "customfield_10016": 3.5})
        jira.update_issue(rows[3].key, {"assignee": humans[2].account_id,
                                        "description": "Rewritten"})
    elif step == 1:
        comment = jira.add_comment(rows[4].key, "first")
        jira.add_comment(rows[4].key, {"type": "doc", "version": 1, "content": []})
        jira.delete_comment(comment)
        worklog = jira.add_worklog(rows[5].key, 5400, comment="pairing")
        server.sim.clock.advance(120)
        jira.update_worklog(worklog, 600)
        logged = next(r for r in rows if r.worklogs and r.id != rows[5].id)
        jira.delete_worklog(int(jira.worklogs(logged.key)[0]["id"]))
    elif step == 2:  # deletions alone (a creation would change the index size too)
        in_sprint = next(r for r in rows if r.sprint_id)
        jira.delete_issue(in_sprint.key)
        jira.delete_issue(next(r for r in rows if r.id in store.index.children
                               and r.id != in_sprint.id).key)
    else:
        jira.create_issue(server.sim.jira.projects()[1]["key"], "Brand new",
                          fields={"labels": ["new"]})
        jira.move_issue(rows[8].key, server.sim.jira.projects()[2]["key"])


def test_warm_caches_answer_like_a_cold_render(
        pair: tuple[SimulatorServer, SimulatorServer]) -> None:
    warm, cold = pair
    _sweep(warm)  # fill every cache
    for step in range(5):
        if step:
            _mutate(warm, step - 1)
            _mutate(cold, step - 1)
        # Compared after every step: caches must follow each change as it happens.
        warm_bodies = _sweep(warm)
        cold_bodies = _sweep(cold, before=cold.sim.jira.store.drop_caches)
        assert len(warm_bodies) == len(cold_bodies) > 50
        for got, expected in zip(warm_bodies, cold_bodies, strict=True):
            assert got == expected, (step, got[:120])


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
         "Pacific/Chatham", "Africa/Monrovia", "America/St_Johns", "Europe/Dublin",
         "Antarctica/Troll", "Pacific/Kiritimati"]


@pytest.mark.parametrize("zone", ZONES)
def test_fast_time_markers_equal_the_reference(zone: str) -> None:
    rng = random.Random(zone)
    samples = [rng.randint(-1_000_000_000_000, 4_000_000_000_000) for _ in range(3000)]
    tz = ZoneInfo(zone)
    for year in (1972, 2025):  # around every offset change of the year, to the millisecond
        start = datetime(year, 1, 1, tzinfo=UTC)
        hours = [start + timedelta(hours=h) for h in range(367 * 24)]
        for before, after in itertools.pairwise(hours):
            if before.astimezone(tz).utcoffset() != after.astimezone(tz).utcoffset():
                edge = int(before.timestamp() * 1000)
                samples += [edge + d for d in range(-3_600_000, 7_200_001, 899_999)]
                samples += [edge + d for d in (-1, 0, 1, 59_999, 1_799_999, 3_599_999)]
        samples += [int(h.timestamp() * 1000) + rng.randrange(3_600_000) for h in hours[::97]]
    for ms in samples:
        for kind in "TZI":
            assert format_marker(kind, ms, zone) == reference_format(kind, ms, zone), (kind, ms)


def _bodies() -> list[Any]:
    people = UserDirectory(SimulatorConfig()).all()
    rng = random.Random(1)
    docs = [adf.generated_doc(rng, people) for _ in range(200)]
    floats = [0.0, -0.0, 1e-4, 0.5, 13.0, 1e15, 9.999999999999999e15, 123456.789]
    return [docs, [user_json(u, full=True) for u in people], floats,
            {"ascii": "plain ~ text", "unicode": "Zoë ☃ 🙂", "del": "\x7f", "ctl": "\x00\n\t",
             "surrogate": "\ud800", "big": 2**70, "neg": -(2**63), "keys": {1: "int key"}},
            (1, 2, [3.5, None, True])]


def test_fast_encoder_equals_json_dumps() -> None:
    for body in _bodies():
        assert encode.dumps(body) == json.dumps(body, separators=(",", ":")).encode()
    rng = random.Random(3)
    for _ in range(20_000):  # floats in the range the fast path serves are written alike
        value = rng.choice([-1, 1]) * 10 ** rng.uniform(-4, 15.99)
        assert not encode.odd_float(value)
        assert encode.dumps([value]) == json.dumps([value], separators=(",", ":")).encode()


def test_odd_floats_switch_to_the_standard_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encode, "_fast", True)  # restored after the test
    for value in (1e-5, 1e16, float("nan"), float("inf"), {"a": [2.5e-7]}):
        assert encode.odd_float(value)
    encode.note_stored({"customfield_10016": 1.0, "labels": ["a"]})
    assert encode.fast_path_enabled()
    encode.note_stored({"customfield_10016": [1e-7]})
    assert not encode.fast_path_enabled()
    body = {"tiny": 1e-7, "huge": 1e22}
    assert encode.dumps(body) == json.dumps(body, separators=(",", ":")).encode()


def _reference_sentence(rng: random.Random, lo: int = 4, hi: int = 12) -> str:
    words = [rng.choice(adf.WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize()


def test_word_drawing_matches_random_choice() -> None:
    for seed in range(50):
        fast, slow = random.Random(seed), random.Random(seed)
        for lo, hi in ((4, 12), (2, 5), (3, 3), (3, 9)):
            assert adf.sentence(fast, lo, hi) == _reference_sentence(slow, lo, hi)
        assert fast.getstate() == slow.getstate()


def _reference_plain_text(node: Any) -> str:
    if isinstance(node, dict):
        if node.get("type") == "text":
            return str(node.get("text", ""))
        if node.get("type") == "mention":
            return str(node.get("attrs", {}).get("text", ""))
        inner = "".join(_reference_plain_text(c) for c in node.get("content", []))
        return inner + ("\n" if node.get("type") in {"paragraph", "codeBlock", "listItem"}
                        else "")
    return ""


def test_plain_text_matches_the_recursive_definition() -> None:
    docs = _bodies()[0] + [None, "text", {"type": "paragraph", "content": "abc"},
                           {"type": "listItem", "content": [{"type": "text"}]}]
    for doc in docs:
        assert adf.plain_text(doc) == _reference_plain_text(doc)


def test_cached_user_renderings_are_independent_copies() -> None:
    user = UserDirectory(SimulatorConfig()).admin
    first, second = user_json(user), user_json(user)
    assert first == second
    first["displayName"] = "changed"
    first["avatarUrls"]["48x48"] = "changed"
    assert user_json(user) == second != first
