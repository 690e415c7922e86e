"""Helpers for the reliability, security and bad-input tests.

- small simulator configs whose page caps force many pages (so faults hit mid-pagination);
- OAuth / Basic credentials for the simulator;
- ``tuned_source``: the real Jira + Confluence resources over one connection opened with a
  *short* client timeout and a *fast* retry policy (the public sources keep the production
  defaults of 60 s and second-scale backoff, far too slow for a CI fault matrix);
- comparison of a DuckDB destination with the simulator's truth, duplicates included;
- scanners that look for secrets in text, files and every text column of every table.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import dlt
from dlt.sources import DltResource

from confluence_source_fixtures import TABLES as CONFLUENCE_TABLES
from confluence_source_fixtures import assert_equals_truth
from conftest import build_sim_config
from dlt_atlassian.credentials import AtlassianBasicCredentials, AtlassianOAuthCredentials
from dlt_atlassian.http.limiter import RateLimiter
from dlt_atlassian.http.retry import RetryPolicy
from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import assert_matches_truth

TESTS_DIR = Path(__file__).parent
REPO_ROOT = TESTS_DIR.parent
CLIENT_ID = "sim-client-id"
CLIENT_SECRET = "sim-client-secret"
API_TOKEN = "sim-api-token"
EMAIL = "admin@example.com"
OAUTH_SCOPES = [
    "offline_access", "read:jira-work", "read:jira-user", "read:board-scope:jira-software",
    "read:sprint:jira-software", "read:project:jira", "read:confluence-space.summary",
    "read:space:confluence", "read:page:confluence", "read:comment:confluence",
    "read:attachment:confluence", "read:label:confluence",
]
JIRA_TABLES = ("issues", "issue_changelogs", "issue_comments", "issue_worklogs")
# Primary keys checked for duplicates (one row per key, whatever the faults did).
PRIMARY_KEYS: dict[str, str] = {
    "issues": "id",
    "issue_changelogs": "history_id, item_index",
    "issue_comments": "id",
    "issue_worklogs": "id",
    "spaces": "id",
    "pages": "id",
    "blog_posts": "id",
    "page_versions": "content_id, number",
    "labels": "content_id, label_id",
    "footer_comments": "id",
    "inline_comments": "id",
    "attachments": "id",
}
FAST_RETRY = RetryPolicy(max_attempts=8, backoff_base=0.02, backoff_max=0.2,
                         min_retry_after=0.1, malformed_json_attempts=4)


def paging_config(scale: float = 0.05, **overrides: Any) -> SimulatorConfig:
    """A small site whose page caps are tiny, so every list takes several pages."""
    caps = {"search_jql_with_fields": 7, "search_jql_default": 7, "comments": 3,
            "confluence_limit": 4, "agile": 5, "project_search": 2,
            "changelog_bulk_max_results": 25, **overrides.pop("caps", {})}
    faults = {"retry_after_seconds": 0, "slow_response_seconds": 3.0,
              **overrides.pop("faults", {})}
    return build_sim_config(scale, caps=caps, faults=faults, **overrides)


def oauth_credentials(server: SimulatorServer, store: Path,
                      scopes: Sequence[str] = OAUTH_SCOPES) -> AtlassianOAuthCredentials:
    """A fresh consent on the simulator, with tokens kept in the file ``store``."""
    _, refresh = server.sim.oauth.grant(list(scopes))
    return AtlassianOAuthCredentials(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=refresh,
        auth_base_url=server.base_url, api_base_url=server.base_url,
        site_url=server.base_url, token_store=str(store),
    ).resolve()


def basic_credentials(server: SimulatorServer) -> AtlassianBasicCredentials:
    """The simulator's admin with the classic API token."""
    return AtlassianBasicCredentials(site_url=server.base_url, email=EMAIL,
                                     api_token=API_TOKEN).resolve()


