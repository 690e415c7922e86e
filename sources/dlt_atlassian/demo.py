"""``make demo``: the simulator loaded into DuckDB over OAuth 2.0, then changed and loaded again.

Everything a real run does happens here for real: the OAuth consent (auto-granted by the
simulator), rotating refresh tokens in a 0600 token store, the gateway, pagination, the
incremental second pass and the deletion check. Only the site is simulated.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.presets import scaled
from dlt_atlassian.simulator.server import SimulatorServer

_QUERIES = {
    "Issues by status category": """
        SELECT json_extract_string(status, '$.statusCategory.name') AS category,
               COUNT(*) AS issues
        FROM {dataset}.issues GROUP BY 1 ORDER BY 2 DESC""",
    "Time in status (days, from the complete changelog; model jira_issue_status_history)": """
        SELECT status_name, COUNT(*) AS stays,
               ROUND(MEDIAN(duration_seconds) / 86400.0, 1) AS median_days,
               ROUND(AVG(duration_seconds) / 86400.0, 1) AS avg_days
        FROM {dataset}.jira_issue_status_history
        WHERE NOT is_current GROUP BY 1 ORDER BY 3 DESC""",
    "Projects (model jira_project_summary)": """
        SELECT project_key, issues, open_issues, closed_issues,
               ROUND(throughput_per_week, 2) AS per_week,
               ROUND(median_cycle_time_days, 1) AS median_cycle_days,
               ROUND(p85_cycle_time_days, 1) AS p85_cycle_days
        FROM {dataset}.jira_project_summary ORDER BY 1""",
    "Most edited Confluence pages": """
        SELECT p.title, COUNT(*) AS versions
        FROM {dataset}.page_versions v JOIN {dataset}.pages p ON p.id = v.content_id
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5""",
}


def _oauth_credentials(server: SimulatorServer, workdir: Path) -> Any:
    """Run the real authorization-code flow against the simulator (it consents at once)."""
    from dlt_atlassian.auth.authorize import authorize
    from dlt_atlassian.auth.factory import token_store_for
    from dlt_atlassian.credentials import AtlassianOAuthCredentials

    client_id, client_secret = next(iter(server.sim.config.oauth.clients.items()))
    credentials = AtlassianOAuthCredentials(
        client_id=client_id, client_secret=client_secret, site_url=server.base_url,
        auth_base_url=server.base_url, api_base_url=server.base_url,
        token_store=str(workdir / "oauth-tokens.json"),
    ).resolve()
    consent_url: list[str] = []

    def follow_consent() -> str:
        # What a browser would do: open the consent page and land on the redirect URL.
        answer = httpx.get(consent_url[0], follow_redirects=False, timeout=30)
        return answer.headers["location"]

    authorize(credentials, token_store_for(credentials), headless=True,
              on_url=consent_url.append, read_redirect=follow_consent)
    return credentials


def _mutate(server: SimulatorServer, seed: int = 2024) -> list[str]:
    """Change the site the way a busy day would; return what was done, for the printout."""
    rng = random.Random(seed)
    jira, confluence = server.sim.jira, server.sim.confluence
    keys = sorted(jira.issue_keys().values())
    projects = [p["key"] for p in jira.projects()]
    picked = rng.sample(keys, 10)
    for n, key in enumerate(picked[:5]):
        jira.update_issue(key, {"status": "Done" if n % 2 else "In Progress"})
    for key in picked[5:8]:
        jira.add_comment(key, "Looked into this today; see the linked page.")
    jira.add_worklog(picked[8], 3600)
    created = [jira.create_issue(projects[0], f"Demo issue {n}") for n in range(3)]
    moved = jira.move_issue(picked[9], projects[-1])
    deleted = next(k for k in reversed(keys) if k not in picked)
    jira.delete_issue(deleted)
    pages = [p for p in confluence.all_pages(statuses=["current"])]
    chosen = rng.sample(pages, 6)
    for page in chosen[:3]:
        confluence.edit(page["id"], body="<p>Updated during the demo.</p>", message="demo edit")
    confluence.add_comment(chosen[3]["id"], "<p>Is this still accurate?</p>")
    confluence.add_label(chosen[4]["id"], "demo")
    confluence.trash(chosen[5]["id"])
    new_page = confluence.create_page(pages[0]["spaceId"], "Demo: release notes",
                                      "<p>What shipped this week.</p>")
    # Jira's worklog feeds leave out the last minute; a real second run comes later anyway.
    server.sim.advance_clock(120)
    return [
        f"Jira: 5 status changes, 3 comments, 1 worklog, created {', '.join(created)}, "
        f"moved {picked[9]} -> {moved}, deleted {deleted}",
        f"Confluence: 3 page edits, 1 comment, 1 label, trashed page {chosen[5]['id']}, "
        f"created page {new_page['id']}",
    ]


def _print_counts(title: str, loaded: dict[str, int], totals: dict[str, int],
                  out: Callable[[str], None]) -> None:
    out(f"\n{title}")
    out(f"  {'table':<28} {'rows now':>9} {'this run':>9}")
    for table in sorted(totals):
        out(f"  {table:<28} {totals[table]:>9} {loaded.get(table, 0):>9}")


def _print_queries(pipeline: Any, out: Callable[[str], None]) -> None:
    dataset = pipeline.dataset_name
    with pipeline.sql_client() as client:
        for title, sql in _QUERIES.items():
            out(f"\n{title}:")
            try:
                rows = client.execute_sql(sql.format(dataset=dataset))
            except Exception as exc:  # a demo query must not fail the demo
                out(f"  (query failed: {type(exc).__name__})")
                continue
            for row in rows:
                out("  " + " | ".join("" if v is None else str(v) for v in row))


def run_demo(*, scale: str = "small", workdir: str = ".work/demo",
             duckdb_path: str = "atlassian_demo.duckdb",
             report_path: str | None = "atlassian_report.html",
             out: Callable[[str], None] = print) -> int:
    """Run the whole demo; return the exit code."""
    from dlt_atlassian.runner import RunOptions, loaded_row_counts, run, table_row_counts

    work = Path(workdir).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = Path(duckdb_path).resolve()
    for stale in (db, db.with_suffix(db.suffix + ".wal")):
        stale.unlink(missing_ok=True)
    config = SimulatorConfig()
    config.data = scaled(config.data, scale)
    # Let the simulated history end yesterday, so "the last 12 weeks" in the report has data.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    config.data.base_time = today - timedelta(days=config.data.history_days + 1)
    with SimulatorServer(config) as server:
        out(f"Simulator: Jira + Confluence Cloud on {server.base_url} (scale {scale})")
        credentials = _oauth_credentials(server, work)
        out("OAuth 2.0 consent done; tokens in a 0600 token store under " + str(work))
        # The same path as `dlt-atlassian run`: loader format, crash recovery, models.
        options = RunOptions(
            credentials=credentials, destination="duckdb", destination_credentials=str(db),
            dataset_name="atlassian", pipeline_name="atlassian_demo",
            pipelines_dir=str(work / "pipelines"), progress="none",
        )
        server.sim.reset_counters()
        pipeline, _ = run(options)
        full_requests = server.sim.requests.total
        _print_counts(f"Full load: {full_requests} API requests", loaded_row_counts(pipeline),
                      table_row_counts(pipeline), out)

        out("\nChanging the site:")
        for line in _mutate(server):
            out("  " + line)
        server.sim.reset_counters()
        # The deletion check runs daily by default; the demo wants to show it at once.
        options.source_options = {"reconcile_deletes": "always"}
        pipeline, _ = run(options)
        _print_counts(f"Incremental load: {server.sim.requests.total} API requests "
                      f"(full load: {full_requests})", loaded_row_counts(pipeline),
                      table_row_counts(pipeline), out)
        _print_queries(pipeline, out)
        if report_path:
            written = _write_report(pipeline, report_path)
            if written:
                out(f"\nReport: {written}")
    out(f"\nDuckDB file: {db}\n  try: .venv/bin/python -c \"import duckdb; print(duckdb.connect("
        f"'{db.name}').sql('SELECT key, summary FROM atlassian.issues LIMIT 5'))\"")
    return 0


def _write_report(pipeline: Any, report_path: str) -> str | None:
    try:
        from dlt_atlassian.report import write_report
    except ImportError:
        return None
    return str(write_report(pipeline, Path(report_path).resolve()))
