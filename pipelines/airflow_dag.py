"""Airflow DAG: load Jira and Confluence with dlt, one Airflow task per independent resource group.

Drop this file into the dags folder of an Airflow 3 deployment that has ``dlt-atlassian``
installed (see ``orchestration/airflow-requirements.txt`` for tested pins). Each product is a
dlt ``PipelineTasksGroup``; inside it, the source is split into its independent resource groups
(dlt's strongly connected components, e.g. issues with their changelogs, comments and worklogs)
and each group runs as its own task, so a failure or a retry touches only that group. The
small reference tables (replaced in full on every run) share one ``<product>_reference`` task.
Once both products are loaded, ``build_models`` rebuilds the analytics models
(the README, Analyst models; off with ``models = false`` in ``[sources.atlassian]``).

Nothing here talks to Atlassian while the DAG file is parsed: parsing only lays out the tasks
(from a source built with placeholder credentials, which never connects). Each task builds the
real source when it runs, with credentials resolved by dlt from the Airflow Variable
``dlt_secrets_toml``, ``SOURCES__ATLASSIAN__CREDENTIALS__*`` environment variables or
``.dlt/secrets.toml`` in the dags folder. So OAuth refreshes happen only in running tasks, and
the token store they share is guarded by a cross-process file lock.

Settings (environment variables of the scheduler and workers, all optional):

* ``DLT_ATLASSIAN_PRODUCTS``: ``jira,confluence`` (default both).
* ``DLT_ATLASSIAN_DESTINATION``: a dlt destination name (default ``duckdb``); its credentials
  come from dlt config as usual (``DESTINATION__<NAME>__CREDENTIALS``).
* ``DLT_ATLASSIAN_DUCKDB_PATH``: the DuckDB file (default ``$AIRFLOW_HOME/dlt_atlassian/
  warehouse.duckdb``), used when the destination is duckdb.
* ``DLT_ATLASSIAN_DATASET``: the dataset both products load into (default ``atlassian``, as
  ``dlt-atlassian run``; Jira and Confluence table names do not overlap).
* ``DLT_ATLASSIAN_TOKEN_STORE`` (or the Airflow Variable ``dlt_atlassian_token_store``, which
  wins): the OAuth token store file every task must share (default
  ``$AIRFLOW_HOME/dlt_atlassian/oauth-tokens.json``); a ``token_store`` set in the dlt
  credentials wins over both. With workers on several machines, use a shared volume.
* ``DLT_ATLASSIAN_DECOMPOSE``: ``serialize`` (groups one after another, one pipeline state) or
  ``parallel-isolated`` (after the first group, the rest in parallel, each with its own
  pipeline state). Default: ``serialize`` for duckdb (one writer at a time), otherwise
  ``parallel-isolated``. Changing it later starts the incremental state afresh.
* ``DLT_ATLASSIAN_SCHEDULE``: cron expression or preset (default ``@daily``).
* ``DLT_ATLASSIAN_TASK_RETRIES``: Airflow retries per task (default 2).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import dlt
import pendulum
from airflow.sdk import DAG, TaskGroup, chain, task
from dlt.common.configuration import resolve_configuration
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.extract import DltSource
from dlt.helpers.airflow_helper import PipelineTasksGroup

import dlt_atlassian
from dlt_atlassian.credentials import (
    AtlassianBasicCredentials,
    AtlassianOAuthCredentials,
    resolve_credentials,
)

PRODUCTS = ("jira", "confluence")
# Empty filters keep the layout source from resolving project/space keys over the network.
_LAYOUT_FILTERS: dict[str, dict[str, Any]] = {
    "jira": {"projects": []},
    "confluence": {"spaces": []},
}
_DECOMPOSE_MODES = ("serialize", "parallel-isolated")


def _setting(name: str, default: str) -> str:
    return os.environ.get(f"DLT_ATLASSIAN_{name}", "").strip() or default


def _airflow_home() -> str:
    return os.environ.get("AIRFLOW_HOME") or os.path.expanduser("~/airflow")


def _destination(dataset: str) -> Any:
    name = _setting("DESTINATION", "duckdb")
    if name != "duckdb":
        return name
    default = os.path.join(_airflow_home(), "dlt_atlassian", "warehouse.duckdb")
    path = _setting("DUCKDB_PATH", default)
    if os.path.splitext(os.path.basename(path))[0] == dataset:
        # DuckDB names the catalog after the file: the same name as the schema is ambiguous.
        raise ValueError(f"DuckDB file {path} must not be named like the dataset {dataset!r}")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return dlt.destinations.duckdb(credentials=path)


def _shared_token_store() -> str:
    """The OAuth token store all tasks share: Variable, env var, or under ``$AIRFLOW_HOME``."""
    from airflow.sdk import Variable  # called inside running tasks, where Variables resolve

    configured = Variable.get("dlt_atlassian_token_store", default=None)
    default = os.path.join(_airflow_home(), "dlt_atlassian", "oauth-tokens.json")
    return str(configured or _setting("TOKEN_STORE", default))


def _credentials() -> Any:
    """Resolve the credentials; an OAuth token store defaults to one path all tasks share."""
    credentials = resolve_credentials()
    if isinstance(credentials, AtlassianOAuthCredentials) and not credentials.token_store:
        credentials.token_store = _shared_token_store()
    return credentials


def source_factory(product: str) -> Callable[..., DltSource]:
    """``jira_source`` or ``confluence_source`` (imported on first use)."""
    factory: Callable[..., DltSource] = getattr(dlt_atlassian, f"{product}_source")
    return factory


class DeferredSource:
    """One resource group of a product's source, built inside the task that loads it.

    ``PipelineTasksGroup`` calls a callable ``data`` right before the pipeline runs, so the
    credentials are resolved (and OAuth tokens refreshed) only in the running task.
    """

    def __init__(self, product: str, resources: list[str], task_name: str) -> None:
        self.product = product
        self.resources = resources
        self.task_name = task_name

    def __call__(self) -> DltSource:
        source = source_factory(self.product)(credentials=_credentials())
        return source.with_resources(*self.resources)


class AtlassianTasksGroup(PipelineTasksGroup):
    """``PipelineTasksGroup`` whose tasks are named after the deferred resource group they run."""

    def _task_name(self, pipeline: dlt.Pipeline, data: Any) -> str:
        if isinstance(data, DeferredSource):
            return data.task_name
        return str(super()._task_name(pipeline, data))


def _replaces(resource: Any) -> bool:
    disposition = resource.write_disposition
    if isinstance(disposition, dict):
        disposition = disposition.get("disposition")
    return bool(disposition == "replace")


def resource_groups(product: str) -> list[tuple[str, list[str]]]:
    """``(task name, resource names)`` per task, from a source that never connects.

    Each independent resource group of the source (dlt's strongly connected components, e.g.
    issues with their changelogs and comments) gets a task; the small reference tables that
    are fully replaced on every run share one ``<product>_reference`` task, placed first so it
    creates the dataset and schema before heavier tasks start.
    """
    # Resolved up front, so dlt uses it as is instead of layering configured credentials over it.
    placeholder = resolve_configuration(
        AtlassianBasicCredentials(),
        explicit_value={
            "site_url": "https://layout.invalid",
            "email": "layout@layout.invalid",
            "api_token": "airflow-layout-placeholder",
        },
    )
    layout = source_factory(product)(credentials=placeholder, **_LAYOUT_FILTERS[product])
    reference: list[str] = []
    groups: list[tuple[str, list[str]]] = []
    for component in layout.decompose("scc"):
        resources = component.selected_resources
        if all(_replaces(r) for r in resources.values()):
            reference += resources
        else:
            groups.append((_group_task_name(product, list(resources)), list(resources)))
    if reference:
        groups.insert(0, (f"{product}_reference", reference))
    return groups


def _group_task_name(product: str, resources: list[str]) -> str:
    # Same scheme as dlt's own decomposition: first four resource names, then a count.
    name = f"{product}_" + "-".join(resources[:4])
    if len(resources) > 4:
        name += f"-{len(resources) - 4}-more"
    return name


def add_product(
    product: str, decompose: str, destination: Any, dataset: str, retries: int
) -> TaskGroup:
    """Add one product's task group: a task per resource group, wired per ``decompose``."""
    parallel = decompose == "parallel-isolated"
    group = AtlassianTasksGroup(
        product,
        use_data_folder=False,
        wipe_local_data=True,
        use_task_logger=True,
        # Parallel tasks must not truncate a staging destination another task still loads from.
        truncate_staging_destination=False if parallel else None,
    )
    base_name = f"atlassian_{product}"
    naming = NamingConvention()
    tasks = []
    for task_name, resources in resource_groups(product):
        # parallel-isolated: every group keeps its own pipeline state (no lost state updates).
        name = f"{base_name}__{naming.normalize_identifier(task_name)}" if parallel else base_name
        # Created after the group: the group points dlt at a fresh per-parse data directory.
        pipeline = dlt.pipeline(pipeline_name=name, destination=destination, dataset_name=dataset)
        tasks += group.add_run(
            pipeline,
            DeferredSource(product, resources, task_name),
            decompose="none",
            retries=retries,
            retry_delay=timedelta(minutes=5),
            execution_timeout=timedelta(hours=6),
        )
    if parallel:
        # The first group creates the schema and dataset before the others fan out.
        tasks[0] >> tasks[1:]
    else:
        chain(*tasks)
    return group


