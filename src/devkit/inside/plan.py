"""The ``devkit post-create`` plan: checks, then the work, each step logged to a file.

Every step is idempotent, so a second run does nothing and says so; a failure names its step and
exits non-zero. Nothing here depends on who started the container: devkit, VS Code, Codespaces or
the reference ``devcontainer`` CLI all run the same command.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from devkit.config.model import Profile
from devkit.container.secrets import load_in_container
from devkit.core.plan import Plan, Step
from devkit.githooks import GitHookStep
from devkit.inside.checks import DevkitCheck, MountedWorkspaceCheck, PythonCheck, UserCheck
from devkit.inside.data import ContainerDataStep
from devkit.inside.steps import (
    LOG_DIR,
    DepsStep,
    FingerprintStep,
    LoggedStep,
    ProfileCommandStep,
)
from devkit.state import WorkspaceState


def recorded_data_mode(root: Path) -> str | None:
    """The --data that 'devkit init' was given (None: sample when credentials reach us)."""
    return WorkspaceState(root).last_init().data


def build_post_create_plan(
    root: Path,
    profile: Profile,
    env: Mapping[str, str] | None = None,
    data_mode: str | None = None,
) -> Plan:
    command_env = {**(os.environ if env is None else env), **load_in_container()}
    mode = data_mode or recorded_data_mode(root)
    work: list[Step] = [DepsStep(root, profile), ContainerDataStep(root, profile, mode)]
    if (root / ".git").exists():
        work.append(GitHookStep(root, profile.name))
    work += [
        ProfileCommandStep(i, cmd, root, command_env) for i, cmd in enumerate(profile.post_create)
    ]
    work.append(FingerprintStep(root, profile))
    log_dir = root.joinpath(".devkit", *LOG_DIR)
    steps: list[Step] = [
        MountedWorkspaceCheck(root),
        PythonCheck(profile.image.python),
        DevkitCheck(),
        UserCheck(root),
        *(LoggedStep(step, log_dir) for step in work),
    ]
    return Plan(f"devkit post-create ({profile.name})", steps)
