"""``devkit down`` as a plan."""

from __future__ import annotations

from devkit.container.credentials_mount import StopBrokerStep
from devkit.container.lifecycle import DownStep
from devkit.core.plan import Plan
from devkit.host.lifecycle import HostDownStep
from devkit.state import WorkspaceState
from devkit.workspace import Workspace


def down_plan(ws: Workspace) -> Plan:
    """Stop and remove the dev container and the credentials broker; the host target has
    nothing to stop, and says so."""
    if WorkspaceState(ws).target() == "host":
        return Plan("devkit down", [HostDownStep(ws.root)], lock=ws.state)
    return Plan("devkit down", [DownStep(ws.root), StopBrokerStep(ws)], lock=ws.state)
