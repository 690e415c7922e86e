"""The authorization-code flow and the auth CLI, end to end against the simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from auth_fixtures import CLIENT_ID, CLIENT_SECRET, JIRA_PROBE, oauth_credentials, stub_products
from dlt_atlassian.auth import FileTokenStore, MemoryTokenStore
from dlt_atlassian.auth.authorize import DEFAULT_SCOPES, authorize, code_from_redirect
from dlt_atlassian.cli.main import main
from dlt_atlassian.connection import connect
from dlt_atlassian.errors import AuthError
from dlt_atlassian.simulator.server import SimulatorServer


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer],
           sim_config: Callable[..., object]) -> SimulatorServer:
    return make_simulator(sim_config(), products=stub_products())


def _follow(url: str) -> None:
    # The "browser": the simulator auto-consents and redirects into our listener.
    response = httpx.get(url, follow_redirects=True, timeout=10)
    assert response.status_code == 200, response.text


def test_browser_flow_fills_store_and_finds_cloud_id(server: SimulatorServer) -> None:
    store = MemoryTokenStore()
    urls: list[str] = []
    creds = oauth_credentials(server, redirect_uri="http://127.0.0.1:0/callback")

    def browser(url: str) -> None:
        urls.append(url)
        _follow(url)

    result = authorize(creds, store, on_url=browser, timeout=10,
                       clock=server.sim.clock.timestamp)
    query = parse_qs(urlsplit(urls[0]).query)
    assert query["audience"] == ["api.atlassian.com"]
    assert query["prompt"] == ["consent"] and query["response_type"] == ["code"]
    assert set(query["scope"][0].split()) == set(DEFAULT_SCOPES)
    assert len(query["state"][0]) >= 20
    assert result.site is not None and result.site.cloud_id == server.cloud_id
    tokens = store.load()
    assert tokens is not None and tokens.cloud_id == server.cloud_id
    assert tokens.consented_at is not None and "offline_access" in tokens.scopes
    assert len(server.sim.oauth.families()) == 1
    # The stored consent is immediately usable by a pipeline, without a refresh.
    with connect(oauth_credentials(server), token_store=store,
                 clock=server.sim.clock.timestamp) as conn:
        assert conn.jira.get_json(JIRA_PROBE)["authKind"] == "oauth"
    assert server.sim.oauth.total_refreshes() == 0


def test_headless_flow_with_pasted_redirect(server: SimulatorServer, tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "t.json")
    redirect: list[str] = []

    def show(url: str) -> None:
        response = httpx.get(url, timeout=10)  # consent; the browser would now fail to load
        assert response.status_code == 302
        redirect.append(response.headers["location"])

    creds = oauth_credentials(server)
    result = authorize(creds, store, headless=True, on_url=show,
                       read_redirect=lambda: redirect[0] + "\n", scopes=["read:jira-work"])
    assert result.scopes == ["read:jira-work", "offline_access"]
    assert (tmp_path / "t.json").stat().st_mode & 0o777 == 0o600


def test_state_mismatch_and_denied_consent_are_rejected() -> None:
    with pytest.raises(AuthError, match="state"):
        code_from_redirect("http://127.0.0.1:8765/callback?code=abcdefgh&state=evil", "good")
    with pytest.raises(AuthError, match="access_denied") as info:
        code_from_redirect("http://x/callback?error=access_denied&state=s", "s")
    assert "authorize" in str(info.value)
    assert code_from_redirect("code=abc123456&state=s", "s") == "abc123456"


def test_code_reuse_is_a_clear_error(server: SimulatorServer) -> None:
    redirect: list[str] = []

    def show(url: str) -> None:
        redirect.append(httpx.get(url, timeout=10).headers["location"])

    creds = oauth_credentials(server)
    authorize(creds, MemoryTokenStore(), headless=True, on_url=show,
              read_redirect=lambda: redirect[0])
    code = parse_qs(urlsplit(redirect[0]).query)["code"][0]
    states: list[str] = []

    def replay() -> str:  # the old (already used) code, with this run's state
        return f"http://127.0.0.1:8765/callback?code={code}&state={states[0]}"

    with pytest.raises(AuthError) as info:
        authorize(creds, MemoryTokenStore(), headless=True, read_redirect=replay,
                  on_url=lambda url: states.append(parse_qs(urlsplit(url).query)["state"][0]))
    assert "authorization code was rejected" in str(info.value)
    assert code not in str(info.value)


def _env(server: SimulatorServer, store: Path) -> dict[str, str]:
    prefix = "SOURCES__ATLASSIAN__CREDENTIALS__"
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
    env.update({
        prefix + "CLIENT_ID": CLIENT_ID,
        prefix + "CLIENT_SECRET": CLIENT_SECRET,
        prefix + "SITE_URL": server.base_url,
        prefix + "AUTH_BASE_URL": server.base_url,
        prefix + "API_BASE_URL": server.base_url,
        prefix + "TOKEN_STORE": str(store),
    })
    return env


def test_cli_authorize_headless_then_status_and_refresh(server: SimulatorServer, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    store = tmp_path / "cli.json"
    env = _env(server, store)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlt_atlassian.cli.main", "authorize", "--no-browser"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stdin is not None
    url = ""
    for _ in range(20):
        line = proc.stdout.readline()
        if line.strip().startswith("http"):
            url = line.strip()
            break
    assert url.startswith(server.base_url + "/authorize?")
    location = httpx.get(url, timeout=10).headers["location"]
    out, err = proc.communicate(location + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert server.cloud_id in out
    code = parse_qs(urlsplit(location).query)["code"][0]
    tokens = FileTokenStore(store).load()
    assert tokens is not None
    for secret in (code, tokens.refresh_token, tokens.access_token or "", CLIENT_SECRET):
        assert secret not in out and secret not in err

    for key, value in env.items():
        if key.startswith("SOURCES__"):
            monkeypatch.setenv(key, value)
    assert main(["token", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["cloud_id"] == server.cloud_id and status["ok"]
    assert status["inactivity_days_left"] == pytest.approx(90, abs=0.01)
    assert main(["token", "refresh"]) == 0
    out = capsys.readouterr().out
    assert "rotation #2" in out
    assert server.sim.oauth.total_refreshes() == 1
    assert main(["token", "status"]) == 0
    out = capsys.readouterr().out
    assert "cloud id:" in out and tokens.refresh_token not in out

    server.sim.oauth.revoke_family(tokens.refresh_token)
    assert main(["token", "refresh"]) == 1
    err = capsys.readouterr().err
    assert "dlt-atlassian authorize" in err


def test_cli_authorize_with_browser_and_local_listener(server: SimulatorServer,
                                                       tmp_path: Path) -> None:
    # BROWSER points webbrowser at a script that plays the browser: it opens the consent URL,
    # the simulator consents and redirects into the CLI's listener on 127.0.0.1.
    browser = tmp_path / "browser.py"
    browser.write_text(
        "import sys, urllib.request\n"
        "urllib.request.urlopen(sys.argv[1], timeout=20).read()\n"
    )
    store = tmp_path / "browser.json"
    env = _env(server, store)
    env["BROWSER"] = f"{sys.executable} {browser} %s"
    done = subprocess.run(
        [sys.executable, "-m", "dlt_atlassian.cli.main", "authorize", "--port", "0",
         "--timeout", "30"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=90,
    )
    assert done.returncode == 0, done.stderr
    tokens = FileTokenStore(store).load()
    assert tokens is not None and tokens.cloud_id == server.cloud_id
    assert tokens.refresh_token not in done.stdout + done.stderr
