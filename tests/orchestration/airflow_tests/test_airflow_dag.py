"""pipelines/airflow_dag.py in a real Airflow: parsed by a DagBag, run with ``dag.test()``."""

from __future__ import annotations

import itertools
import logging
import os
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("airflow", reason="runs in .venv-airflow (orchestration/run_tests.sh)")

DAG_ID = "dlt_atlassian"


def load_dag(monkeypatch: pytest.MonkeyPatch, **settings: str) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    for name, value in settings.items():
        monkeypatch.setenv(f"DLT_ATLASSIAN_{name}", value)
    # The conftest links pipelines/airflow_dag.py into the dags folder.
    dag_file = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"]) / "airflow_dag.py"
    bag = DagBag(dag_folder=str(dag_file), safe_mode=False)
    assert bag.import_errors == {}
    dag = bag.get_dag(DAG_ID)
    assert dag is not None
    return dag


def product_tasks(dag: Any, product: str) -> list[Any]:
    return [t for t in dag.tasks if t.task_id.startswith(f"{product}.")]


def test_dag_parses_without_contacting_atlassian(
    airflow_db: Path, atlassian_env: list[str], sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Project/space filters in the config must not be resolved at parse time either.
    project = sim.sim.jira.projects()[0]["key"]
    space = sim.sim.confluence.all_spaces()[0]["key"]
    monkeypatch.setenv("SOURCES__ATLASSIAN__PROJECTS", f'["{project}"]')
    monkeypatch.setenv("SOURCES__ATLASSIAN__SPACES", f'["{space}"]')
    before = sim.sim.requests.total
    dag = load_dag(monkeypatch)
    # Parsing happens every ~30 s in the DAG processor: it must not call the API (or refresh
    # OAuth tokens); only running tasks do.
    assert sim.sim.requests.total == before

    jira, confluence = product_tasks(dag, "jira"), product_tasks(dag, "confluence")
    # Decomposed: the heavy issue resources get a task of their own, apart from the rest.
    assert len(jira) > 1 and len(confluence) > 1
    assert any("issues" in t.task_id for t in jira)
    assert any("pages" in t.task_id for t in confluence)
    # The small full-replace tables share one task, which runs first (creates the schema).
    assert jira[0].task_id == "jira.jira_reference"
    # DuckDB (one writer) -> serialize: every task waits for the previous one.
    ordered = jira + confluence
    for upstream, downstream in itertools.pairwise(ordered):
        assert upstream.task_id in downstream.upstream_task_ids
    # The analytics models are rebuilt once everything is loaded.
    assert ordered[-1].task_id in dag.get_task("build_models").upstream_task_ids


def test_parallel_isolated_layout_fans_out_after_the_first_group(
    airflow_db: Path, atlassian_env: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dag = load_dag(monkeypatch, DESTINATION="postgres")
    for product in ("jira", "confluence"):
        first, *rest = product_tasks(dag, product)
        assert rest
        for task in rest:
            assert task.upstream_task_ids == {first.task_id}
    # Without DuckDB's single writer the products do not wait for each other...
    assert not product_tasks(dag, "confluence")[0].upstream_task_ids
    # ...and the models wait for both.
    models = dag.get_task("build_models")
    assert {t.task_id for t in dag.tasks if not t.downstream_task_ids} == {"build_models"}
    assert len(models.upstream_task_ids) > 2


@pytest.mark.parametrize(
    ("decompose", "auth", "store_variable"),
    [
        # Basic auth from the Airflow Variable dlt_secrets_toml (dlt's Airflow provider).
        ("serialize", "airflow_variable_env", False),
        # OAuth: every task shares one rotating token pair through the token store, at its
        # default place under $AIRFLOW_HOME or where the Airflow Variable says.
        ("parallel-isolated", "oauth_env", False),
        ("serialize", "oauth_env", True),
    ],
)
def test_dag_run_loads_the_simulated_site_into_duckdb(
    airflow_db: Path,
    sim: Any,
    warehouse: Any,
    decompose: str,
    auth: str,
    store_variable: bool,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from airflow.utils.state import DagRunState, TaskInstanceState

    secrets: list[str] = request.getfixturevalue(auth)
    token_store = airflow_db / "dlt_atlassian" / "oauth-tokens.json"
    token_store.unlink(missing_ok=True)
    if store_variable:
        token_store = tmp_path / "shared" / "tokens.json"
        # Airflow resolves AIRFLOW_VAR_<KEY> as the Variable <key> (environment backend).
        monkeypatch.setenv("AIRFLOW_VAR_DLT_ATLASSIAN_TOKEN_STORE", str(token_store))

    caplog.set_level(logging.INFO)
    dag = load_dag(monkeypatch, DECOMPOSE=decompose, TASK_RETRIES="0")
    run = dag.test()

    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == DagRunState.SUCCESS, states
    assert set(states.values()) == {TaskInstanceState.SUCCESS}
    assert set(states) == {t.task_id for t in dag.tasks}
    warehouse.assert_matches_simulator()
    warehouse.assert_models_built()

    if auth == "oauth_env":
        # Every task used the one shared store: one consent, no replayed refresh token, and
        # the rotated pair lives only in that 0600 file.
        assert token_store.exists()
        assert token_store.stat().st_mode & 0o777 == 0o600
        family = sim.sim.oauth.family_of(secrets[-1])  # the consent's initial refresh token
        # Plain values only in the asserts: the family's repr holds tokens.
        revoked, refreshes = family is None or family.revoked, family.refresh_count if family else 0
        assert not revoked, "a rotated refresh token was replayed"
        assert refreshes > 1, "expected the run to refresh through the shared store"
    captured = capfd.readouterr()
    logs = captured.out + captured.err + caplog.text
    assert "[DAG TEST] end task" in logs  # the task logs were captured: the check below bites
    for secret in secrets:
        assert secret not in logs
    warehouse.assert_absent(secrets)


def test_next_run_picks_up_edits_new_issues_and_deletions(
    airflow_db: Path,
    atlassian_env: list[str],
    sim: Any,
    warehouse: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.utils.state import DagRunState

    def run_dag() -> None:
        # Parsed afresh each time, like a worker does: dlt's local state is gone, so every
        # task's incremental state (one per task in parallel-isolated) comes from the warehouse.
        dag = load_dag(monkeypatch, DECOMPOSE="parallel-isolated", TASK_RETRIES="0")
        assert dag.test().state == DagRunState.SUCCESS

    run_dag()
    jira = sim.sim.jira
    edited, deleted = sorted(jira.issue_keys().values())[-2:]
    jira.update_issue(edited, {"summary": "edited after the first run"})
    jira.delete_issue(deleted)
    created = jira.create_issue(jira.projects()[0]["key"], "created after the first run")
    sim.sim.advance_clock(60)

    run_dag()
    warehouse.assert_matches_simulator()  # the deleted issue is gone, the new one is there
    ids = {key: id_ for id_, key in jira.issue_keys().items()}
    summaries = warehouse.column("atlassian", "issues", "summary", by="id")
    assert summaries[ids[edited]] == "edited after the first run"
    assert summaries[ids[created]] == "created after the first run"
