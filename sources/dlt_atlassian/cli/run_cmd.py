"""``dlt-atlassian run`` (load the configured site) and ``dlt-atlassian demo`` (the simulator)."""

from __future__ import annotations

import argparse
from typing import Any

from dlt_atlassian.cli.guard import guarded


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def register(subparsers: Any) -> None:
    """Add ``run`` and ``demo`` to the CLI."""
    run = subparsers.add_parser(
        "run",
        help="load Jira and/or Confluence into a dlt destination",
        description="Load the site configured in [sources.atlassian] (.dlt/secrets.toml or "
        "environment variables) into a dlt destination. Incremental: each run loads what "
        "changed since the last one.",
    )
    run.add_argument("--products", type=_csv, default=["jira", "confluence"],
                     help="comma-separated: jira,confluence (default: both)")
    run.add_argument("--projects", type=_csv, default=None,
                     help="Jira project keys, comma-separated (default: all)")
    run.add_argument("--spaces", type=_csv, default=None,
                     help="Confluence space keys, comma-separated (default: all)")
    run.add_argument("--resources", type=_csv, default=None,
                     help="only these tables/resources, comma-separated (default: all)")
    run.add_argument("--start-date", default=None,
                     help="first run only loads what changed on or after this date (YYYY-MM-DD)")
    run.add_argument("--destination", default="duckdb",
                     help="any dlt destination name: duckdb, postgres, snowflake, bigquery, "
                     "motherduck, ... (credentials in [destination.<name>.credentials])")
    run.add_argument("--dataset", default="atlassian", help="dataset / schema name")
    run.add_argument("--pipeline-name", default="atlassian_pipeline", help="dlt pipeline name")
    run.add_argument("--pipelines-dir", default=None, help="dlt working dir (default ~/.dlt)")
    run.add_argument("--full-refresh", action="store_true",
                     help="drop the tables and state of this source and load everything again")
    run.add_argument("--progress", choices=["log", "tqdm", "enlighten", "alive_progress", "none"],
                     default="log", help="progress display (default: a log line every 10 s)")
    run.add_argument("--no-models", action="store_true",
                     help="do not build the analyst models after the load")
    run.set_defaults(func=_run)

    demo = subparsers.add_parser(
        "demo",
        help="load a simulated Jira + Confluence site into DuckDB, twice",
        description="Start the built-in Atlassian Cloud simulator, load it into a DuckDB file "
        "over OAuth 2.0, change some data, load again incrementally, and show what landed.",
    )
    demo.add_argument("--scale", default="small",
                      help="simulated site size: tiny, small, default, large or a factor")
    demo.add_argument("--workdir", default=".work/demo", help="where the demo keeps its files")
    demo.add_argument("--duckdb", default="atlassian_demo.duckdb", help="the DuckDB file")
    demo.add_argument("--report", default="atlassian_report.html",
                      help="where to write the HTML report (if the report module is present)")
    demo.set_defaults(func=_demo)


def _run(args: argparse.Namespace) -> int:
    def action() -> int:
        from dlt_atlassian.runner import RunOptions, loaded_row_counts, run

        options = RunOptions(
            products=args.products, projects=args.projects, spaces=args.spaces,
            resources=args.resources, start_date=args.start_date,
            destination=args.destination, dataset_name=args.dataset,
            pipeline_name=args.pipeline_name, pipelines_dir=args.pipelines_dir,
            full_refresh=args.full_refresh, progress=args.progress,
            build_models=not args.no_models,
        )
        pipeline, info = run(options)
        print(f"Loaded into {args.destination} dataset '{args.dataset}' "
              f"(pipeline '{pipeline.pipeline_name}').")
        for table, rows in loaded_row_counts(pipeline).items():
            print(f"  {table:<32} {rows:>9} rows")
        return 0 if not info.has_failed_jobs else 1

    return guarded(args, action)


def _demo(args: argparse.Namespace) -> int:
    def action() -> int:
        from dlt_atlassian.demo import run_demo

        return run_demo(scale=args.scale, workdir=args.workdir, duckdb_path=args.duckdb,
                        report_path=args.report)

    return guarded(args, action)
