"""Turn measured runs into verdicts against the targets, and write the JSON + markdown report."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.floor import Floor

TIME_TARGET = 1.5  # full load within 1.5x of the API floor
INCREMENTAL_TARGET = 0.05  # incremental run under 5% of the full load's time
REQUEST_TARGET = 1.1  # requests within 1.1x of the minimum
RSS_TARGET_MB = 400.0  # at 100,000 issues
RSS_TARGET_ISSUES = 100_000


def floor_json(floor: Floor) -> dict[str, Any]:
    """A floor as JSON-ready data."""
    return {
        "requests": floor.requests, "time_s": round(floor.time_s, 2),
        "rate_bound_s": round(floor.rate_bound_s, 2),
        "latency_bound_s": round(floor.latency_bound_s, 2), "longest_chain": floor.longest_chain,
        "by_endpoint": dict(sorted(floor.by_endpoint.items(), key=lambda kv: -kv[1])),
        "needs": [asdict(n) for n in floor.needs], "network": asdict(floor.network),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    """``a / b`` rounded, None when undefined."""
    return round(a / b, 2) if a is not None and b else None


def excess_by_endpoint(ours: dict[str, int], floor: dict[str, int], top: int = 6
                       ) -> list[tuple[str, int, int]]:
    """Endpoints where we sent the most requests beyond the floor: (endpoint, ours, floor)."""
    rows = [(ep, n, floor.get(ep, 0)) for ep, n in ours.items()]
    rows.sort(key=lambda r: -(r[1] - r[2]))
    return [r for r in rows if r[1] > r[2]][:top]


def timeline(entries: list[Any], top: int = 16) -> list[dict[str, Any]]:
    """Per endpoint: requests, when the first and last ended (s from the run's first request),
    and the mean server time per request (injected latency + handler), from the request log."""
    if not entries:
        return []
    t0 = min(e.at - e.duration_ms / 1000 for e in entries)
    rows: dict[str, dict[str, Any]] = {}
    for e in entries:
        r = rows.setdefault(e.endpoint, {"endpoint": e.endpoint, "requests": 0, "first_s": 1e18,
                                         "last_s": 0.0, "ms": 0.0})
        r["requests"] += 1
        r["first_s"] = min(r["first_s"], e.at - e.duration_ms / 1000 - t0)
        r["last_s"] = max(r["last_s"], e.at - t0)
        r["ms"] += e.duration_ms
    out = []
    for r in rows.values():
        out.append({"endpoint": r["endpoint"], "requests": r["requests"],
                    "first_s": round(r["first_s"], 1), "last_s": round(r["last_s"], 1),
                    "mean_ms": round(r["ms"] / r["requests"], 1)})
    out.sort(key=lambda r: -(r["last_s"] - r["first_s"]))
    return out[:top]


def observed_latency_bound(floor: Floor, mean_ms: dict[str, float]) -> float:
    """The latency bound with each chain at its endpoint's observed mean server time."""
    default = floor.network.latency_s
    return max((n.chain * (mean_ms[n.endpoint] / 1000 if n.endpoint in mean_ms else default)
                for n in floor.needs), default=0.0)


def diagnose(run: dict[str, Any]) -> list[str]:
    """Where the time of a run went: network wait vs dlt normalize vs load, per product."""
    notes = []
    for product, p in run.get("products", {}).items():
        steps = p.get("steps", {})
        ex, no, lo = (steps.get(s, {}).get("seconds") for s in ("extract", "normalize", "load"))
        lim = p.get("limiter", {})
        # The combined run ("atlassian") is judged against the combined floor.
        floor = run.get("floor_by_product", {}).get(product) or run.get("floor", {})
        notes.append(
            f"{product}: run {p.get('wall_s')} s = extract {ex} s (API floor "
            f"{floor.get('time_s')} s) + normalize {no} s + load {lo} s; limiter waited "
            f"{lim.get('waited_seconds')} thread-s, {lim.get('throttled')} x 429, "
            f"{lim.get('retries')} retries, peak {lim.get('peak_in_flight')} in flight")
        jobs = p.get("slowest_load_jobs") or []
        if jobs:
            notes.append(f"{product} slowest load jobs: "
                         + ", ".join(f"{t} {s} s" for t, s in jobs[:5]))
    cpu = run.get("cpu_s", {})
    if cpu:
        wall = run.get("process_wall_s") or 0
        notes.append(f"CPU: pipeline process {cpu.get('pipeline')} s, simulator (harness) "
                     f"{cpu.get('simulator')} s over {wall} s wall on a shared 2-core machine")
    statuses = run.get("requests", {}).get("statuses", {})
    if statuses.get("429"):
        notes.append(f"simulator refused {statuses['429']} requests with 429 (burst limit)")
    return notes


def verdicts(scale: dict[str, Any]) -> dict[str, Any]:
    """Each target: value, target, met (None when not measurable at this scale)."""
    full, inc = scale.get("full", {}), scale.get("incremental", {})
    issues = scale.get("dataset", {}).get("jira_issues", 0)
    out: dict[str, Any] = {
        "full_time_vs_floor": {"value": full.get("ratio_time"), "target": f"<= {TIME_TARGET}"},
        "full_requests_vs_min": {"value": full.get("ratio_requests"),
                                 "target": f"<= {REQUEST_TARGET}"},
        "incremental_time_vs_full": {"value": ratio(inc.get("load_s"), full.get("load_s")),
                                     "target": f"< {INCREMENTAL_TARGET}"},
        "incremental_requests_vs_min": {"value": inc.get("ratio_requests"),
                                        "target": f"<= {REQUEST_TARGET}"},
        "peak_rss_mb": {"value": max(full.get("peak_rss_mb") or 0, inc.get("peak_rss_mb") or 0),
                        "target": f"< {RSS_TARGET_MB:.0f} MB at {RSS_TARGET_ISSUES} issues"},
    }
    limits = {"full_time_vs_floor": TIME_TARGET, "full_requests_vs_min": REQUEST_TARGET,
              "incremental_requests_vs_min": REQUEST_TARGET}
    for key, limit in limits.items():
        v = out[key]["value"]
        out[key]["met"] = None if v is None else v <= limit
    v = out["incremental_time_vs_full"]["value"]
    out["incremental_time_vs_full"]["met"] = None if v is None else v < INCREMENTAL_TARGET
    rss = out["peak_rss_mb"]
    rss["met"] = (rss["value"] < RSS_TARGET_MB) if issues >= RSS_TARGET_ISSUES else None
    if issues and issues < RSS_TARGET_ISSUES:
        rss["note"] = f"measured at {issues} issues; the target applies at {RSS_TARGET_ISSUES}"
    return out


def _mark(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "n/a"}[met]


def markdown(result: dict[str, Any]) -> str:
    """A short markdown summary of a benchmark result."""
    meta = result["meta"]
    lines = [f"# dlt-atlassian benchmark ({meta['timestamp']})", "",
             f"Conditions: {meta['conditions']}", ""]
    lines += ["| scale | issues | pages | run | wall s | floor s | x floor | requests | min | "
              "x min | peak RSS MB |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in result["scales"]:
        d = s.get("dataset", {})
        for name in ("full", "incremental"):
            r = s.get(name) or {}
            if not r:
                continue
            lines.append(
                f"| {s['scale']}x | {d.get('jira_issues')} | {d.get('confluence_pages')} | {name} "
                f"| {r.get('load_s')} | {r.get('floor', {}).get('time_s')} | {r.get('ratio_time')} "
                f"| {r.get('requests', {}).get('total')} | {r.get('floor', {}).get('requests')} "
                f"| {r.get('ratio_requests')} | {r.get('peak_rss_mb')} |")
    for s in result["scales"]:
        lines += ["", f"## {s['scale']}x", ""]
        if s.get("error"):
            lines.append(f"Error: {s['error']}")
        lines.append("| target | value | verdict |")
        lines.append("|---|---|---|")
        for key, v in s.get("targets", {}).items():
            note = f" ({v['note']})" if v.get("note") else ""
            lines.append(f"| {key} {v['target']} | {v['value']} | {_mark(v.get('met'))}{note} |")
        for name in ("full", "incremental"):
            r = s.get(name) or {}
            if not r:
                continue
            lines += ["", f"**{name}**: process wall {r.get('process_wall_s')} s; floor latency "
                      f"bound at the simulator's observed server times: "
                      f"{r.get('floor_latency_bound_observed_s')} s", ""]
            lines += [f"- {n}" for n in r.get("diagnosis", [])]
            lines += ["", "| endpoint | ours | floor |", "|---|---|---|"]
            floor_eps = r.get("floor", {}).get("by_endpoint", {})
            for ep, n in list(r.get("requests", {}).get("by_endpoint", {}).items())[:14]:
                lines.append(f"| `{ep}` | {n} | {floor_eps.get(ep, '-')} |")
            if r.get("timeline"):
                lines += ["", "| endpoint (longest spans) | requests | first s | last s | "
                          "mean ms |", "|---|---|---|---|---|"]
                lines += [f"| `{t['endpoint']}` | {t['requests']} | {t['first_s']} | "
                          f"{t['last_s']} | {t['mean_ms']} |" for t in r["timeline"][:10]]
            rows = r.get("rows_processed", {})
            if rows:
                lines += ["", "Rows: " + ", ".join(f"{t} {n}" for t, n in rows.items())]
        prof = s.get("profile")
        if prof and prof.get("samples"):
            lines += ["", f"Profile ({prof['samples']} samples, full load):", "",
                      "| our code (inclusive) | % |", "|---|---|"]
            lines += [f"| `{k}` | {v} |" for k, v in prof["ours_inclusive"][:10]]
            lines += ["", "| function (self) | % |", "|---|---|"]
            lines += [f"| `{k}` | {v} |" for k, v in prof["self"][:10]]
            lines += ["", "| by package (self) | % |", "|---|---|"]
            lines += [f"| {k} | {v} |" for k, v in prof["by_package"][:8]]
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], out_dir: Path, stamp: str) -> tuple[Path, Path]:
    """Write ``<stamp>.json`` and ``<stamp>.md`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    js, md = out_dir / f"{stamp}.json", out_dir / f"{stamp}.md"
    js.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    md.write_text(markdown(result), encoding="utf-8")
    return js, md
