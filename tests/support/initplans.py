"""Comparing ``devkit init`` plans as data: the steps, what each renders, what gets recorded.

``plan_shape(plan)`` reads what a plan would do without running it (no engine asked): the step
ids and titles, the choices its record step writes, the files its devcontainer step writes, the
image's inputs (content hash over a fixed base id, build args, the local override) and whether
the container is replaced. ``recorded(root)`` runs nothing either: it reads ``.devkit/``.
``record(plan)`` runs the plan's first step, the one that remembers the choices.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from devkit.container.container_step import ContainerStep
from devkit.container.files_step import DevcontainerFilesStep
from devkit.container.image_step import ImageStep
from devkit.core.plan import Plan, StepContext
from devkit.init.plan import RecordInitStep

BASE_ID = "sha256:" + "b" * 64  # stands in for the base image's id (no engine asked)


def plan_shape(plan: Plan) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "title": plan.title,
        "steps": [(step.id, step.title) for step in plan.steps],
    }
    for step in plan.steps:
        if isinstance(step, RecordInitStep):
            shape["record"] = step.record
        elif isinstance(step, DevcontainerFilesStep):
            shape["files"] = step.wanted()
            shape["overwrite"] = step.overwrite
        elif isinstance(step, ImageStep):
            inputs = step.target.inputs
            shape["image"] = {
                "hash": inputs.content_hash(BASE_ID),
                "base": inputs.base_image,
                "build_args": inputs.rendered.build_args,
                "network": inputs.rendered.network,
                "override": inputs.rendered.override_json,
                "rebuild": step.rebuild,
            }
        elif isinstance(step, ContainerStep):
            shape["container"] = {"replace": getattr(step, "replace", None)}
    return shape


def override_run_args(plan: Plan) -> list[str]:
    """``runArgs`` of the machine-local override the plan renders."""
    step = next(s for s in plan.steps if isinstance(s, ImageStep))
    return list(step.target.inputs.rendered.local_config.get("runArgs") or [])


def record(plan: Plan) -> None:
    first = plan.steps[0]
    assert isinstance(first, RecordInitStep), [s.id for s in plan.steps]
    first.run(StepContext(first.id, lambda event: None))


def recorded(root: Path) -> dict[str, str | None]:
    """The bookkeeping files as text (None when missing)."""
    found: dict[str, str | None] = {}
    for name in ("profile", "state.json"):
        path = root / ".devkit" / name
        found[name] = path.read_text() if path.exists() else None
    return found


def forget(root: Path) -> None:
    """Remove ``.devkit/`` (to record again from nothing)."""
    shutil.rmtree(root / ".devkit", ignore_errors=True)
