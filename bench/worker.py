"""One benchmark pipeline run, in its own process: ``python -m bench.worker --base-url ...``.

Loads the selected products from the simulator into DuckDB and writes a JSON result: per run the
wall time, dlt's extract/normalize/load step times, rows per table, the HTTP limiter's stats,
and the process's own peak RSS (``VmHWM``). ``--mode combined`` (default) loads through
:func:`dlt_atlassian.runner.run`, exactly as ``dlt-atlassian run`` does (both products in one
pipeline, one connection, the runner's loader format and memory settings); ``--mode separate``
runs one bare dlt pipeline per product, one after the other (to isolate a product).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

# Credentials of the simulator's demo account: they exist in the local simulator only.
SIM_EMAIL = "admin@example.com"
SIM_TOKEN = "sim-api-token"  # the simulator's built-in demo token, not a secret

_LIMITERS: list[Any] = []


def _track_limiters() -> None:
    """Keep every ``RateLimiter`` the sources create, to read its stats after the run."""
    from dlt_atlassian.http import limiter

    original = limiter.RateLimiter.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _LIMITERS.append(self)

    limiter.RateLimiter.__init__ = init  # type: ignore[method-assign]


def _limiter_stats() -> dict[str, Any]:
    stats = [asdict(lim.stats()) for lim in _LIMITERS]
    _LIMITERS.clear()
    if not stats:
        return {}
    total: dict[str, Any] = {"limiters": len(stats)}
    for key in ("requests", "retries", "throttled", "near_limit", "pauses", "waited_seconds"):
        total[key] = round(sum(s[key] for s in stats), 3)
    total["peak_in_flight"] = max(s["peak_in_flight"] for s in stats)
    total["final_rate"] = [s["rate"] for s in stats]
    total["final_concurrency"] = [s["concurrency_limit"] for s in stats]
    return total


def vmhwm_mb() -> float:
    """This process's peak RSS so far."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _epoch(value: Any) -> float | None:
    return value.timestamp() if hasattr(value, "timestamp") else None


def _steps(trace: Any) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for step in getattr(trace, "steps", []) or []:
        start, end = _epoch(step.started_at), _epoch(step.finished_at)
        out[step.step] = {"started_at": start, "finished_at": end,
                          "seconds": round(end - start, 3) if start and end else None}
    return out


def _load_jobs(trace: Any, top: int = 8) -> list[tuple[str, float]]:
    """The slowest load jobs (table, seconds): what the load step spent its time on."""
    info = getattr(trace, "last_load_info", None) if trace else None
    jobs: list[tuple[str, float]] = []
    for per_package in (getattr(info, "metrics", None) or {}).values():
        for metrics in per_package:
            for job in (metrics.get("job_metrics") or {}).values():
                start, end = _epoch(job.started_at), _epoch(job.finished_at)
                if start and end:
                    jobs.append((job.table_name, round(end - start, 3)))
    return sorted(jobs, key=lambda j: -j[1])[:top]


