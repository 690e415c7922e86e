"""Airflow test environment: a temp AIRFLOW_HOME with a migrated SQLite metadata DB."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ADMIN_EMAIL = "admin@example.com"
ADMIN_TOKEN = "sim-api-token"


def pytest_configure(config: pytest.Config) -> None:
    # Airflow reads its configuration when first imported: set it before any test module is.
    base = Path(os.environ["ORCHESTRATION_TEST_DIR"]) / "airflow"
    dags = base / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    # The DAG file sits in the dags folder as in a deployment: dag.test() re-syncs that
    # folder (the DAG bundle) to the metadata DB before it creates the run.
    link = dags / "airflow_dag.py"
    if not link.exists():
        link.symlink_to(Path(__file__).resolve().parents[3] / "pipelines" / "airflow_dag.py")
    os.environ["AIRFLOW_HOME"] = str(base)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{base / 'airflow.db'}"
    os.environ["AIRFLOW__CORE__EXECUTOR"] = "LocalExecutor"
    os.environ["AIRFLOW__USAGE_DATA_COLLECTION__ENABLED"] = "False"
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO"  # the leak check reads task logs
    # Loopback only: no proxy may intercept the simulator's 127.0.0.1 traffic.
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """``airflow db migrate`` once per session (a few seconds on SQLite)."""
    home = Path(os.environ["AIRFLOW_HOME"])
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        timeout=300,
        capture_output=True,
    )
    return home


@pytest.fixture()
def airflow_variable_env(sim: Any, duckdb_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Credentials the Airflow way: a ``dlt_secrets_toml`` Variable holding a secrets.toml.

    Airflow resolves ``AIRFLOW_VAR_<KEY>`` as the Variable ``<key>`` (environment backend);
    dlt's Airflow provider reads that Variable. Returns the secrets that must not leak.
    """
    secrets_toml = (
        "[sources.atlassian.credentials]\n"
        f'site_url = "{sim.base_url}"\n'
        f'email = "{ADMIN_EMAIL}"\n'
        f'api_token = "{ADMIN_TOKEN}"\n'
    )
    monkeypatch.setenv("AIRFLOW_VAR_DLT_SECRETS_TOML", secrets_toml)
    basic = base64.b64encode(f"{ADMIN_EMAIL}:{ADMIN_TOKEN}".encode()).decode()
    return [ADMIN_TOKEN, basic]