def build_models_task(destination: Any, dataset: str, retries: int) -> Any:
    """The analytics models (the README, Analyst models), rebuilt once both products are loaded."""

    @task(task_id="build_models", retries=retries, retry_delay=timedelta(minutes=5))
    def build_models() -> dict[str, int]:
        from dlt_atlassian.runner import build_models as run_models

        with tempfile.TemporaryDirectory() as pipelines_dir:
            # A throw-away local pipeline: it only gives the models the destination's client.
            pipeline = dlt.pipeline(
                pipeline_name="atlassian_models",
                pipelines_dir=pipelines_dir,
                destination=destination,
                dataset_name=dataset,
            )
            # Skipped when [sources.atlassian] models = false; returns rows per model.
            return run_models(pipeline)

    return build_models()


def build_dag() -> DAG:
    """The ``dlt_atlassian`` DAG, configured from ``DLT_ATLASSIAN_*`` environment variables."""
    dataset = _setting("DATASET", "atlassian")
    destination = _destination(dataset)
    is_duckdb = not isinstance(destination, str)
    decompose = _setting("DECOMPOSE", "serialize" if is_duckdb else "parallel-isolated")
    if decompose not in _DECOMPOSE_MODES:
        raise ValueError(f"DLT_ATLASSIAN_DECOMPOSE must be one of {_DECOMPOSE_MODES}")
    products = [p.strip() for p in _setting("PRODUCTS", "jira,confluence").split(",") if p]
    unknown = sorted(set(products) - set(PRODUCTS))
    if unknown:
        raise ValueError(f"DLT_ATLASSIAN_PRODUCTS has unknown products {unknown}")
    retries = int(_setting("TASK_RETRIES", "2"))
    with DAG(
        dag_id="dlt_atlassian",
        description="Load Jira and Confluence Cloud with dlt (dlt-atlassian)",
        schedule=_setting("SCHEDULE", "@daily"),
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        catchup=False,
        # Two runs at once would race on the same pipeline state and destination tables.
        max_active_runs=1,
        default_args={"owner": "data"},
        tags=["dlt", "atlassian", "jira", "confluence"],
    ) as dag:
        groups = [add_product(p, decompose, destination, dataset, retries) for p in products]
        if is_duckdb:
            # DuckDB takes one writer process at a time: run the products one after the other.
            chain(*groups)
        groups >> build_models_task(destination, dataset, retries)
    return dag


dag = build_dag()