def _table_counts(pipeline: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    schema = pipeline.default_schema
    with pipeline.sql_client() as client:
        for table in schema.data_table_names():
            try:
                rows = client.execute_sql(
                    f"SELECT count(*) FROM {client.make_qualified_table_name(table)}")
            except Exception:  # a table declared but never created
                continue
            counts[table] = int(rows[0][0]) if rows else 0
    return dict(sorted(counts.items()))


def _source(product: str, args: dict[str, Any]) -> Any:
    if product == "jira":
        from dlt_atlassian.jira import jira_source

        return jira_source(**args)
    from dlt_atlassian.confluence import confluence_source

    return confluence_source(**args)


def _run_options(products: list[str], opts: argparse.Namespace) -> Any:
    """``RunOptions`` for the combined run: ``--source-args`` mapped onto the runner's options."""
    from dlt_atlassian.runner import RunOptions

    args = json.loads(opts.source_args)
    jira = dict(args.get("jira", {}))
    confluence = dict(args.get("confluence", {}))
    source_options: dict[str, Any] = {}
    if len(products) == 1:  # the runner builds jira_source / confluence_source directly
        source_options = jira if products == ["jira"] else confluence
        projects, spaces = source_options.pop("projects", None), source_options.pop("spaces", None)
    else:
        projects, spaces = jira.pop("projects", None), confluence.pop("spaces", None)
        source_options = {"jira_options": jira, "confluence_options": confluence}
    return RunOptions(
        products=products, projects=projects, spaces=spaces, destination="duckdb",
        destination_credentials=opts.db, dataset_name="atlassian",
        pipeline_name="bench_atlassian", pipelines_dir=opts.pipelines_dir, progress="none",
        build_models=False, source_options=source_options,
    )


def run_combined(products: list[str], opts: argparse.Namespace) -> dict[str, Any]:
    """Load ``products`` through ``runner.run`` (what the CLI does); return the measurements."""
    from dlt_atlassian import runner

    options = _run_options(products, opts)
    pipeline = runner.build_pipeline(options)
    started = time.time()
    out: dict[str, Any] = {"started_at": started}
    try:
        pipeline, _ = runner.run(options)
        out["ok"] = True
    except Exception as exc:
        out["ok"] = False
        out["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        out["traceback"] = traceback.format_exc()[-4000:]
    out["finished_at"] = time.time()
    out["wall_s"] = round(out["finished_at"] - started, 3)
    out["loader_file_format"] = str(runner.loader_file_format(pipeline))
    return _measure(pipeline, out)


def run_product(product: str, opts: argparse.Namespace) -> dict[str, Any]:
    """Load one product in a bare dlt pipeline of its own; return its measurements."""
    import dlt

    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{product}", pipelines_dir=opts.pipelines_dir,
        destination=dlt.destinations.duckdb(opts.db), dataset_name=product, progress=None,
    )
    source_args = json.loads(opts.source_args).get(product, {})
    started = time.time()
    out: dict[str, Any] = {"started_at": started}
    try:
        pipeline.run(_source(product, source_args),
                     loader_file_format=opts.loader_file_format or None)
        out["ok"] = True
    except Exception as exc:  # reported, not raised: the other product still runs
        out["ok"] = False
        out["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        out["traceback"] = traceback.format_exc()[-4000:]
    out["finished_at"] = time.time()
    out["wall_s"] = round(out["finished_at"] - started, 3)
    return _measure(pipeline, out)


def _measure(pipeline: Any, out: dict[str, Any]) -> dict[str, Any]:
    """Add the trace's step times, rows, limiter stats and table counts to ``out``."""
    trace = pipeline.last_trace
    out["steps"] = _steps(trace) if trace else {}
    norm = getattr(trace, "last_normalize_info", None) if trace else None
    out["rows_processed"] = dict(sorted((getattr(norm, "row_counts", None) or {}).items()))
    out["limiter"] = _limiter_stats()
    try:
        out["slowest_load_jobs"] = _load_jobs(trace)
    except Exception as exc:  # metrics layout differs between dlt versions
        out["slowest_load_jobs"] = [(f"unavailable: {exc}"[:200], 0.0)]
    try:
        out["rows_in_destination"] = _table_counts(pipeline)
    except Exception as exc:
        out["rows_in_destination"] = {"error": str(exc)[:300]}
    out["vmhwm_mb_after"] = vmhwm_mb()
    return out


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--pipelines-dir", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--products", default="jira,confluence")
    parser.add_argument("--source-args", default="{}", help="JSON: {product: {kwarg: value}}")
    parser.add_argument("--result", required=True)
    parser.add_argument("--loader-file-format", default="",
                        help="dlt loader file format, --mode separate only (default: the "
                        "destination's preference)")
    parser.add_argument("--mode", choices=("combined", "separate"), default="combined")
    opts = parser.parse_args()

    os.environ.setdefault("SOURCES__ATLASSIAN__CREDENTIALS__SITE_URL", opts.base_url)
    os.environ.setdefault("SOURCES__ATLASSIAN__CREDENTIALS__EMAIL", SIM_EMAIL)
    os.environ.setdefault("SOURCES__ATLASSIAN__CREDENTIALS__API_TOKEN", SIM_TOKEN)
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    _track_limiters()

    result: dict[str, Any] = {"phases": {}, "products": {}}
    products = [p for p in opts.products.split(",") if p]
    runs = ([("atlassian", lambda: run_combined(products, opts))] if opts.mode == "combined"
            else [(p, lambda p=p: run_product(p, opts)) for p in products])  # type: ignore[misc]
    for product, run in runs:
        measured = run()
        result["products"][product] = measured
        result["phases"][product] = {"started_at": measured["started_at"],
                                     "finished_at": measured["finished_at"]}
        for step, times in measured["steps"].items():
            result["phases"][f"{product}.{step}"] = times
    result["vmhwm_mb"] = vmhwm_mb()
    Path(opts.result).write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return 0 if all(p["ok"] for p in result["products"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
