"""Faults, nothing lost: every fault mode of the simulator, then a clean rerun equals the truth.

Each case loads Jira and Confluence (many small pages, so faults land mid-pagination) while the
simulator misbehaves. The faulty run must either finish with exactly the simulator's data or
fail with one of our typed errors (a one-line message and a hint; exit class "runtime", or
"auth" when a refreshed token is refused again). Then
the data changes a little and a run without faults must bring DuckDB to exactly the truth:
same ids and key fields, nothing missing, no duplicate keys.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dlt_atlassian import errors
from dlt_atlassian.cli.guard import EXIT_AUTH, EXIT_FAILED, classify
from dlt_atlassian.simulator.server import SimulatorServer
from reliability_fixtures import (
    assert_is_truth,
    basic_credentials,
    change_data,
    duckdb_pipeline,
    oauth_credentials,
    paging_config,
    tuned_source,
)

# Paths the scripted faults hit: the issue search (POST + page tokens), bulk changelogs, the
# worklog feeds, the field catalog, Confluence lists (cursor links) and per-page reads (a
# page with its versions and labels, or one of its child lists).
SCRIPT_PATHS = (
    "/rest/api/3/search/jql", "/rest/api/3/changelog/bulkfetch", "/rest/api/3/worklog/*",
    "/wiki/api/v2/pages", "/wiki/api/v2/pages/*", "/wiki/api/v2/blogposts",
    "/wiki/api/v2/*-comments", "/rest/api/3/field",
)
RANDOM_FAULTS: dict[str, dict[str, Any]] = {
    "5xx-burst": {"server_error_rate": 0.2},
    "429-storm": {"rate_limit_storm_rate": 0.2},
    "connection-reset": {"connection_reset_rate": 0.12},
    "slow": {"slow_response_rate": 0.05},
    "malformed-json": {"malformed_json_rate": 0.12},
    "truncated-json": {"truncated_json_rate": 0.12},
    "incomplete-body": {"incomplete_body_rate": 0.12},
    "expired-token-401": {"expired_token_rate": 0.1},
}
SCRIPTED_KINDS = ("500", "502", "503", "429", "429-no-retry-after", "reset", "slow",
                  "malformed", "truncated", "incomplete", "401")


def _first_run(pipeline: Any, source: Any) -> BaseException | None:
    try:
        pipeline.run(source)
    except Exception as exc:
        return exc
    return None


def assert_clear_failure(exc: BaseException, *, codes: tuple[int, ...] = (EXIT_FAILED,)) -> None:
    """The failure carries one of our typed errors and reads as one actionable line."""
    ours = [e for e in _walk(exc) if isinstance(e, errors.AtlassianError)]
    assert ours, f"untyped failure: {type(exc).__name__}: {exc}"
    code, message, hint = classify(exc)
    assert code in codes, (code, message)
    assert message and "\n" not in message and "Traceback" not in message
    assert hint


def _run_faulty_then_clean(server: SimulatorServer, pipeline: Any, make_source: Callable[[], Any],
                           *, must_succeed: bool) -> BaseException | None:
    failure = _first_run(pipeline, make_source())
    fired = sum(server.sim.faults.fired.values())
    assert fired > 0, "no fault fired: this case tests nothing"
    if failure is None:
        assert_is_truth(pipeline, server)
    else:
        assert not must_succeed, f"a recoverable fault failed the run: {failure}"
        assert_clear_failure(failure, codes=(EXIT_FAILED, EXIT_AUTH))
    server.sim.clear_faults()
    change_data(server, 1)
    pipeline.run(make_source())
    assert_is_truth(pipeline, server)
    return failure


@pytest.mark.parametrize("name", sorted(RANDOM_FAULTS))
def test_random_faults_lose_nothing(name: str, make_simulator: Callable[..., SimulatorServer],
                                    tmp_path: Path) -> None:
    server = make_simulator(paging_config(faults={"seed": 11, **RANDOM_FAULTS[name]}))
    creds = oauth_credentials(server, tmp_path / "tokens.json")
    pipeline = duckdb_pipeline(tmp_path)
    _run_faulty_then_clean(server, pipeline, lambda: tuned_source(creds, timeout=0.5),
                           must_succeed=False)


@pytest.mark.parametrize("shift", [0, 5])
def test_short_fault_bursts_are_retried_to_completion(
        shift: int, make_simulator: Callable[..., SimulatorServer], tmp_path: Path) -> None:
    """Every fault kind, twice in a row, spread over every kind of endpoint: retries must
    carry the run through (``shift`` rotates which kind meets which endpoint)."""
    server = make_simulator(paging_config())
    creds = oauth_credentials(server, tmp_path / "tokens.json")
    entries = []
    for i, kind in enumerate(SCRIPTED_KINDS):
        path = SCRIPT_PATHS[(i + shift) % len(SCRIPT_PATHS)]
        # A fresh access token that is refused again is a real auth failure: one 401 at a time.
        entries.append({"path": path, "kind": kind, "count": 1 if kind == "401" else 2})
    server.sim.add_faults(*entries)
    pipeline = duckdb_pipeline(tmp_path)
    _run_faulty_then_clean(server, pipeline, lambda: tuned_source(creds, timeout=0.5),
                           must_succeed=True)
    assert set(server.sim.faults.fired) == set(SCRIPTED_KINDS)


@pytest.mark.parametrize("kind", ["503", "429-no-retry-after", "reset", "truncated"])
def test_endless_faults_fail_clearly_and_rerun_recovers(
        kind: str, make_simulator: Callable[..., SimulatorServer], tmp_path: Path) -> None:
    server = make_simulator(paging_config())
    creds = basic_credentials(server)
    pipeline = duckdb_pipeline(tmp_path)
    jira = ("jira",)
    pipeline.run(tuned_source(creds, products=jira))  # an earlier good load
    change_data(server, 2)
    # The issue search: every run needs it (a small change needs no bulkfetch any more).
    server.sim.add_faults({"path": "/rest/api/3/search/jql", "kind": kind, "count": -1})
    failure = _first_run(pipeline, tuned_source(creds, timeout=0.5, products=jira))
    assert failure is not None, "an endpoint that never answers cannot give a complete load"
    assert_clear_failure(failure)
    server.sim.clear_faults()
    pipeline.run(tuned_source(creds, products=jira))
    assert_is_truth(pipeline, server, products=jira)


def test_repeating_page_token_is_a_clear_loop_error(make_simulator: Callable[..., SimulatorServer],
                                                    tmp_path: Path) -> None:
    server = make_simulator(paging_config(faults={"repeat_page_token": True},
                                          caps={"search_jql_with_fields": 2}))
    creds = basic_credentials(server)
    pipeline = duckdb_pipeline(tmp_path)
    failure = _first_run(pipeline, tuned_source(creds, products=("jira",)))
    assert failure is not None, "a search handing back its own token cannot finish"
    assert_clear_failure(failure)
    assert any(isinstance(e, errors.PaginationLoopError)
               for e in _walk(failure)), f"not reported as a loop: {failure}"
    server.sim.clear_faults()
    pipeline.run(tuned_source(creds, products=("jira",)))
    assert_is_truth(pipeline, server, products=("jira",))


def test_missing_is_last_still_completes(make_simulator: Callable[..., SimulatorServer],
                                         tmp_path: Path) -> None:
    server = make_simulator(paging_config(faults={"drop_is_last": True}))
    pipeline = duckdb_pipeline(tmp_path)
    pipeline.run(tuned_source(basic_credentials(server), products=("jira",)))
    assert_is_truth(pipeline, server, products=("jira",))


def test_access_token_expiring_mid_run(make_simulator: Callable[..., SimulatorServer],
                                       tmp_path: Path) -> None:
    """Access tokens live one second: the run refreshes repeatedly and never needs consent."""
    server = make_simulator(paging_config(oauth={"access_token_ttl": 1},
                                          latency={"fixed_ms": 15.0}))
    creds = oauth_credentials(server, tmp_path / "tokens.json")
    refresh = creds.refresh_token
    pipeline = duckdb_pipeline(tmp_path)
    pipeline.run(tuned_source(creds))
    assert_is_truth(pipeline, server)
    family = server.sim.oauth.family_of(str(refresh))
    assert family is not None and not family.revoked
    assert server.sim.oauth.refresh_count(str(refresh)) >= 2, "the token never expired mid-run"
    change_data(server, 3)
    pipeline.run(tuned_source(creds))
    assert_is_truth(pipeline, server)


def test_access_token_revoked_between_requests_recovers(
        make_simulator: Callable[..., SimulatorServer], tmp_path: Path) -> None:
    """Every access token is expired server-side after the first run: the next run refreshes."""
    server = make_simulator(paging_config())
    creds = oauth_credentials(server, tmp_path / "tokens.json")
    pipeline = duckdb_pipeline(tmp_path)
    pipeline.run(tuned_source(creds))
    assert server.sim.oauth.expire_access_tokens() >= 1
    change_data(server, 4)
    pipeline.run(tuned_source(creds))
    assert_is_truth(pipeline, server)


def _walk(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        todo += [e for e in (getattr(current, "exception", None), current.__cause__,
                             current.__context__) if isinstance(e, BaseException)]
    return seen


def test_public_source_with_production_retry_policy(make_simulator: Callable[..., SimulatorServer],
                                                    tmp_path: Path) -> None:
    """The shipped ``atlassian_source`` (default timeout, retry policy and limiter) rides out
    one fault of each cheap kind, then equals the truth."""
    from dlt_atlassian import atlassian_source

    server = make_simulator(paging_config())
    creds = oauth_credentials(server, tmp_path / "tokens.json")
    kinds = ("500", "502", "reset", "malformed", "truncated", "incomplete", "401")
    server.sim.add_faults(*({"path": path, "kind": kind, "count": 1}
                            for kind, path in zip(kinds, SCRIPT_PATHS, strict=False)))
    pipeline = duckdb_pipeline(tmp_path)
    tables = ("issues", "issue_changelogs", "issue_comments", "issue_worklogs", "spaces", "pages",
              "blog_posts", "page_versions", "labels", "footer_comments", "inline_comments",
              "attachments")

    def source() -> Any:
        return atlassian_source(credentials=creds, reconcile_deletes="always").with_resources(
            *tables)

    _run_faulty_then_clean(server, pipeline, source, must_succeed=True)
    assert set(server.sim.faults.fired) == set(kinds)


@pytest.mark.parametrize("retry_after_mode", ["zero", "mixed"])
def test_real_rate_limits_are_waited_out(retry_after_mode: str,
                                         make_simulator: Callable[..., SimulatorServer],
                                         tmp_path: Path) -> None:
    """Burst buckets far below the client's pace, answered with ``Retry-After: 0``, only
    ``X-RateLimit-Reset``, or seconds: the run slows down and completes exactly."""
    server = make_simulator(paging_config(rate_limit={
        "enabled": True, "burst_per_second": 15.0, "burst_capacity": 5.0,
        "retry_after_mode": retry_after_mode, "reset_precision": "second"}))
    pipeline = duckdb_pipeline(tmp_path)
    pipeline.run(tuned_source(basic_credentials(server)))
    assert server.sim.requests.statuses().get(429, 0) > 0, "never rate limited"
    assert_is_truth(pipeline, server)


TOKEN_FAULTS = [
    ("/oauth/token", "500", None), ("/oauth/token", "reset", None),
    ("/oauth/token", "429", None), ("/oauth/token", "incomplete", None),
    ("/oauth/token", "malformed", None),
    ("/oauth/token", "truncated", None),
    ("/oauth/token/accessible-resources", "503", None),
    ("/oauth/token/accessible-resources", "reset", None),
    ("/oauth/token/accessible-resources", "truncated", None),
]


@pytest.mark.parametrize("path, kind", [
    pytest.param(path, kind, id=f"{path.rsplit('/', 1)[-1]}-{kind}",
                 marks=[pytest.mark.xfail(strict=True, reason=bug)] if bug else [])
    for path, kind, bug in TOKEN_FAULTS
])
def test_auth_server_hiccups_are_retried(path: str, kind: str,
                                         make_simulator: Callable[..., SimulatorServer],
                                         tmp_path: Path) -> None:
    """One transient fault on the token endpoint or accessible-resources during a run."""
    server = make_simulator(paging_config(oauth={"access_token_ttl": 1}))
    creds = oauth_credentials(server, tmp_path / "tokens.json")
    server.sim.add_faults({"path": path, "kind": kind, "count": 1})
    pipeline = duckdb_pipeline(tmp_path)
    pipeline.run(tuned_source(creds, products=("jira",)))
    assert server.sim.faults.fired[kind] == 1
    assert_is_truth(pipeline, server, products=("jira",))
    family = server.sim.oauth.family_of(str(creds.refresh_token))
    assert family is not None and not family.revoked
