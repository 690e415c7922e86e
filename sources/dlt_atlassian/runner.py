"""Build and run an Atlassian pipeline from plain options: shared by the CLI, demo and scripts."""

from __future__ import annotations

import copy
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.redact import redact

logger = logging.getLogger("dlt_atlassian")

PRODUCTS = ("jira", "confluence")

DUCKDB_MEMORY_LIMIT = "1GB"
"""DuckDB's buffer pool cap: the load's merges spill to disk instead of growing with the data.

256MB was measured too tight: a 100,000-issue site's incremental merge of ``sprint_issues``
failed with DuckDB's "Out of Memory Error: failed to pin block". A cap must never fail a load."""
WRITER_BUFFER_ITEMS = 1000
"""Rows dlt buffers per table before writing them out (dlt's default 5000 holds ~200 MB of
Jira issues with their rich-text fields)."""

LOW_PRIORITY_DEFAULTS: dict[str, Any] = {
    # Extract files are temporary: gzip there costs CPU for nothing. dlt reads the extract
    # writer's settings from [data_writer] only, so normalize (whose files are uploaded to
    # non-DuckDB destinations) gets its own section, compression left on.
    "data_writer": {"disable_compression": True, "buffer_max_items": WRITER_BUFFER_ITEMS},
    "normalize": {
        "data_writer": {"disable_compression": False, "buffer_max_items": WRITER_BUFFER_ITEMS}
    },
    "destination": {
        "duckdb": {
            "credentials": {
                # Unordered inserts let DuckDB stream and spill them (its own OOM advice).
                "global_config": {
                    "memory_limit": DUCKDB_MEMORY_LIMIT,
                    "preserve_insertion_order": False,
                }
            }
        }
    },
}
"""dlt settings the runner uses unless configured otherwise (any dlt config source wins)."""


@dataclass
class RunOptions:
    """What to load and where (every field has a sensible default)."""

    products: Sequence[str] = PRODUCTS
    projects: Sequence[str] | None = None
    spaces: Sequence[str] | None = None
    resources: Sequence[str] | None = None
    start_date: str | None = None
    destination: str = "duckdb"
    dataset_name: str = "atlassian"
    pipeline_name: str = "atlassian_pipeline"
    pipelines_dir: str | None = None
    full_refresh: bool = False
    progress: str = "log"
    credentials: Any = None  # None: dlt resolves [sources.atlassian.credentials]
    destination_credentials: Any = None
    build_models: bool = True
    source_options: dict[str, Any] = field(default_factory=dict)


def _check_products(products: Sequence[str]) -> list[str]:
    chosen = [p.strip().lower() for p in products if p.strip()]
    unknown = sorted(set(chosen) - set(PRODUCTS))
    if unknown or not chosen:
        raise ConfigurationError(
            f"Unknown product(s): {', '.join(unknown) or '(none given)'}.",
            hint=f"Choose from: {', '.join(PRODUCTS)}.",
        )
    return chosen


def build_source(options: RunOptions) -> Any:
    """Return the dlt source for ``options`` with its resource selection applied."""
    products = _check_products(options.products)
    kwargs: dict[str, Any] = dict(options.source_options)
    if options.credentials is not None:
        kwargs["credentials"] = options.credentials
    if options.start_date:
        kwargs["start_date"] = options.start_date
    if products == ["jira"]:
        from dlt_atlassian.jira import jira_source

        source = jira_source(projects=list(options.projects or []) or None, **kwargs)
    elif products == ["confluence"]:
        from dlt_atlassian.confluence import confluence_source

        source = confluence_source(spaces=list(options.spaces or []) or None, **kwargs)
    else:
        from dlt_atlassian.combined import atlassian_source

        source = atlassian_source(
            projects=options.projects or None, spaces=options.spaces or None, **kwargs
        )
    if options.resources:
        wanted = [r.strip() for r in options.resources if r.strip()]
        available = sorted(source.resources.keys())
        unknown = sorted(set(wanted) - set(available))
        if unknown:
            raise ConfigurationError(
                f"Unknown resource(s): {', '.join(unknown)}.",
                hint=f"Available for {'+'.join(products)}: {', '.join(available)}.",
            )
        source = source.with_resources(*wanted)
    return source


def install_defaults() -> None:
    """Register :data:`LOW_PRIORITY_DEFAULTS` as dlt's last config provider (idempotent).

    Being last, they only fill keys that no environment variable, ``.dlt/*.toml`` file or
    other provider sets: a user's own ``global_config`` or ``buffer_max_items`` always wins.
    """
    import dlt
    from dlt.common.configuration.providers import DictionaryProvider

    class _Defaults(DictionaryProvider):
        NAME = "dlt-atlassian defaults"

    if any(p.name == _Defaults.NAME for p in dlt.config.config_providers):
        return
    provider = _Defaults()
    provider._config_doc.update(copy.deepcopy(LOW_PRIORITY_DEFAULTS))
    dlt.config.register_provider(provider)


