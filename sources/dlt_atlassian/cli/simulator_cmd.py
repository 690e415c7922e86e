"""``dlt-atlassian simulator``: run the Atlassian Cloud simulator on a local port."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.presets import PRESETS, scaled


def register(subparsers: Any) -> None:
    """Add the ``simulator`` sub-command."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "simulator", help="run the Jira/Confluence Cloud simulator locally",
        description="Serve a simulated Atlassian Cloud site, API gateway and OAuth server "
                    "on one loopback port (Ctrl-C to stop).",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback)")
    p.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")
    p.add_argument("--seed", type=int, default=42, help="data seed (same seed, same data)")
    p.add_argument("--scale", default="default",
                   help=f"data size: a multiplier or one of {', '.join(PRESETS)}")
    p.add_argument("--latency-ms", type=float, default=0.0, help="fixed delay per request")
    p.add_argument("--jitter-ms", type=float, default=0.0, help="random extra delay")
    p.add_argument("--rate-limit", type=float, default=None, metavar="PER_SECOND",
                   help="enable the per-endpoint burst limit at this refill rate")
    p.add_argument("--burst", type=float, default=None, help="burst bucket capacity")
    p.add_argument("--hourly-points", type=int, default=None,
                   help="enable the hourly points quota (OAuth traffic)")
    p.add_argument("--retry-after-mode", choices=["seconds", "zero", "absent", "mixed"],
                   default="seconds", help="how 429s say when to retry")
    p.add_argument("--fault-rate", type=float, default=0.0,
                   help="probability of a 5xx on each product request")
    p.add_argument("--storm-rate", type=float, default=0.0,
                   help="probability of a spurious 429 on each product request")
    p.add_argument("--reset-rate", type=float, default=0.0,
                   help="probability of a connection reset on each product request")
    p.add_argument("--site-url", default=None, help="site URL to report (default: own URL)")
    p.add_argument("--log-level", default="info", help="uvicorn log level")
    p.set_defaults(func=run)


def build_config(args: argparse.Namespace) -> SimulatorConfig:
    """Turn the command-line flags into a :class:`SimulatorConfig`."""
    config = SimulatorConfig()
    config.data = scaled(replace(config.data, seed=args.seed), args.scale)
    config.latency = replace(config.latency, fixed_ms=args.latency_ms, jitter_ms=args.jitter_ms)
    rl = config.rate_limit
    if args.rate_limit is not None or args.hourly_points is not None:
        rate = args.rate_limit if args.rate_limit is not None else rl.burst_per_second
        config.rate_limit = replace(
            rl, enabled=True, burst_per_second=rate,
            burst_capacity=args.burst if args.burst is not None else max(rate, 1.0),
            hourly_points=args.hourly_points, retry_after_mode=args.retry_after_mode)
    config.faults = replace(config.faults, server_error_rate=args.fault_rate,
                            rate_limit_storm_rate=args.storm_rate,
                            connection_reset_rate=args.reset_rate)
    config.site_url = args.site_url
    return config


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C."""
    from dlt_atlassian.simulator.server import serve_forever
    from dlt_atlassian.simulator.state import Simulator

    try:
        config = build_config(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sim = Simulator(config)

    def ready(port: int) -> None:
        base = f"http://{args.host}:{port}"
        sim.base_url = base
        client_id, client_secret = next(iter(config.oauth.clients.items()))
        email, token = next(iter(config.accounts.api_tokens.items()))
        # Demo credentials only: they exist in this local simulator and nowhere else.
        print(f"Atlassian simulator on {base}  (Ctrl-C to stop)")
        print(f"  site URL ........ {sim.site_url}")
        print(f"  cloud id ........ {sim.cloud_id}")
        print(f"  gateway ......... {base}/ex/jira/{sim.cloud_id}  |  "
              f"{base}/ex/confluence/{sim.cloud_id}")
        print(f"  auth server ..... {base}/authorize, {base}/oauth/token")
        print(f"  basic auth ...... {email} / {token}")
        print(f"  OAuth client .... {client_id} / {client_secret}")
        print(f"  control API ..... {base}/_sim/info")
        sys.stdout.flush()

    try:
        serve_forever(sim, args.host, args.port, log_level=args.log_level, ready=ready)
    except KeyboardInterrupt:  # pragma: no cover - uvicorn handles SIGINT itself
        pass
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0
