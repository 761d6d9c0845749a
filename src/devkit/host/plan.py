"""The ``devkit init --target host`` plan: branch → venv → data → hooks → profile commands →
first fingerprint, all on this machine.

It reuses what a container's post-create does (``inside.steps``: the data step, the git hook
step, the profile's ``post_create`` commands, the fingerprint) with the venv activated instead of
an image's interpreter; only the venv step is the host target's own. The profile's Python is
looked for while the plan is built, so a missing one stops the command (exit 2) before any step
changes anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from devkit.core.plan import Plan, Step
from devkit.githooks import GitHookStep
from devkit.host.python import find_python
from devkit.host.venv import VenvStep, run_env
from devkit.inside.steps import FingerprintStep, LoggedStep, ProfileCommandStep
from devkit.parity.runner import host_env

if TYPE_CHECKING:
    from devkit.config.model import Profile
    from devkit.workspace import Workspace

WHERE = "host-venv"  # the run records' and fingerprints' "where" for the host target
LOG_DIR = ("logs", "host-init")


def build_host_plan(
    workspace: Workspace,
    profile: Profile,
    branch_name: str,
    env: Mapping[str, str] | None,
    branch: Step,
    make_data: Callable[[], Step | None],
) -> Plan:
    """The host plan from the steps it shares with the container plan (``devkit.init.plan``
    builds the branch step, checked already, and the data step, made once the venv's Python
    is found)."""
    base = dict(os.environ if env is None else env)
    python = find_python(profile.image.python, profile.name, base)
    root = workspace.root
    workload_env = run_env(root, host_env(profile, base))
    work: list[Step] = [VenvStep(root, profile, python, base)]
    data = make_data()
    if data is not None:
        work.append(data)
    work.append(GitHookStep(root, profile.name))
    work += [
        ProfileCommandStep(i, cmd, root, workload_env) for i, cmd in enumerate(profile.post_create)
    ]
    work.append(FingerprintStep(root, profile, workload_env, WHERE))
    log_dir = root.joinpath(".devkit", *LOG_DIR)
    steps: list[Step] = [branch, *(LoggedStep(step, log_dir) for step in work)]
    title = f"devkit init --target host ({profile.name} on {branch_name})"
    return Plan(title, steps, lock=workspace.state)
