"""Secrets never leak: logs, exceptions, CLI output, the dlt working dir and every table.

One consent goes through the real authorization-code flow (so there is an auth code to look
for), then the site is loaded in this process (with faults and one-second access tokens, so
tokens rotate mid-run) and through the CLI (success, a fault failure with ``--debug``, a
revoked consent, a wrong API token). Afterwards every secret the simulator ever issued or
accepted is searched for everywhere a user or an attacker could look: zero hits.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dlt
import httpx
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_atlassian.auth import FileTokenStore
from dlt_atlassian.auth.authorize import authorize
from dlt_atlassian.credentials import AtlassianOAuthCredentials
from dlt_atlassian.simulator.server import SimulatorServer
from reliability_fixtures import (
    API_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    EMAIL,
    OAUTH_SCOPES,
    basic_env,
    duckdb_pipeline,
    find_secrets,
    oauth_env,
    paging_config,
    run_cli,
    scan_tables,
    scan_tree,
    tuned_source,
)

WRONG_API_TOKEN = "wrong-api-token-3f9c1e"  # a user's typo is a secret too


def _consent(server: SimulatorServer, store: Path) -> str:
    """The authorization-code flow, headless; returns the (now spent) auth code."""
    redirect: list[str] = []

    def browser(url: str) -> None:
        # The user's browser is not our code: keep its HTTP debug lines (the redirect carries
        # the code, as it must) out of the captured logs.
        quiet = [logging.getLogger(name) for name in ("httpx", "httpcore")]
        levels = [logger.level for logger in quiet]
        for logger in quiet:
            logger.setLevel(logging.WARNING)
        try:
            redirect.append(httpx.get(url, timeout=10).headers["location"])
        finally:
            for logger, level in zip(quiet, levels, strict=True):
                logger.setLevel(level)

    creds = AtlassianOAuthCredentials(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auth_base_url=server.base_url,
        api_base_url=server.base_url, site_url=server.base_url, token_store=str(store),
    ).resolve()
    authorize(creds, FileTokenStore(store), headless=True, on_url=browser,
              read_redirect=lambda: redirect[0], scopes=OAUTH_SCOPES)
    return parse_qs(urlsplit(redirect[0]).query)["code"][0]


def _issued_secrets(server: SimulatorServer) -> list[str]:
    """Every access and refresh token the simulator ever issued (used, rotated or revoked)."""
    oauth = server.sim.oauth
    refresh = [t for f in oauth.families() for t in f.refresh_tokens]
    access = list(oauth._access)  # the authorization server's own ledger of access tokens
    return refresh + access


def _exception_texts(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


def test_no_secret_leaks_anywhere(make_simulator: Callable[..., SimulatorServer],
                                  tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = make_simulator(paging_config(oauth={"access_token_ttl": 2},
                                          latency={"fixed_ms": 5.0}))
    store = tmp_path / "tokens.json"
    code = _consent(server, store)
    texts: list[str] = []  # everything printed, logged or raised

    # 1. In process, OAuth, with random faults and expiring tokens: success expected.
    creds = AtlassianOAuthCredentials(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auth_base_url=server.base_url,
        api_base_url=server.base_url, site_url=server.base_url, token_store=str(store),
    ).resolve()
    server.sim.set_faults(server_error_rate=0.05, expired_token_rate=0.05,
                          malformed_json_rate=0.05, connection_reset_rate=0.03)
    inproc = duckdb_pipeline(tmp_path, "inproc")
    inproc.run(tuned_source(creds))
    server.sim.clear_faults()

    # 2. In process, a failure: the consent is revoked.
    server.sim.oauth.revoke_family(str(FileTokenStore(store).load().refresh_token))  # type: ignore[union-attr]
    store_before_failure = store.read_text()
    with pytest.raises(PipelineStepFailed) as failure:
        inproc.run(tuned_source(creds))
    assert "dlt-atlassian authorize" in str(failure.value)
    texts.append(_exception_texts(failure.value))
    assert store.read_text() == store_before_failure

    # 3. The CLI: a fresh consent, a good run, a failing run with --debug (every search is
    #    refused with 401, so tokens are refreshed while it fails), a revoked consent.
    store2 = tmp_path / "cli-tokens.json"
    code2 = _consent(server, store2)
    home = tmp_path / "cli"
    home.mkdir()
    env = oauth_env(server, home, store2)
    env["RUNTIME__LOG_LEVEL"] = "DEBUG"
    cli_args = ["run", "--pipelines-dir", str(home / "pipelines"), "--progress", "log",
                "--no-models", "--resources", "issues,issue_comments,pages,spaces"]
    good = run_cli(cli_args, env, home)
    assert good.returncode == 0, good.stderr[-2000:]
    server.sim.add_faults({"path": "/rest/api/3/search/jql", "kind": "401", "count": -1})
    faulty = run_cli(["--debug", *cli_args], env, home)
    server.sim.clear_faults()
    assert faulty.returncode == 3 and "Traceback" in faulty.stderr, faulty.stderr[-2000:]
    server.sim.oauth.revoke_family(str(FileTokenStore(store2).load().refresh_token))  # type: ignore[union-attr]
    revoked = run_cli(["--debug", *cli_args], env, home)
    assert revoked.returncode == 3, revoked.stderr[-2000:]

    # 4. The CLI with Basic auth from .dlt/secrets.toml: a good run, then a wrong API token.
    basic_home = tmp_path / "basic"
    (basic_home / ".dlt").mkdir(parents=True)
    (basic_home / ".dlt" / "secrets.toml").write_text(
        f'[sources.atlassian.credentials]\nsite_url = "{server.base_url}"\n'
        f'email = "{EMAIL}"\napi_token = "{API_TOKEN}"\n')
    basic_args = ["run", "--pipelines-dir", str(basic_home / "pipelines"), "--no-models",
                  "--resources", "issues,pages"]
    toml_env = {k: v for k, v in basic_env(server, basic_home).items()
                if not k.startswith("SOURCES__")}
    basic_good = run_cli(basic_args, {**toml_env, "RUNTIME__LOG_LEVEL": "DEBUG"}, basic_home)
    assert basic_good.returncode == 0, basic_good.stderr[-2000:]
    wrong = run_cli(["--debug", *basic_args], basic_env(server, basic_home, WRONG_API_TOKEN),
                    basic_home)  # environment variables win over secrets.toml
    assert wrong.returncode == 3, wrong.stderr[-2000:]
    for run in (good, faulty, revoked, basic_good, wrong):
        texts += [run.stdout, run.stderr]
    texts.append(caplog.text)

    secrets = [CLIENT_SECRET, API_TOKEN, WRONG_API_TOKEN, code, code2, *_issued_secrets(server)]
    assert len(secrets) > 10, "too few tokens were issued for this test to mean anything"
    assert find_secrets("\n".join(texts), secrets) == []
    for root in (tmp_path / "pipelines", home, basic_home):
        assert scan_tree(root, secrets, skip=[".dlt"]) == {}, f"secrets in files under {root}"
    cli_pipelines = [
        dlt.pipeline(f"reader_{where.name}", pipelines_dir=str(tmp_path / "readers"),
                     dataset_name="atlassian",
                     destination=dlt.destinations.duckdb(str(where / "atlassian_pipeline.duckdb")))
        for where in (home, basic_home)
    ]
    for pipeline in (inproc, *cli_pipelines):
        assert scan_tables(pipeline, secrets) == {}, pipeline.pipeline_name

    # The token stores do hold tokens (so the scanners can see them), privately.
    assert scan_tree(tmp_path, secrets).keys() >= {"tokens.json", "cli-tokens.json"}
    for path in (store, store2):
        assert path.stat().st_mode & 0o777 == 0o600
        assert not list(path.parent.glob(f".{path.name}.*")), "a temporary token file was left"


def test_scanners_find_a_planted_secret(tmp_path: Path) -> None:
    """Positive control: the table and file scanners do see a secret where there is one."""
    pipeline = duckdb_pipeline(tmp_path, "control")
    planted = "planted-secret-6c1d2e"
    pipeline.run([{"id": 1, "note": f"before {planted} after", "n": 3}], table_name="notes")
    assert scan_tables(pipeline, [planted, "absent-secret-000"]) == {"notes.note": ["plan…"]}
    (tmp_path / "pipelines" / "x.bin").write_bytes(b"\x00" + planted.encode() + b"\xff")
    assert scan_tree(tmp_path / "pipelines", [planted]) == {"x.bin": ["plan…"]}


def test_token_store_is_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    from dlt_atlassian.auth import TokenSet

    old = os.umask(0)
    try:
        store = FileTokenStore(tmp_path / "deep" / "tokens.json")
        store.save(TokenSet(refresh_token="refresh-token-for-umask-test", access_token="at-123456"))
    finally:
        os.umask(old)
    assert (tmp_path / "deep" / "tokens.json").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "deep").stat().st_mode & 0o077 == 0, "the token directory is readable"
