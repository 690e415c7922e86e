"""pipelines/dagster_defs.py: definitions load, and materializing them loads the simulated site."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("dagster_dlt", reason="runs in .venv-dagster (orchestration/run_tests.sh)")

DEFS_FILE = Path(__file__).resolve().parents[3] / "pipelines" / "dagster_defs.py"


def load_defs_module(name: str = "dagster_defs_under_test") -> ModuleType:
    """Import pipelines/dagster_defs.py afresh (it reads its settings at import)."""
    spec = importlib.util.spec_from_file_location(name, DEFS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_definitions_load_without_contacting_atlassian(
    atlassian_env: list[str], sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster import AssetKey, Definitions

    project = sim.sim.jira.projects()[0]["key"]
    space = sim.sim.confluence.all_spaces()[0]["key"]
    monkeypatch.setenv("SOURCES__ATLASSIAN__PROJECTS", f'["{project}"]')
    monkeypatch.setenv("SOURCES__ATLASSIAN__SPACES", f'["{space}"]')
    before = sim.sim.requests.total
    module = load_defs_module()
    Definitions.validate_loadable(module.defs)
    assert sim.sim.requests.total == before

    keys = {key for assets in (module.jira_assets, module.confluence_assets)
            for key in assets.keys}
    assert {AssetKey(["jira", "issues"]), AssetKey(["jira", "issue_changelogs"]),
            AssetKey(["confluence", "pages"]), AssetKey(["confluence", "spaces"])} <= keys
    assert {key.path[0] for key in keys} == {"jira", "confluence"}
    # The models come after every table.
    assert set(module.atlassian_models.asset_deps[AssetKey(["atlassian", "models"])]) == keys
    # Children hang off their parent in the asset graph.
    deps = module.jira_assets.asset_deps[AssetKey(["jira", "issue_changelogs"])]
    assert AssetKey(["jira", "issues"]) in deps

    job = module.defs.resolve_job_def("atlassian_load")
    assert job.executor_def.name == "in_process"  # DuckDB: one writer at a time
    schedule = module.defs.resolve_schedule_def("atlassian_daily")
    assert schedule.job_name == "atlassian_load"


@pytest.mark.parametrize("auth", ["atlassian_env", "oauth_env"])
def test_materialize_loads_the_simulated_site_into_duckdb(
    auth: str,
    sim: Any,
    warehouse: Any,
    request: pytest.FixtureRequest,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from dagster import DagsterInstance, materialize
    from dagster_dlt import DagsterDltResource

    secrets: list[str] = request.getfixturevalue(auth)
    token_store = Path(os.environ["DAGSTER_HOME"]) / "dlt_atlassian" / "oauth-tokens.json"
    token_store.unlink(missing_ok=True)

    module = load_defs_module()
    assets = [module.jira_assets, module.confluence_assets, module.atlassian_models]
    with DagsterInstance.ephemeral() as instance:
        result = materialize(assets, resources={"dlt": DagsterDltResource()}, instance=instance)
    assert result.success

    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == {key for a in assets for key in a.keys}
    warehouse.assert_matches_simulator()
    warehouse.assert_models_built()

    if auth == "oauth_env":
        # Both products' runs shared the store under $DAGSTER_HOME and one consent.
        assert token_store.exists()
        assert token_store.stat().st_mode & 0o777 == 0o600
        family = sim.sim.oauth.family_of(secrets[-1])  # the consent's initial refresh token
        # Plain values only in the asserts: the family's repr holds tokens.
        revoked, refreshes = family is None or family.revoked, family.refresh_count if family else 0
        assert not revoked, "a rotated refresh token was replayed"
        assert refreshes >= 1, "expected the run to refresh through the shared store"
    captured = capfd.readouterr()
    logs = captured.out + captured.err + caplog.text
    assert "STEP_SUCCESS" in logs  # the run's logs were captured: the check below bites
    for secret in secrets:
        assert secret not in logs
    warehouse.assert_absent(secrets)


def test_selecting_one_asset_loads_only_its_table(atlassian_env: list[str], warehouse: Any) -> None:
    from dagster import AssetKey, DagsterInstance, materialize
    from dagster_dlt import DagsterDltResource

    module = load_defs_module()
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [module.jira_assets, module.confluence_assets, module.atlassian_models],
            selection=[AssetKey(["confluence", "spaces"])],
            resources={"dlt": DagsterDltResource()},
            instance=instance,
        )
    assert result.success
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {
        AssetKey(["confluence", "spaces"])
    }
    assert set(warehouse.row_counts("atlassian")) == {"spaces"}
    assert warehouse.ids("atlassian", "spaces") == {
        str(s["id"]) for s in warehouse.sim.sim.confluence.all_spaces()
    }


def test_scheduled_reruns_pick_up_edits_new_issues_and_deletions(
    atlassian_env: list[str], sim: Any, warehouse: Any
) -> None:
    from dagster import DagsterInstance, materialize
    from dagster_dlt import DagsterDltResource

    def run_job() -> None:
        # A fresh module per run, as a new run process would import it.
        module = load_defs_module()
        assets = [module.jira_assets, module.confluence_assets, module.atlassian_models]
        with DagsterInstance.ephemeral() as instance:
            result = materialize(assets, resources={"dlt": DagsterDltResource()},
                                 instance=instance)
        assert result.success

    run_job()
    jira = sim.sim.jira
    edited, deleted = sorted(jira.issue_keys().values())[:2]
    project = jira.projects()[0]["key"]
    jira.update_issue(edited, {"summary": "edited after the first run"})
    jira.delete_issue(deleted)
    created = jira.create_issue(project, "created after the first run")
    sim.sim.advance_clock(60)

    run_job()
    warehouse.assert_matches_simulator()  # the deleted issue is gone, the new one is there
    ids = {key: id_ for id_, key in jira.issue_keys().items()}
    summaries = warehouse.column("atlassian", "issues", "summary", by="id")
    assert summaries[ids[edited]] == "edited after the first run"
    assert summaries[ids[created]] == "created after the first run"
