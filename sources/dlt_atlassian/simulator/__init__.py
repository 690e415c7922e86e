"""The Atlassian Cloud simulator: Jira, Confluence, gateway and OAuth server on one port.

``SimulatorServer`` runs it; ``Simulator`` is its state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dlt_atlassian.simulator.config import SimulatorConfig
    from dlt_atlassian.simulator.server import SimulatorServer
    from dlt_atlassian.simulator.state import Simulator

__all__ = ["Simulator", "SimulatorConfig", "SimulatorServer"]

_EXPORTS = {
    "Simulator": "dlt_atlassian.simulator.state",
    "SimulatorConfig": "dlt_atlassian.simulator.config",
    "SimulatorServer": "dlt_atlassian.simulator.server",
}


def __getattr__(name: str) -> Any:
    # Lazy, so that importing a leaf module (config, clock) stays cheap and cycle-free.
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
