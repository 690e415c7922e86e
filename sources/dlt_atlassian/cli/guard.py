"""Turn any failure of a command into one readable line, a hint, and a meaningful exit code.

The traceback is shown only with ``--debug``. Exit codes:
0 success, 1 run failed (API, network, destination), 2 bad input or configuration,
3 authentication or permission, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Iterator

from dlt_atlassian import errors
from dlt_atlassian.redact import redact

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_AUTH = 3
EXIT_INTERRUPTED = 130

_TOML_ERRORS = {"TomlDecodeError", "TOMLKitError", "ParseError", "TOMLDecodeError"}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then whatever it wraps (dlt wraps step failures several levels deep)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for attr in ("exception", "__cause__", "__context__"):
            inner = getattr(current, attr, None)
            if isinstance(inner, BaseException):
                todo.append(inner)


def classify(exc: BaseException) -> tuple[int, str, str]:
    """Return ``(exit code, one-line message, hint)`` for a failure.

    The message is taken from the innermost error we raised on purpose when there is one,
    because dlt's wrappers repeat the whole pipeline context around it.
    """
    chain = list(_chain(exc))
    ours = next((e for e in chain if isinstance(e, errors.AtlassianError)), None)
    if ours is not None:
        if isinstance(ours, errors.ConfigurationError | errors.BadRequestError
                      | errors.NotFoundError | errors.GoneError):
            code = EXIT_BAD_INPUT
        elif isinstance(ours, errors.AuthError | errors.UnauthorizedError
                        | errors.PermissionDeniedError):
            code = EXIT_AUTH
        else:
            code = EXIT_FAILED
        return code, ours.message, ours.hint
    # Class names along each exception's MRO: parser errors subclass the ones we name.
    names = {cls.__name__ for e in chain for cls in type(e).__mro__}
    first_line = redact(str(chain[-1]).strip().splitlines()[0] if str(chain[-1]).strip() else "")
    toml = next((e for e in chain if {c.__name__ for c in type(e).__mro__} & _TOML_ERRORS), None)
    if toml is not None:
        return (EXIT_BAD_INPUT,
                f"A TOML config file cannot be read: {redact(str(toml).splitlines()[0])}",
                "Fix the syntax of .dlt/secrets.toml or .dlt/config.toml "
                "(see .dlt/example.secrets.toml).")
    if "UnknownDestinationModule" in names:
        bad = next(e for e in chain if type(e).__name__ == "UnknownDestinationModule")
        name = getattr(bad, "destination_module", None) or first_line
        return (EXIT_BAD_INPUT, f"Unknown destination: {name}",
                "Use a dlt destination name such as duckdb, postgres, snowflake, bigquery, "
                "motherduck or filesystem, and install its extra (pip install \"dlt[NAME]\").")
    if names & {"ConfigFieldMissingException", "ConfigValueCannotBeCoercedException",
                "InvalidNativeValue"}:
        missing = next((e for e in chain if type(e).__name__ == "ConfigFieldMissingException"),
                       None)
        message = redact(str(missing or chain[0]).strip().splitlines()[0])
        return (EXIT_BAD_INPUT, f"Configuration problem: {message}",
                "Check .dlt/config.toml and .dlt/secrets.toml (see .dlt/example.secrets.toml).")
    if names & {"DestinationTerminalException", "DestinationTransientException",
                "DestinationConnectionError", "OperationalError", "DestinationUndefinedEntity"}:
        return (EXIT_FAILED, f"The destination failed: {first_line}",
                "Check the destination's credentials and that it is reachable; "
                "what was loaded before is untouched.")
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "Interrupted.", "Run again: loads resume from the last state."
    return (EXIT_FAILED, f"{type(chain[-1]).__name__}: {first_line}",
            "Run again with --debug for the traceback.")


def guarded(args: argparse.Namespace, action: Callable[[], int]) -> int:
    """Run ``action``; on failure print one line and a hint to stderr and return the code."""
    try:
        return int(action())
    except (Exception, KeyboardInterrupt) as exc:  # the top level: everything is reported
        code, message, hint = classify(exc)
        if getattr(args, "debug", False):
            print(redact("".join(traceback.format_exception(exc))), file=sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        if hint:
            print(f"hint: {hint}", file=sys.stderr)
        return code
