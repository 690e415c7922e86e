"""The CLI and the pipeline scripts, run as a user runs them: subprocesses against the simulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dlt_atlassian.cli.main import build_parser
from dlt_atlassian.simulator.server import SimulatorServer

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "dlt_atlassian.cli.main"]


def user_env(server: SimulatorServer, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__"))}
    env.update({
        "SOURCES__ATLASSIAN__CREDENTIALS__SITE_URL": server.base_url,
        "SOURCES__ATLASSIAN__CREDENTIALS__EMAIL": "admin@example.com",
        "SOURCES__ATLASSIAN__CREDENTIALS__API_TOKEN": "sim-api-token",
        "DLT_DATA_DIR": str(tmp_path / "dlt-data"),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    })
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)


def test_every_command_has_clear_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = set(sub.choices)  # type: ignore[arg-type]
    assert {"run", "demo", "simulator", "authorize", "token"} <= names
    for name in sorted(names):
        out = subprocess.run([*CLI, name, "--help"], capture_output=True, text=True,
                             timeout=60, check=False)
        assert out.returncode == 0, out.stderr
        assert "usage:" in out.stdout and len(out.stdout.splitlines()) > 3


def test_run_loads_then_loads_only_changes(simulator: SimulatorServer, tmp_path: Path) -> None:
    env = user_env(simulator, tmp_path)
    args = ["run", "--products", "jira", "--pipelines-dir", str(tmp_path / "p"),
            "--progress", "none", "--resources", "issues,issue_comments,projects"]
    first = run_cli(args, env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "issues" in first.stdout
    db = tmp_path / "atlassian_pipeline.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        loaded = {r[0] for r in con.execute("SELECT id FROM atlassian.issues").fetchall()}
    assert loaded == set(simulator.sim.jira.issue_ids())

    simulator.sim.reset_counters()
    second = run_cli(args, env, tmp_path)
    assert second.returncode == 0, second.stderr
    # Nothing changed: the incremental run asks only for the window behind its cursor.
    searches = simulator.sim.requests.count("POST /rest/api/3/search/jql")
    assert searches <= len(simulator.sim.jira.projects()) * 2


def test_unknown_resource_is_one_clear_line(simulator: SimulatorServer, tmp_path: Path) -> None:
    result = run_cli(["run", "--products", "jira", "--resources", "isues",
                      "--pipelines-dir", str(tmp_path / "p"), "--progress", "none"],
                     user_env(simulator, tmp_path), tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-2].startswith("error: Unknown resource(s): isues")
    assert lines[-1].startswith("hint: Available for jira:") and "issues" in lines[-1]
    assert "Traceback" not in result.stderr


def test_unknown_product_is_bad_input(simulator: SimulatorServer, tmp_path: Path) -> None:
    result = run_cli(["run", "--products", "bitbucket", "--progress", "none"],
                     user_env(simulator, tmp_path), tmp_path)
    assert result.returncode == 2
    assert "error: Unknown product(s): bitbucket" in result.stderr


@pytest.mark.parametrize("script,table", [
    ("jira_pipeline.py", "jira.issues"),
    ("confluence_pipeline.py", "confluence.pages"),
    ("atlassian_pipeline.py", "atlassian.spaces"),
])
def test_pipeline_scripts_run_as_shipped(simulator: SimulatorServer, tmp_path: Path,
                                         script: str, table: str) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "pipelines" / script)],
                            env=user_env(simulator, tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    db = next(tmp_path.glob("*.duckdb"))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0  # type: ignore[index]


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    from dlt_atlassian.demo import run_demo

    lines: list[str] = []
    code = run_demo(scale="tiny", workdir=str(tmp_path / "work"),
                    duckdb_path=str(tmp_path / "demo.duckdb"),
                    report_path=str(tmp_path / "report.html"), out=lines.append)
    text = "\n".join(lines)
    assert code == 0
    assert "Full load:" in text and "Incremental load:" in text
    full = int(text.split("Full load: ")[1].split()[0])
    incremental = int(text.split("Incremental load: ")[1].split()[0])
    assert incremental < full
    with duckdb.connect(str(tmp_path / "demo.duckdb"), read_only=True) as con:
        issues = con.execute("SELECT COUNT(*) FROM atlassian.issues").fetchone()[0]  # type: ignore[index]
    assert issues > 0
    store = tmp_path / "work" / "oauth-tokens.json"
    assert store.exists() and (store.stat().st_mode & 0o777) == 0o600