def build_pipeline(options: RunOptions) -> Any:
    """Create (or reopen) the dlt pipeline for ``options`` (with :func:`install_defaults`)."""
    import dlt

    install_defaults()
    from dlt.common.runtime.collector import LogCollector

    progress: Any = None
    if options.progress == "log":
        progress = LogCollector(log_period=10.0, logger=sys.stderr, dump_system_stats=False)
    elif options.progress in ("tqdm", "enlighten", "alive_progress"):
        progress = options.progress
    kwargs: dict[str, Any] = {}
    if progress is not None:
        kwargs["progress"] = progress
    if options.pipelines_dir:
        kwargs["pipelines_dir"] = options.pipelines_dir
    destination: Any = options.destination
    if options.destination_credentials is not None:
        destination = getattr(dlt.destinations, options.destination)(
            credentials=options.destination_credentials
        )
    return dlt.pipeline(
        pipeline_name=options.pipeline_name,
        destination=destination,
        dataset_name=options.dataset_name,
        **kwargs,
    )


def finish_pending(pipeline: Any) -> None:
    """Normalize and load what a killed run left behind, before extracting anew.

    ``Pipeline.run()`` with pending packages only finishes them and returns without
    extracting, so a rerun after a crash would report success while missing every change
    since. Finishing first makes "just run it again" always bring the destination up to date.
    """
    if pipeline.list_extracted_load_packages():
        logger.warning("Finishing the data a previous, interrupted run extracted.")
        pipeline.normalize()
    if pipeline.list_normalized_load_packages():
        logger.warning("Loading the data a previous, interrupted run normalized.")
        pipeline.load()


def loader_file_format(pipeline: Any) -> Any:
    """Parquet for DuckDB and MotherDuck, the destination's own default elsewhere.

    dlt's default for DuckDB (SQL insert statements) needs tens of KB of memory per loaded row;
    parquet keeps loading fast and memory flat. Other destinations keep their default, which
    needs no extra driver.
    """
    kind = str(pipeline.destination.destination_type) if pipeline.destination else ""
    return "parquet" if kind.endswith(("duckdb", "motherduck")) else None


def run(options: RunOptions) -> tuple[Any, Any]:
    """Extract, normalize and load; return ``(pipeline, load_info)``."""
    pipeline = build_pipeline(options)
    source = build_source(options)
    if options.full_refresh:
        pipeline.drop_pending_packages()  # everything is loaded again anyway
    else:
        finish_pending(pipeline)
    info = pipeline.run(source, refresh="drop_sources" if options.full_refresh else None,
                        loader_file_format=loader_file_format(pipeline))
    if options.build_models:
        try:
            build_models(pipeline)
        except Exception as exc:
            logger.error("The load succeeded but building the analyst models failed: %s "
                         "(set [sources.atlassian] models = false to skip them)", redact(str(exc)))
    return pipeline, info


def build_models(pipeline: Any) -> dict[str, int]:
    """Build the analyst models after a load, unless ``[sources.atlassian] models = false``."""
    import dlt

    try:
        from dlt_atlassian.models import run_models
    except ImportError:  # the models package is optional
        return {}
    if dlt.config.get("sources.atlassian.models", bool) is False:
        return {}
    result: dict[str, int] = run_models(pipeline)
    return result


def loaded_row_counts(pipeline: Any) -> dict[str, int]:
    """Rows each table received in the pipeline's last run (dlt's own tables left out)."""
    trace = pipeline.last_trace
    info = getattr(trace, "last_normalize_info", None) if trace else None
    counts: dict[str, int] = dict(getattr(info, "row_counts", {}) or {})
    return {t: n for t, n in sorted(counts.items()) if not t.startswith("_dlt")}


def table_row_counts(pipeline: Any) -> dict[str, int]:
    """Rows now in each data table of the pipeline's dataset."""
    schema = pipeline.default_schema
    counts: dict[str, int] = {}
    with pipeline.sql_client() as client:
        for name in sorted(schema.data_table_names()):
            try:
                table = client.make_qualified_table_name(name)
                rows = client.execute_sql(f"SELECT COUNT(*) FROM {table}")
            except Exception:  # a table declared in the schema but never created
                continue
            counts[name] = int(rows[0][0]) if rows else 0
    return counts
