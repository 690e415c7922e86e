"""``dlt-atlassian report``: write the HTML report of a pipeline's analytics models."""

from __future__ import annotations

import argparse
from typing import Any

from dlt_atlassian.cli.guard import guarded


def register(subparsers: Any) -> None:
    """Add ``report`` to the CLI."""
    parser = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report from the analytics models",
        description="Read the models of a loaded pipeline (building them first if they are "
        "missing, or always with --rebuild) and write one HTML file with inline SVG charts: "
        "throughput, cycle time, time in status, sprint completion, Confluence activity.",
    )
    parser.add_argument("--pipeline-name", default="atlassian_pipeline",
                        help="the dlt pipeline that loaded the data")
    parser.add_argument("--pipelines-dir", default=None, help="dlt working dir (default ~/.dlt)")
    parser.add_argument("--out", default="report.html", help="HTML file to write")
    parser.add_argument("--duckdb-path", default=None,
                        help="the DuckDB file, when the pipeline was not run from this directory")
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild the models before writing the report")
    parser.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    def action() -> int:
        import dlt

        from dlt_atlassian.errors import ConfigurationError
        from dlt_atlassian.models import MODEL_NAMES, run_models
        from dlt_atlassian.report import write_report

        kwargs: dict[str, Any] = {}
        if args.duckdb_path:
            kwargs["destination"] = dlt.destinations.duckdb(args.duckdb_path)
        try:
            pipeline = dlt.attach(pipeline_name=args.pipeline_name,
                                  pipelines_dir=args.pipelines_dir, **kwargs)
        except Exception as exc:  # dlt raises several types for "no such pipeline"
            raise ConfigurationError(
                f"No pipeline '{args.pipeline_name}' to report on ({type(exc).__name__}).",
                hint="Run `dlt-atlassian run` first, or pass --pipeline-name/--pipelines-dir.",
            ) from exc
        if args.rebuild or not _has_models(pipeline, MODEL_NAMES):
            run_models(pipeline)
        path = write_report(pipeline, args.out)
        print(f"Report written to {path}")
        return 0

    return guarded(args, action)


def _has_models(pipeline: Any, names: tuple[str, ...]) -> bool:
    with pipeline.sql_client() as client:
        schema = client.fully_qualified_dataset_name(quote=False).rsplit(".", 1)[-1]
        rows = client.execute_sql("SELECT table_name FROM information_schema.tables "
                                  f"WHERE table_schema = '{schema}'") or []
    return bool({str(r[0]) for r in rows} & set(names))
