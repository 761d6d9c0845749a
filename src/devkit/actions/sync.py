"""``devkit sync-data`` as a plan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    memo: Callable[[dict[str, Any] | None], None] | None = None,
) -> Plan:
    """``memo``: called by the step once a sample sync left the dataset current (see
    ``DataStep.memo``)."""
    title = f"devkit sync-data ({profile.name})"

    def titled(found: dict[str, Any] | None) -> None:
        assert memo is not None
        if found is not None:
            found["outcome"]["report"]["title"] = title
        memo(found)

    step = DataStep(
        ws.root,
        profile,
        mode="synthetic" if synthetic else "auto",
        seed=seed,
        dest=dest,
        concurrency=concurrency or DEFAULT_CONCURRENCY,
        delete=delete,
        verify=verify,
        memo=None if memo is None else titled,
    )
    return Plan(title, [step], lock=ws.state)
