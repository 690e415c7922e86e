"""The ``dlt-atlassian`` command line: one sub-command module each, registered here."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module exposes ``register(subparsers)``; a sub-command sets ``func(args) -> int``.
_COMMAND_MODULES = [
    "dlt_atlassian.cli.simulator_cmd",
    "dlt_atlassian.cli.auth_cmd",
    "dlt_atlassian.cli.run_cmd",
    "dlt_atlassian.cli.report_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="dlt-atlassian",
        description="Load Atlassian Jira Cloud and Confluence Cloud with dlt.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
