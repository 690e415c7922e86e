"""Shared fixtures: a real simulator server over loopback HTTP.

- ``sim_config(scale=..., **sections)``: a small :class:`SimulatorConfig`; keyword arguments
  are section dicts (``rate_limit={"enabled": True}``) or top-level fields (``site_url=...``).
- ``simulator``: one server per test module (small data); do not change its faults or limits.
- ``fresh_simulator``: a server for one test; mutate it freely.
- ``make_simulator(config=None, products=None)``: start servers with your own config;
  all are stopped at the end of the test.
- ``running`` / ``server``: a scripted HTTP server per module, reset for each test (from
  ``http_fixtures``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass, replace
from typing import Any

import pytest

from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.presets import scaled
from dlt_atlassian.simulator.server import SimulatorServer

pytest_plugins = ["http_fixtures"]

DEFAULT_TEST_SCALE = 0.1


def build_sim_config(scale: str | float = DEFAULT_TEST_SCALE, **overrides: Any) -> SimulatorConfig:
    """A small config; ``overrides`` are section dicts or top-level field values."""
    config = SimulatorConfig()
    config.data = scaled(config.data, scale)
    names = {f.name for f in fields(SimulatorConfig)}
    for key, value in overrides.items():
        if key not in names:
            raise TypeError(f"SimulatorConfig has no field {key!r}")
        current = getattr(config, key)
        if is_dataclass(current) and isinstance(value, dict):
            value = replace(current, **value)  # type: ignore[type-var]
        setattr(config, key, value)
    return config


@pytest.fixture(scope="session")
def sim_config() -> Callable[..., SimulatorConfig]:
    """Factory for small simulator configs: ``sim_config(rate_limit={"enabled": True})``."""
    return build_sim_config


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    """A module-wide simulator with small data (read-only use: no faults, no mutations)."""
    with SimulatorServer(build_sim_config()) as server:
        yield server


@pytest.fixture
def fresh_simulator() -> Iterator[SimulatorServer]:
    """A simulator for one test: change faults, limits, clock and data freely."""
    with SimulatorServer(build_sim_config()) as server:
        yield server


@pytest.fixture
def make_simulator() -> Iterator[Callable[..., SimulatorServer]]:
    """Start simulators with custom configs (and optional stub products) for one test."""
    started: list[SimulatorServer] = []

    def make(config: SimulatorConfig | None = None,
             products: dict[str, Any] | None = None) -> SimulatorServer:
        server = SimulatorServer(config or build_sim_config(), products=products).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
