"""Bad input through the CLI, as a user meets it: one clear line, the right exit code, no damage.

Every case runs ``python -m dlt_atlassian.cli.main run ...`` in a subprocess whose working
directory holds a ``.dlt/`` folder and an earlier good load (DuckDB file + pipeline state).
Each must print an ``error:`` line and a ``hint:`` line on stderr (no traceback without
``--debug``), exit with its class (2 bad input, 3 auth, 1 runtime), leak none of the secrets it
was given, and leave the earlier load exactly as it was.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from conftest import build_sim_config
from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.jira import JiraSimulator
from dlt_atlassian.simulator.server import SimulatorServer
from dlt_atlassian.simulator.users import UserDirectory
from jira_sim_fixtures import NARROW_TOKEN, scoped_accounts
from reliability_fixtures import (
    API_TOKEN,
    CLIENT_SECRET,
    CRED,
    OAUTH_SCOPES,
    basic_env,
    oauth_env,
    run_cli,
)

BAD, AUTH, FAILED = 2, 3, 1
RESOURCES = "issues,projects,spaces,pages"
JIRA_ONLY = ("--products", "jira", "--resources", "issues,projects")
UNKNOWN_CLOUD_ID = "0c0ffee0-0000-4000-8000-000000000000"


class IssuesKeyMissingJira(JiraSimulator):
    """The real Jira simulator, except that the issue search answers without ``issues``."""

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = []
        for route in super().routes():
            if isinstance(route, Route) and route.path == "/rest/api/3/search/jql":
                route = Route(route.path, _without_issues(route.endpoint), methods=route.methods)
            routes.append(route)
        return routes


def _without_issues(endpoint: Any) -> Any:
    async def handler(request: Request) -> Response:
        response = await endpoint(request)
        if response.status_code != 200:
            return response
        body = json.loads(response.body)
        body.pop("issues", None)
        return JSONResponse(body)

    return handler


@dataclass
class Site:
    """The simulators and the folder holding the earlier good load."""

    server: SimulatorServer
    keyless: SimulatorServer
    home: Path
    baseline: dict[str, int] = field(default_factory=dict)


def _counts(home: Path) -> dict[str, int]:
    with duckdb.connect(str(home / "atlassian_pipeline.duckdb"), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'atlassian'"
        ).fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM atlassian."{t}"').fetchone()[0]  # type: ignore[index]
                for t in sorted(tables)}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    config = build_sim_config(0.05, accounts=scoped_accounts())
    keyless_config = build_sim_config(0.05)
    keyless_product = IssuesKeyMissingJira(keyless_config, SimClock(),
                                           UserDirectory(keyless_config))
    with SimulatorServer(config) as server, \
            SimulatorServer(keyless_config, products={"jira": keyless_product}) as keyless:
        home = tmp_path_factory.mktemp("bad-input")
        (home / ".dlt").mkdir()
        good = run_cli(["run", "--resources", RESOURCES, "--pipelines-dir",
                        str(home / "pipelines"), "--progress", "none", "--no-models"],
                       basic_env(server, home), home)
        assert good.returncode == 0, good.stderr[-3000:]
        state = Site(server, keyless, home)
        state.baseline = _counts(home)
        assert state.baseline.get("issues") and state.baseline.get("pages")
        yield state


@dataclass(frozen=True)
class Case:
    """One bad input: how to break the environment, and what the user must be told."""

    name: str
    code: int
    says: str  # a fragment of the error or hint line (case-insensitive)
    known_bug: str | None = None  # a precise pointer; the case is xfail(strict=True)
    args: tuple[str, ...] = ()
    env: Callable[[Site, Path], dict[str, str]] | None = None  # default: good Basic auth
    secrets_toml: str | None = None
    secrets: tuple[str, ...] = ()  # must not appear in the output


def _basic(site: Site, home: Path, **changes: str) -> dict[str, str]:
    env = basic_env(site.server, home)
    env.update({f"{CRED}{k.upper()}": v for k, v in changes.items()})
    return env


def _oauth(site: Site, home: Path, scopes: list[str] = OAUTH_SCOPES, revoke: bool = False,
           **changes: str) -> dict[str, str]:
    _, refresh = site.server.sim.oauth.grant(scopes)
    assert refresh
    if revoke:
        site.server.sim.oauth.revoke_family(refresh)
    env = oauth_env(site.server, home, home / f"tokens-{refresh[-8:]}.json", refresh)
    env.update({f"{CRED}{k.upper()}": v for k, v in changes.items()})
    return env


def _scoped(site: Site, home: Path, token: str, cloud_id: str | None = None) -> dict[str, str]:
    env = basic_env(site.server, home)
    for key in ("SITE_URL", "EMAIL", "API_TOKEN"):
        env.pop(f"{CRED}{key}")
    env.update({f"{CRED}API_TOKEN": token, f"{CRED}SCOPED_TOKEN_AUTH": "basic",
                f"{CRED}EMAIL": "admin@example.com", f"{CRED}API_BASE_URL": site.server.base_url,
                f"{CRED}CLOUD_ID": cloud_id or site.server.cloud_id})
    return env


def _no_credentials(site: Site, home: Path) -> dict[str, str]:
    env = basic_env(site.server, home)
    for key in ("SITE_URL", "EMAIL", "API_TOKEN"):
        env.pop(f"{CRED}{key}")
    return env


def _keyless(site: Site, home: Path) -> dict[str, str]:
    return basic_env(site.keyless, home)


def _postgres_closed_port(site: Site, home: Path) -> dict[str, str]:
    env = basic_env(site.server, home)
    env["DESTINATION__POSTGRES__CREDENTIALS"] = "postgresql://loader:pw-4f1e9b@127.0.0.1:1/db"
    env["DESTINATION__POSTGRES__CONNECT_TIMEOUT"] = "3"
    return env


CASES = [
    Case("malformed site URL", BAD, "site_url",
         env=lambda s, h: _basic(s, h, site_url="not a url at all")),
    Case("site URL with a non-http scheme", BAD, "site_url",
         env=lambda s, h: _basic(s, h, site_url="ftp://example.atlassian.net")),
    Case("site not among the consent's sites", BAD, "site",
         env=lambda s, h: _oauth(s, h, site_url="https://unknown-site.atlassian.net")),
    Case("unknown cloud id", BAD, "cloud",
         env=lambda s, h: _oauth(s, h, site_url="", cloud_id=UNKNOWN_CLOUD_ID)),
    Case("wrong client secret", AUTH, "client", secrets=("wrong-client-secret-77",),
         env=lambda s, h: _oauth(s, h, client_secret="wrong-client-secret-77")),
    Case("unknown client id", AUTH, "client",
         env=lambda s, h: _oauth(s, h, client_id="no-such-client")),
    Case("revoked refresh token", AUTH, "authorize",
         env=lambda s, h: _oauth(s, h, revoke=True)),
    Case("wrong API token", AUTH, "", secrets=("wrong-token-9d8c7b",),
         env=lambda s, h: _basic(s, h, api_token="wrong-token-9d8c7b")),
    Case("API token of another account", AUTH, "",
         env=lambda s, h: _basic(s, h, email="someone-else@example.com")),
    Case("email that is not an email", BAD, "email",
         env=lambda s, h: _basic(s, h, email="admin")),
    Case("missing scope (OAuth)", AUTH, "scope",
         env=lambda s, h: _oauth(s, h, scopes=["offline_access", "read:jira-user"])),
    Case("missing scope (scoped API token)", AUTH, "scope", args=JIRA_ONLY,
         env=lambda s, h: _scoped(s, h, NARROW_TOKEN)),
    Case("scoped token for an unknown cloud id", BAD, "cloud", args=JIRA_ONLY,
         env=lambda s, h: _scoped(s, h, NARROW_TOKEN, UNKNOWN_CLOUD_ID)),
    Case("bad JQL", BAD, "jql", args=JIRA_ONLY,
         env=lambda s, h: {**_basic(s, h), "SOURCES__ATLASSIAN__JQL": 'summary ~~ "unbalanced'}),
    Case("JQL with ORDER BY", BAD, "order by", args=JIRA_ONLY,
         env=lambda s, h: {**_basic(s, h), "SOURCES__ATLASSIAN__JQL": "project = A ORDER BY key"}),
    Case("unknown project", BAD, "NOPE", args=(*JIRA_ONLY, "--projects", "NOPE")),
    Case("unknown space", BAD, "NOSPACE",
         args=("--products", "confluence", "--resources", "spaces,pages", "--spaces",
               "NOSPACE")),
    Case("invalid start date", BAD, "start", args=("--start-date", "2024-13-45")),
    Case("unknown resource", BAD, "isues", args=("--resources", "isues")),
    Case("unknown product", BAD, "bitbucket", args=("--products", "bitbucket")),
    Case("invalid reconcile_deletes", BAD, "reconcile_deletes",
         env=lambda s, h: {**_basic(s, h), "SOURCES__ATLASSIAN__RECONCILE_DELETES": "weekly"}),
    Case("negative lookback", BAD, "lookback",
         env=lambda s, h: {**_basic(s, h), "SOURCES__ATLASSIAN__LOOKBACK": "-5"}),
    Case("no credentials at all", BAD, "credentials", env=_no_credentials),
    Case("malformed secrets.toml", BAD, "secrets.toml", env=_no_credentials,
         secrets_toml='[sources.atlassian.credentials\nsite_url = "http://x'),
    Case("token store path is a directory", AUTH, "token store",
         env=lambda s, h: _oauth(s, h, token_store=str(h))),
    Case("unknown destination", BAD, "nosuchdb", args=("--destination", "nosuchdb")),
    Case("destination unreachable", FAILED, "destination", secrets=("pw-4f1e9b",),
         args=("--destination", "postgres", "--pipeline-name", "pg_case"),
         env=_postgres_closed_port),
    Case("response missing expected keys", FAILED, "issues", args=JIRA_ONLY,
         env=_keyless),
]


def _stderr_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.known_bug)] if case.known_bug else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_is_one_clear_line_and_damages_nothing(case: Case, site: Site,
                                                         tmp_path: Path) -> None:
    home = site.home
    env = case.env(site, home) if case.env else basic_env(site.server, home)
    secrets_file = home / ".dlt" / "secrets.toml"
    if case.secrets_toml is not None:
        secrets_file.write_text(case.secrets_toml)
    try:
        args = ["run", "--resources", RESOURCES, "--pipelines-dir", str(home / "pipelines"),
                "--progress", "none", "--no-models"]
        result = run_cli([*args, *case.args], env, home)
    finally:
        secrets_file.unlink(missing_ok=True)
        shutil.rmtree(home / "pipelines" / "pg_case", ignore_errors=True)
    lines = _stderr_lines(result.stderr)
    assert result.returncode == case.code, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert len(lines) >= 2 and lines[-2].startswith("error: ") and lines[-1].startswith("hint: "), \
        result.stderr[-3000:]
    assert case.says.lower() in (lines[-2] + lines[-1]).lower(), lines[-2:]
    assert len(lines[-1]) > len("hint: ") + 10, "the hint says nothing"
    for secret in (API_TOKEN, CLIENT_SECRET, *case.secrets):
        assert secret not in result.stdout + result.stderr
    assert _counts(home) == site.baseline, "the earlier load was changed"


def test_debug_shows_the_traceback(site: Site) -> None:
    result = run_cli(["--debug", "run", "--resources", "isues", "--pipelines-dir",
                      str(site.home / "pipelines"), "--progress", "none", "--no-models"],
                     basic_env(site.server, site.home), site.home)
    assert result.returncode == BAD
    assert "Traceback" in result.stderr
    assert _stderr_lines(result.stderr)[-2].startswith("error: Unknown resource(s): isues")
