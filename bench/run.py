"""The benchmark: ``python bench/run.py --scale 1 [--scales 1,2,5] [--out bench/results]``.

Per scale: start the simulator (this process, realistic latency and burst limit) on the fixed
dataset, compute the API floor from its truth, run a full load into DuckDB in a child process
(``bench/worker.py``, RSS sampled from here), change 1% of the data, advance the clock, run the
incremental load, and report times, requests by endpoint, rows, peak RSS, ratios to the floor
and which targets are met. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import shutil
import subprocess
import sys
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/, not the repo, on the path
    sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402
from bench.dataset import config_at, mean_latency_s  # noqa: E402
from bench.floor import Network, combine, confluence_needs, finish, jira_needs  # noqa: E402
from bench.measure import diff_counts, run_child  # noqa: E402
from bench.mutate import change_one_percent  # noqa: E402
from bench.profile import hotspots  # noqa: E402
from bench.shape import caps_of, confluence_shape, jira_shape, summary  # noqa: E402

PRODUCTS = ("jira", "confluence")
CLOCK_STEP_S = 3600.0  # the incremental run happens an hour after the full load


def available_products(wanted: list[str]) -> tuple[list[str], list[str]]:
    """Products whose dlt source can be imported (and why the others cannot)."""
    ok, missing = [], []
    for product in wanted:
        name = f"dlt_atlassian.{product}"
        try:
            module = importlib.import_module(name) if importlib.util.find_spec(name) else None
        except Exception as exc:
            missing.append(f"{product}: import failed ({type(exc).__name__}: {exc})")
            continue
        if module is None or not hasattr(module, f"{product}_source"):
            missing.append(f"{product}: {name}.{product}_source not found")
        else:
            ok.append(product)
    return ok, missing


def floors(sim: Any, products: list[str], net: Network, *, changes: Any = None) -> dict[str, Any]:
    """Floors per product and combined; of the whole site, or of ``changes`` since a run."""
    caps = caps_of(sim)
    out: dict[str, Any] = {}
    if "jira" in products:
        if changes is None:
            shape = jira_shape(sim)
        else:
            shape = jira_shape(sim, changes.jira_changed_ids, id_scan=True,
                               worklogs=changes.jira_worklogs_added, open_sprints_only=True)
        out["jira"] = finish(jira_needs(shape, caps), net)
        out["jira_shape"] = shape
    if "confluence" in products:
        if changes is None:
            cshape = confluence_shape(sim)
        else:
            cshape = confluence_shape(sim, changes.confluence_changed_ids,
                                      comments_changed=changes.confluence_comments_added,
                                      attachments_changed=0,
                                      status_only=changes.confluence_status_only)
        out["confluence"] = finish(confluence_needs(cshape, caps), net)
        out["confluence_shape"] = cshape
    out["combined"] = combine(out[p] for p in products)
    return out


def source_args(sim: Any, opts: argparse.Namespace) -> str:
    """``--source-args`` with ``"projects": "all"`` resolved to every Jira project key."""
    args = json.loads(opts.source_args)
    if args.get("jira", {}).get("projects") == "all":
        args["jira"]["projects"] = [p["key"] for p in sim.jira.projects()]
    return json.dumps(args)


def measure_run(sim: Any, name: str, products: list[str], fl: dict[str, Any], work: Path,
                base_url: str, opts: argparse.Namespace, profile: bool) -> dict[str, Any]:
    """Run one worker against ``sim`` and gather everything about it."""
    sim.reset_counters()
    if hasattr(sim.requests, "_entries"):  # keep every request of the run for the timeline
        sim.requests._entries = deque(maxlen=1_000_000)
    result_path = work / f"{name}.json"
    argv = [sys.executable, "-m", "bench.worker", "--base-url", base_url,
            "--pipelines-dir", str(work / "pipelines"), "--db", str(work / "bench.duckdb"),
            "--products", ",".join(products), "--source-args", source_args(sim, opts),
            "--result", str(result_path), "--loader-file-format", opts.loader_file_format,
            "--mode", opts.mode]
    prof_path = work / f"{name}.pyspy.txt" if profile else None
    print(f"  {name}: running {', '.join(products)} ...", flush=True)
    child = run_child(argv, result_path, timeout=opts.timeout, cwd=ROOT, profile_out=prof_path,
                      max_rss_mb=opts.max_rss_mb)
    counts = diff_counts(sim.request_counts(), {})
    entries = sim.requests.entries()
    lines = report.timeline(entries, top=1000)
    mean_ms = {r["endpoint"]: r["mean_ms"] for r in lines}
    statuses = {str(k): v for k, v in sim.requests.statuses().items()}
    products_out = child.result.get("products", {})
    for product, p in products_out.items():
        p["peak_rss_mb"] = child.phase_peaks_mb.get(product)
        for step in ("extract", "normalize", "load"):
            peak = child.phase_peaks_mb.get(f"{product}.{step}")
            if peak is not None and step in p.get("steps", {}):
                p["steps"][step]["peak_rss_mb"] = peak
    load_s = round(sum(p.get("wall_s", 0) for p in products_out.values()), 2)
    total = sum(counts.values())
    combined = fl["combined"]
    run: dict[str, Any] = {
        "returncode": child.returncode, "process_wall_s": child.wall_s, "load_s": load_s,
        "peak_rss_mb": child.peak_rss_mb, "rss_curve_mb": child.rss_curve,
        "cpu_s": {"pipeline": child.cpu_s, "simulator": child.harness_cpu_s,
                  "load_avg": [round(x, 2) for x in __import__("os").getloadavg()]},
        "requests": {"total": total, "by_endpoint": counts, "statuses": statuses},
        "floor": report.floor_json(combined),
        "floor_by_product": {p: report.floor_json(fl[p]) for p in products},
        "ratio_time": report.ratio(load_s, combined.time_s),
        "ratio_requests": report.ratio(total, combined.requests),
        "floor_latency_bound_observed_s": round(
            report.observed_latency_bound(combined, mean_ms), 2),
        "timeline": lines[:16],
        "products": products_out,
        "rows_processed": {f"{p}.{t}": n for p, r in products_out.items()
                           for t, n in r.get("rows_processed", {}).items()},
        "excess_requests": report.excess_by_endpoint(counts, combined.by_endpoint),
    }
    run["diagnosis"] = report.diagnose(run)
    if child.killed_over_mb is not None:
        run["killed"] = f"killed: RSS went over {child.killed_over_mb:g} MB (--max-rss-mb)"
        run["diagnosis"].insert(0, run["killed"])
    if child.returncode != 0:
        run["stderr_tail"] = child.stderr_tail
    if prof_path is not None and prof_path.exists():
        run["profile"] = hotspots(prof_path.read_text(encoding="utf-8", errors="replace"))
    print(f"  {name}: {load_s} s (floor {combined.time_s:.1f} s), {total} requests "
          f"(min {combined.requests}), peak RSS {child.peak_rss_mb} MB, rc={child.returncode}",
          flush=True)
    return run


def run_scale(scale: float, opts: argparse.Namespace, work_root: Path) -> dict[str, Any]:
    """Full + incremental at one scale."""
    from dlt_atlassian.simulator.server import SimulatorServer

    products, missing = available_products(opts.products)
    out: dict[str, Any] = {"scale": scale, "products": products, "unavailable": missing}
    config = config_at(scale, opts.seed, latency=not opts.no_latency,
                       rate_limit=not opts.no_rate_limit)
    net = Network(latency_s=mean_latency_s(config),
                  rate_per_s=config.rate_limit.burst_per_second if config.rate_limit.enabled
                  else float("inf"),
                  burst=config.rate_limit.burst_capacity)
    work = work_root / f"x{scale:g}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"scale {scale:g}x: generating the simulated site ...", flush=True)
    started = time.time()
    server = SimulatorServer(config).start()
    out["sim_start_s"] = round(time.time() - started, 1)
    try:
        sim = server.sim
        products = [p for p in products if getattr(sim, p, None) is not None]
        if not products:
            out["error"] = "no product has both a simulator and a source: " + "; ".join(missing)
            return out
        fl = floors(sim, products, net)
        out["dataset"] = summary(fl.get("jira_shape"), fl.get("confluence_shape"))
        print(f"  dataset: {out['dataset']}", flush=True)
        out["full"] = measure_run(sim, "full", products, fl, work, server.base_url, opts,
                                  opts.profile)
        sim.advance_clock(CLOCK_STEP_S)
        changes = change_one_percent(sim, products, opts.seed + 1)
        sim.advance_clock(60)
        out["changes"] = changes.counts
        inc_fl = floors(sim, products, net, changes=changes)
        out["incremental"] = measure_run(sim, "incremental", products, inc_fl, work,
                                         server.base_url, opts, False)
        out["profile"] = out["full"].pop("profile", None)
    finally:
        server.stop()
    out["targets"] = report.verdicts(out)
    if not opts.keep:
        shutil.rmtree(work / "pipelines", ignore_errors=True)
        (work / "bench.duckdb").unlink(missing_ok=True)
    return out


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="one scale (default 1)")
    parser.add_argument("--scales", default=None, help="several scales, e.g. 1,2,5")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--products", default=",".join(PRODUCTS))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", action="store_true",
                        help="sample the full load with py-spy (pip install py-spy)")
    parser.add_argument("--source-args", default="{}",
                        help='JSON per product, e.g. \'{"jira": {"parallelism": 8, '
                        '"projects": "all"}}\' ("all": every project key, searched in parallel)')
    parser.add_argument("--mode", choices=("combined", "separate"), default="combined",
                        help="combined (default): both products in one pipeline through "
                        "dlt_atlassian.runner.run, as `dlt-atlassian run` does; separate: one "
                        "bare pipeline per product, one after the other")
    parser.add_argument("--loader-file-format", default="parquet",
                        help="--mode separate only: dlt loader file format (default parquet, "
                        "as dlt-atlassian run uses for DuckDB; '' for DuckDB's insert_values)")
    parser.add_argument("--max-rss-mb", type=float, default=6000,
                        help="kill a worker whose RSS passes this (protects the machine)")
    parser.add_argument("--timeout", type=float, default=7200, help="per run, seconds")
    parser.add_argument("--no-latency", action="store_true", help="no injected latency")
    parser.add_argument("--no-rate-limit", action="store_true", help="no burst limit")
    parser.add_argument("--keep", action="store_true", help="keep the DuckDB file and pipelines")
    opts = parser.parse_args(argv)
    opts.products = [p for p in opts.products.split(",") if p]
    if opts.loader_file_format == "parquet" and importlib.util.find_spec("pyarrow") is None:
        parser.error("--loader-file-format parquet needs pyarrow: pip install 'dlt[parquet]'")
    scales = [float(s) for s in opts.scales.split(",")] if opts.scales else [opts.scale]

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(opts.out)
    work_root = out_dir / f"{stamp}-work"
    cfg = config_at(1.0)
    result: dict[str, Any] = {"meta": {
        "timestamp": stamp, "commit": _git_commit(), "python": platform.python_version(),
        "cpus": __import__("os").cpu_count(), "argv": sys.argv[1:],
        "conditions": (f"latency {cfg.latency.fixed_ms:g} ms + up to {cfg.latency.jitter_ms:g} "
                       f"ms jitter (mean {mean_latency_s(cfg) * 1000:g} ms); burst limit "
                       f"{cfg.rate_limit.burst_per_second:g}/s per endpoint, bucket "
                       f"{cfg.rate_limit.burst_capacity:g}; default page caps"
                       + (f"; {opts.mode} mode"
                          + ("" if opts.mode == "combined" else
                             f"; loader file format: {opts.loader_file_format or 'insert_values'}"))
                       + ("; NO latency" if opts.no_latency else "")
                       + ("; NO rate limit" if opts.no_rate_limit else "")),
    }, "scales": []}
    for scale in scales:
        started = time.time()
        entry = run_scale(scale, opts, work_root)
        entry["scale_duration_s"] = round(time.time() - started, 1)
        result["scales"].append(entry)
        js, md = report.write(result, out_dir, stamp)  # after every scale: partial results
    print(f"wrote {js} and {md} (worker logs in {work_root})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