@dlt.source(name="atlassian", max_table_nesting=0)
def tuned_source(credentials: Any, timeout: float = 1.0, retry: RetryPolicy = FAST_RETRY,
                 products: Sequence[str] = ("jira", "confluence")) -> list[DltResource]:
    """The product resources over one connection with a short timeout and fast retries."""
    from dlt_atlassian.confluence.source import confluence_resources
    from dlt_atlassian.connection import connect
    from dlt_atlassian.jira.context import JiraRun
    from dlt_atlassian.jira.deletions import Reconciler
    from dlt_atlassian.jira.source import build_options, issue_resources

    # A limiter that still backs off on 429s but recovers within a second, not a minute.
    limiter = RateLimiter(4, min_rate=2.0, increase_step=5.0, decrease_cooldown=0.2)
    connection = connect(credentials, timeout=timeout, retry=retry, limiter=limiter,
                         max_connections=4)
    resources: list[DltResource] = []
    if "jira" in products:
        options = build_options(None, None, None, None, 300, "id", False, "always", 2)
        run = JiraRun(options, lambda: connection.jira)
        run.reconciler = Reconciler(run, dlt.current.source_state)
        resources += [r for r in issue_resources(run) if r.name in JIRA_TABLES]
    if "confluence" in products:
        resources += [r for r in confluence_resources(
            connection.confluence, spaces=None, start_date=None, body_format="storage",
            include_plain_text=True, lookback=300, reconcile_deletes="always", parallelism=2,
        ) if r.name in CONFLUENCE_TABLES]
    return resources


def duckdb_pipeline(tmp_path: Path, name: str = "reliability",
                    dataset: str = "atlassian") -> dlt.Pipeline:
    """A DuckDB pipeline that lives entirely under ``tmp_path``."""
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / f"{name}.duckdb")),
        pipelines_dir=str(tmp_path / "pipelines"), dataset_name=dataset,
    )


