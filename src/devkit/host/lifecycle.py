"""``devkit down`` on the host target: there is no container to stop, and devkit says so."""

from __future__ import annotations

from pathlib import Path

from devkit.core.plan import StepContext, StepResult
from devkit.host.venv import VENV_REL


class HostDownStep:
    id = "down"
    title = "Nothing to stop on the host target"

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace

    def describe(self) -> list[str]:
        return ["remove nothing: the host target runs no container (the venv and data stay)"]

    def is_done(self) -> bool:
        return False  # always runs, so the user reads why nothing happened

    def run(self, ctx: StepContext) -> StepResult:
        ctx.log("this workspace uses the host target: no container, image or broker to remove")
        return StepResult(
            f"removed nothing (host target); {VENV_REL}, the workspace and its data are kept — "
            f"delete {VENV_REL} yourself to drop the venv",
            {"removed": []},
        )
