"""A small pipeline in its own process, for the crash tests: killed with SIGKILL at any point.

Usage (the child): python crash_worker.py PIPELINES_DIR DUCKDB_FILE steps|runner|resume|repeat [N]
Credentials come from ``SOURCES__ATLASSIAN__CREDENTIALS__*`` environment variables (Basic or
OAuth with a file token store), exactly as a user's deployment provides them. The run goes
step by step (extract, normalize, load) and prints a marker line before each step, so the test
can aim its kill at one step: ``step extract``, ``step normalize``, ``step load``, ``done``.
``runner`` is what ``dlt-atlassian run`` does (``dlt_atlassian.runner.run``); ``resume`` first
finishes any package a killed run left behind, then runs the source. ``repeat N`` runs the
source again and again, each run on a new connection (a new scheduled run), until the shared
token store has rotated N times (at most 30 runs). The tests start and kill it through
:class:`Worker`.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import dlt

from dlt_atlassian import atlassian_source
from reliability_fixtures import CONFLUENCE_TABLES, JIRA_TABLES, PYTHON  # tests/ on PYTHONPATH

WORKER = Path(__file__)


class Worker:
    """One child pipeline process; its stdout lines are read on a thread."""

    def __init__(self, env: dict[str, str], tmp_path: Path, mode: str, *extra: str) -> None:
        self.stderr_path = tmp_path / f"stderr-{time.monotonic_ns()}.txt"
        self._stderr = self.stderr_path.open("w")
        self.proc = subprocess.Popen(
            [PYTHON, str(WORKER), str(tmp_path / "pipelines"), str(tmp_path / "crash.duckdb"),
             mode, *extra], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=self._stderr,
            text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def wait_for(self, marker: str, timeout: float = 60.0) -> bool:
        """Block until the child prints ``marker``; False if it ended first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                return False
            if line == marker:
                return True
        raise TimeoutError(f"the worker never printed {marker!r}")

    def kill(self) -> int:
        self.proc.kill()
        return self.finish()

    def finish(self, timeout: float = 120.0) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # never leave a stuck child behind
            self.proc.wait()
            raise
        finally:
            self._stderr.close()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()


def mark(step: str) -> None:
    print(f"step {step}", flush=True)


def run_like_the_cli(pipelines_dir: str, database: str) -> int:
    from dlt_atlassian.runner import RunOptions, run

    options = RunOptions(
        resources=[*JIRA_TABLES, *CONFLUENCE_TABLES], destination="duckdb",
        destination_credentials=database, dataset_name="atlassian", pipeline_name="crash",
        pipelines_dir=pipelines_dir, progress="none", build_models=False,
        source_options={"reconcile_deletes": "always", "max_connections": 4},
    )
    _, info = run(options)
    mark("done")
    return 1 if info.has_failed_jobs else 0


def repeat_until_rotated(pipeline: dlt.Pipeline, generations: int) -> int:
    import os

    from dlt_atlassian.auth import FileTokenStore

    store = FileTokenStore(os.environ["SOURCES__ATLASSIAN__CREDENTIALS__TOKEN_STORE"])
    for _ in range(30):
        pipeline.run(atlassian_source(reconcile_deletes="always", max_connections=4)
                     .with_resources(*JIRA_TABLES, *CONFLUENCE_TABLES))
        mark("run")
        tokens = store.load()
        if tokens is not None and tokens.generation >= generations:
            break
    mark("done")
    return 0


def main() -> int:
    pipelines_dir, database = sys.argv[1], sys.argv[2]
    pipeline = dlt.pipeline(
        pipeline_name="crash", destination=dlt.destinations.duckdb(database),
        pipelines_dir=pipelines_dir, dataset_name="atlassian",
    )
    source = atlassian_source(reconcile_deletes="always", max_connections=4,
                              confluence_options={"parallelism": 2},
                              jira_options={"parallelism": 2})
    source = source.with_resources(*JIRA_TABLES, *CONFLUENCE_TABLES)
    mode = sys.argv[3]
    if mode == "runner":
        return run_like_the_cli(pipelines_dir, database)
    if mode == "repeat":
        return repeat_until_rotated(pipeline, int(sys.argv[4]))
    if mode == "resume":
        if pipeline.list_extracted_load_packages():
            pipeline.normalize()
        if pipeline.list_normalized_load_packages():
            pipeline.load()
        info = pipeline.run(source)
        mark("done")
        return 1 if info.has_failed_jobs else 0
    mark("extract")
    pipeline.extract(source)
    mark("normalize")
    pipeline.normalize()
    mark("load")
    info = pipeline.load()
    mark("done")
    return 1 if info.has_failed_jobs else 0


if __name__ == "__main__":
    sys.exit(main())
