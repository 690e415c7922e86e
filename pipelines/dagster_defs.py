"""Dagster definitions: Jira and Confluence tables as dlt assets, loaded on a schedule.

Load with ``dagster dev -f pipelines/dagster_defs.py`` (Dagster and ``dagster-dlt`` installed
next to ``dlt-atlassian``; tested pins in ``orchestration/dagster-requirements.txt``).

Every table of each source is an asset keyed ``[product, table]`` (e.g. ``["jira", "issues"]``,
``["confluence", "pages"]``), grouped by product; one multi-asset per product, so selecting a
subset of tables in the UI loads only those resources. ``["atlassian", "models"]`` rebuilds the
analytics models (README: Analyst models) from all of them. The job ``atlassian_load``
materializes everything; its schedule runs it daily (every run is incremental: dlt keeps the
cursors).

Loading the definitions never talks to Atlassian: the asset specs come from a source built
with placeholder credentials that never connects. The real source is built when an asset
runs, with credentials resolved by dlt (``SOURCES__ATLASSIAN__CREDENTIALS__*`` or
``.dlt/secrets.toml``), so OAuth refreshes happen only in runs.

Settings (environment variables, all optional):

* ``DLT_ATLASSIAN_DESTINATION``: a dlt destination name (default ``duckdb``).
* ``DLT_ATLASSIAN_DUCKDB_PATH``: the DuckDB file (default ``$DAGSTER_HOME/dlt_atlassian/
  warehouse.duckdb``, or ``./warehouse.duckdb`` without ``DAGSTER_HOME``).
* ``DLT_ATLASSIAN_DATASET``: the dataset both products load into (default ``atlassian``, as
  ``dlt-atlassian run``; Jira and Confluence table names do not overlap).
* ``DLT_ATLASSIAN_TOKEN_STORE``: the OAuth token store all runs share (default
  ``$DAGSTER_HOME/dlt_atlassian/oauth-tokens.json``); a ``token_store`` in the dlt
  credentials wins.
* ``DLT_ATLASSIAN_SCHEDULE``: cron expression, UTC (default ``0 3 * * *``).
"""

# No `from __future__ import annotations`: Dagster reads the asset function's hints at runtime.
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import dlt
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    AssetSpec,
    Definitions,
    MaterializeResult,
    ScheduleDefinition,
    asset,
    define_asset_job,
    in_process_executor,
)
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.common.configuration import resolve_configuration
from dlt.extract import DltSource

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


def _setting(name: str, default: str) -> str:
    return os.environ.get(f"DLT_ATLASSIAN_{name}", "").strip() or default


def _home() -> str:
    home = os.environ.get("DAGSTER_HOME")
    return os.path.join(home, "dlt_atlassian") if home else "."


def _destination(dataset: str) -> Any:
    name = _setting("DESTINATION", "duckdb")
    if name != "duckdb":
        return name
    path = _setting("DUCKDB_PATH", os.path.join(_home(), "warehouse.duckdb"))
    if os.path.splitext(os.path.basename(path))[0] == dataset:
        # DuckDB names the catalog after the file: the same name as the schema is ambiguous.
        raise ValueError(f"DuckDB file {path} must not be named like the dataset {dataset!r}")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return dlt.destinations.duckdb(credentials=path)


def source_factory(product: str) -> Callable[..., DltSource]:
    """``jira_source`` or ``confluence_source`` (imported on first use)."""
    factory: Callable[..., DltSource] = getattr(dlt_atlassian, f"{product}_source")
    return factory


def build_source(product: str) -> DltSource:
    """The real source, for a run: credentials from dlt config, one token store for all runs."""
    credentials = resolve_credentials()
    # Without DAGSTER_HOME the package default (the user's data directory) is shared already.
    shared = _setting("TOKEN_STORE", "") or (
        os.path.join(_home(), "oauth-tokens.json") if os.environ.get("DAGSTER_HOME") else ""
    )
    if isinstance(credentials, AtlassianOAuthCredentials) and not credentials.token_store:
        credentials.token_store = shared or None
    return source_factory(product)(credentials=credentials)


