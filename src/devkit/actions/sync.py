"""``devkit sync-data`` as a plan."""

from __future__ import annotations

from pathlib import Path

from devkit.config.model import Profile
from devkit.core.plan import Plan
from devkit.data.step import DEFAULT_CONCURRENCY, DataStep
from devkit.workspace import Workspace


def sync_plan(
    ws: Workspace,
    profile: Profile,
    synthetic: bool = False,
    seed: int | None = None,
    dest: Path | None = None,
    concurrency: int | None = None,
    delete: bool = False,
    verify: bool = False,
) -> Plan:
    step = DataStep(
        ws.root,
        profile,
        mode="synthetic" if synthetic else "auto",
        seed=seed,
        dest=dest,
        concurrency=concurrency or DEFAULT_CONCURRENCY,
        delete=delete,
        verify=verify,
    )
    return Plan(f"devkit sync-data ({profile.name})", [step], lock=ws.state)
