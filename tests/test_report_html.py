"""``dlt-atlassian report`` writes a page that headless Chromium renders with every chart."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import build_sim_config
from dlt_atlassian import atlassian_source
from dlt_atlassian.cli import report_cmd
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import basic_credentials
from models_fixtures import make_pipeline, table

CHARTS = ("throughput", "cycle-time", "time-in-status", "sprint-completion",
          "confluence-activity")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    reason = "no chromium on PATH: run scripts/ensure_chromium.sh (as root) first"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    report_cmd.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    with SimulatorServer(build_sim_config()) as server:
        pipeline = make_pipeline("duckdb", tmp_path, "report")
        pipeline.run(atlassian_source(credentials=basic_credentials(server)))
    db = next(tmp_path.glob("*.duckdb"))
    out = tmp_path / "report.html"
    assert _cli(["report", "--pipeline-name", pipeline.pipeline_name, "--pipelines-dir",
                 str(tmp_path / "pipelines"), "--duckdb-path", str(db),
                 "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html  # no JavaScript, nothing fetched
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html)

    profile = tmp_path / "chromium-profile"
    dom = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    for chart in CHARTS:
        match = re.search(rf'<svg class="chart" data-chart="{chart}".*?</svg>', dom.stdout,
                          re.S)
        assert match, f"chart {chart} missing or empty"
        assert 'class="bar"' in match.group(0)
    # the histogram shows every issue with a cycle time
    hist = re.search(r'data-chart="cycle-time".*?</svg>', dom.stdout, re.S)
    assert hist
    shown = sum(float(v) for v in re.findall(r'class="bar"[^>]*data-value="([0-9.]+)"',
                                             hist.group(0)))
    cycles = [r for r in table(pipeline, "jira_issue_enhanced") if r["cycle_time_seconds"]
              is not None]
    assert shown == len(cycles) > 0
    assert '<table id="projects">' in dom.stdout and '<table id="spaces">' in dom.stdout

    shot = tmp_path / "report.png"
    subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", "--window-size=1100,2600",
                    f"--screenshot={shot}", out.as_uri()], capture_output=True, timeout=120,
                   check=True)
    assert shot.exists() and shot.stat().st_size > 10_000


def test_report_without_pipeline_fails_cleanly(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = _cli(["report", "--pipeline-name", "nothing_here", "--pipelines-dir",
                 str(tmp_path / "none"), "--out", str(tmp_path / "r.html")])
    assert code == 2
    err = capsys.readouterr().err
    assert "error: No pipeline 'nothing_here'" in err and "hint:" in err
    assert not (tmp_path / "r.html").exists()