def layout_source(product: str) -> DltSource:
    """A source that is never run: it only tells Dagster which tables (assets) exist."""
    # Resolved up front, so dlt uses it as is instead of layering configured credentials over it.
    placeholder = resolve_configuration(
        AtlassianBasicCredentials(),
        explicit_value={
            "site_url": "https://layout.invalid",
            "email": "layout@layout.invalid",
            "api_token": "dagster-layout-placeholder",
        },
    )
    return source_factory(product)(credentials=placeholder, **_LAYOUT_FILTERS[product])


class AtlassianTranslator(DagsterDltTranslator):
    """Asset keys ``[product, table]``, grouped by product; children depend on their parent."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        """Re-key the default spec; dagster-dlt's flat ``dlt_<source>_<table>`` keys clash."""
        spec = super().get_asset_spec(data)
        product = data.resource.source_name
        deps: list[AssetKey] = []
        if data.resource.is_transformer:
            # The default dep is the root resource feeding the transformer: "<source>_<root>".
            for dep in spec.deps:
                root = dep.asset_key.path[-1].removeprefix(f"{product}_")
                deps.append(AssetKey([product, root]))
        return spec.replace_attributes(
            key=AssetKey([product, data.resource.name]), deps=deps, group_name=product
        )


TRANSLATOR = AtlassianTranslator()


def product_assets(product: str, destination: Any, dataset: str) -> AssetsDefinition:
    """One multi-asset per product, with a dlt pipeline (and state) of its own."""
    pipeline = dlt.pipeline(
        pipeline_name=f"atlassian_{product}", destination=destination, dataset_name=dataset
    )

    @dlt_assets(
        dlt_source=layout_source(product),
        dlt_pipeline=pipeline,
        name=f"{product}_dlt",
        dagster_dlt_translator=TRANSLATOR,
    )
    def _assets(context: AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        yield from dlt.run(context=context, dlt_source=build_source(product))

    return _assets


def models_asset(
    destination: Any, dataset: str, upstream: list[AssetsDefinition]
) -> AssetsDefinition:
    """The analytics models (the README, Analyst models), rebuilt from the loaded tables."""

    @asset(
        key=AssetKey(["atlassian", "models"]),
        deps=[key for assets in upstream for key in assets.keys],
        group_name="models",
        kinds={"dlt", "sql"},
        description="Analytics models over the Jira and Confluence tables "
        "(README: Analyst models).",
    )
    def _models(context: AssetExecutionContext) -> MaterializeResult:
        from dlt_atlassian.runner import build_models

        with tempfile.TemporaryDirectory() as pipelines_dir:
            # A throw-away local pipeline: it only gives the models the destination's client.
            pipeline = dlt.pipeline(
                pipeline_name="atlassian_models",
                pipelines_dir=pipelines_dir,
                destination=destination,
                dataset_name=dataset,
            )
            # Skipped when [sources.atlassian] models = false; returns rows per model.
            built = build_models(pipeline)
        context.log.info(f"built {len(built)} models")
        return MaterializeResult(metadata={f"rows_{name}": rows for name, rows in built.items()})

    return _models


dataset = _setting("DATASET", "atlassian")
destination = _destination(dataset)
jira_assets = product_assets("jira", destination, dataset)
confluence_assets = product_assets("confluence", destination, dataset)
atlassian_models = models_asset(destination, dataset, [jira_assets, confluence_assets])

atlassian_load = define_asset_job(
    "atlassian_load",
    selection=AssetSelection.assets(jira_assets, confluence_assets, atlassian_models),
    description="Load every Jira and Confluence table (incremental), then build the models.",
    # DuckDB takes one writer process at a time: run the products one after the other.
    executor_def=in_process_executor if not isinstance(destination, str) else None,
)

atlassian_daily = ScheduleDefinition(
    name="atlassian_daily",
    job=atlassian_load,
    cron_schedule=_setting("SCHEDULE", "0 3 * * *"),
    execution_timezone="UTC",
)

defs = Definitions(
    assets=[jira_assets, confluence_assets, atlassian_models],
    jobs=[atlassian_load],
    schedules=[atlassian_daily],
    resources={"dlt": DagsterDltResource()},
)