def query(pipeline: dlt.Pipeline, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` run in the pipeline's dataset."""
    with pipeline.sql_client() as client:
        return [tuple(r) for r in client.execute_sql(sql) or []]


def duplicate_keys(pipeline: dlt.Pipeline, tables: Iterable[str]) -> dict[str, int]:
    """Tables holding a primary key more than once, with the number of surplus rows."""
    found: dict[str, int] = {}
    for table in tables:
        key = PRIMARY_KEYS[table]
        (total, distinct), = query(
            pipeline, f"SELECT count(*), count(DISTINCT ({key})) FROM {table}")
        if total != distinct:
            found[table] = int(total) - int(distinct)
    return found


def assert_is_truth(pipeline: dlt.Pipeline, server: SimulatorServer,
                    products: Sequence[str] = ("jira", "confluence")) -> None:
    """Row-level equality with the simulator (ids and key fields), and no duplicate keys."""
    tables: list[str] = []
    if "jira" in products:
        assert server.sim.jira.truth.issue_keys(), "no issues: the comparison proves nothing"
        assert_matches_truth(pipeline, server)
        tables += JIRA_TABLES
    if "confluence" in products:
        assert_equals_truth(pipeline, server.sim)
        tables += CONFLUENCE_TABLES
    assert duplicate_keys(pipeline, tables) == {}


def change_data(server: SimulatorServer, round_no: int) -> None:
    """Edit, add and delete a little in both products (data moving between runs)."""
    jira = server.sim.jira
    keys = sorted(jira.truth.issue_keys().values())
    jira.update_issue(keys[round_no % len(keys)], {"summary": f"edited in round {round_no}"})
    jira.add_comment(keys[(round_no * 3) % len(keys)], f"comment of round {round_no}")
    if round_no % 2:
        jira.delete_issue(keys[(round_no * 7 + 1) % len(keys)])
    else:
        project = sorted(p["key"] for p in jira.truth.projects())[0]
        jira.create_issue(project, f"created in round {round_no}")
    conf = server.sim.confluence
    pages = sorted(c["id"] for c in conf.all_content() if c.get("parentId") is not None
                   and c["status"] == "current")  # homepages stay: new pages go under them
    conf.edit(pages[round_no % len(pages)], title=f"Edited in round {round_no}")
    jira.add_worklog(keys[(round_no * 5) % len(keys)], 600 + round_no)
    space = sorted(s["id"] for s in conf.all_spaces())[round_no % len(conf.all_spaces())]
    conf.create_page(space, f"Created in round {round_no}")
    if round_no % 2:
        conf.trash(pages[(round_no * 3 + 1) % len(pages)])
    if round_no % 3 == 0:
        conf.purge(pages[(round_no * 5 + 2) % len(pages)], keep_as_deleted=False)
    server.sim.advance_clock(60)


# -- secrets ----------------------------------------------------------------------------------
def find_secrets(text: str, secrets: Iterable[str]) -> list[str]:
    """Which of ``secrets`` occur in ``text`` (named by their first characters only)."""
    return [s[:4] + "…" for s in secrets if s and s in text]


def scan_tree(root: Path, secrets: Sequence[str], skip: Sequence[str] = ()
              ) -> dict[str, list[str]]:
    """Every file under ``root`` (binary ones too) that contains a secret.

    ``skip`` names top-level entries the user put there on purpose (``.dlt`` with secrets.toml).
    """
    hits: dict[str, list[str]] = {}
    encoded = [(s, s.encode()) for s in secrets if s]
    files = [p for p in root.rglob("*") if p.is_file()
             and p.relative_to(root).parts[0] not in skip]
    assert files, f"nothing to scan under {root}"
    for path in sorted(files):
        data = path.read_bytes()
        found = [s[:4] + "…" for s, raw in encoded if raw in data]
        if found:
            hits[str(path.relative_to(root))] = found
    return hits


def scan_tables(pipeline: dlt.Pipeline, secrets: Sequence[str]) -> dict[str, list[str]]:
    """Every ``table.column`` of the dataset (all tables, dlt's own included) holding a secret.

    Reads the table list from DuckDB's catalog rather than the dlt schema, so nothing the
    schema forgot to declare escapes the scan; every value is turned into text.
    """
    hits: dict[str, list[str]] = {}
    with pipeline.sql_client() as client:
        tables = [r[0] for r in client.execute_sql(
            "SELECT DISTINCT table_name FROM information_schema.columns "
            f"WHERE table_schema = '{pipeline.dataset_name}'") or []]
        assert tables, "no tables to scan"
        for table in tables:
            with client.execute_query(f'SELECT * FROM "{table}"') as cursor:
                names = [d[0] for d in cursor.description]
                for row in cursor.fetchall():
                    for name, value in zip(names, row, strict=True):
                        found = find_secrets(str(value), secrets) if value is not None else []
                        if found:
                            hits.setdefault(f"{table}.{name}", []).extend(found)
    return hits


def token_store_secrets(store: Path) -> list[str]:
    """The access and refresh tokens currently held in a file token store."""
    from dlt_atlassian.auth import FileTokenStore

    tokens = FileTokenStore(store).load()
    assert tokens is not None, "the token store is empty"
    return [t for t in (tokens.access_token, tokens.refresh_token) if t]


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python: this interpreter, the package and tests on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION"))}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "sources"), str(TESTS_DIR)])
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


PYTHON = sys.executable


CLI = [PYTHON, "-m", "dlt_atlassian.cli.main"]
CRED = "SOURCES__ATLASSIAN__CREDENTIALS__"


def basic_env(server: SimulatorServer, home: Path, api_token: str = API_TOKEN) -> dict[str, str]:
    """A user's environment for Basic auth: credentials in variables, dlt data under ``home``."""
    return subprocess_env(**{
        f"{CRED}SITE_URL": server.base_url, f"{CRED}EMAIL": EMAIL,
        f"{CRED}API_TOKEN": api_token, "DLT_DATA_DIR": str(home / "dlt-data"),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    })


def oauth_env(server: SimulatorServer, home: Path, store: Path,
              refresh_token: str | None = None) -> dict[str, str]:
    """A user's environment for OAuth with a file token store (and optionally a refresh token)."""
    values = {
        f"{CRED}CLIENT_ID": CLIENT_ID, f"{CRED}CLIENT_SECRET": CLIENT_SECRET,
        f"{CRED}TOKEN_STORE": str(store), f"{CRED}AUTH_BASE_URL": server.base_url,
        f"{CRED}API_BASE_URL": server.base_url, f"{CRED}SITE_URL": server.base_url,
        "DLT_DATA_DIR": str(home / "dlt-data"), "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    if refresh_token:
        values[f"{CRED}REFRESH_TOKEN"] = refresh_token
    return subprocess_env(**values)


def run_cli(args: Sequence[str], env: dict[str, str], cwd: Path,
            timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """``python -m dlt_atlassian.cli.main ARGS`` as a user runs it (a timeout, never a hang)."""
    return subprocess.run([*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)
