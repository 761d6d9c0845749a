"""``devkit post-create``: the devcontainer's postCreate hook, run inside the container.

It checks the environment it runs in — the workspace is mounted and writable, the workload's
Python is the profile's major.minor, devkit is reachable, which user and UID it runs as — then
finishes the setup (``postcreate_steps``): the locked dependencies if the image lacks them, the
dataset (sample when read-only credentials reach the container, else synthetic, saying which and
why), the git pre-push hook, the profile's own ``post_create`` commands (``sh -c`` in the
workspace, with the run-time secrets from ``/run/devkit/secrets.env`` in their environment) and a
first fingerprint. Every step logs to ``.devkit/logs/post-create/<step>.log``; every step is
idempotent, so a second run does nothing and says so; a failure names its step and exits
non-zero. Nothing here depends on who started the container: devkit, VS Code, Codespaces or the
reference ``devcontainer`` CLI all run the same command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from devkit.config.model import Profile
from devkit.errors import NotReadyError
from devkit.plan import Plan, Step, StepContext, StepResult


class _Check:
    id = "check"
    title = "Check"

    def describe(self) -> list[str]:
        return []

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        raise NotImplementedError


class WorkspaceCheck(_Check):
    id = "workspace"
    title = "Workspace mounted and writable"

    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, ctx: StepContext) -> StepResult:
        if not self.root.is_dir():
            raise NotReadyError(
                f"the workspace {self.root} is not there",
                "start the container with the workspace mounted (devkit init)",
            )
        probe = self.root / ".devkit" / f".write-probe-{os.getpid()}"
        try:
            from devkit import safefs

            safefs.write_text(probe, "ok", root=self.root)
            safefs.unlink(probe, root=self.root)
        except OSError as exc:
            raise NotReadyError(
                f"the workspace {self.root} is not writable for uid {os.getuid()}: {exc}",
                "run the container as the host user's UID (devkit init does) or fix permissions",
            ) from None
        inside = Path("/.dockerenv").exists() or bool(os.environ.get("DEVKIT_WORKSPACE"))
        where = "inside a container" if inside else "on the host (not in a container?)"
        return StepResult(f"{self.root} is writable, {where}")


class PythonCheck(_Check):
    id = "python"
    title = "Workload Python"

    def __init__(self, want: str) -> None:
        self.want = want

    def run(self, ctx: StepContext) -> StepResult:
        exe = shutil.which("python") or shutil.which("python3")
        if exe is None:
            raise NotReadyError("no python on PATH", "rebuild the image with 'devkit init'")
        code = "import sys; print('%d.%d' % sys.version_info[:2], sys.prefix)"
        out = subprocess.run([exe, "-c", code], capture_output=True, text=True, check=False)
        got, _, prefix = out.stdout.strip().partition(" ")
        if got != self.want:
            raise NotReadyError(
                f"the workload's Python ({exe}) is {got or 'unusable'}, the profile wants "
                f"{self.want}",
                "set image.base to an image with that Python, or change image.python",
            )
        return StepResult(f"Python {got} at {exe} (environment {prefix})")


class DevkitCheck(_Check):
    id = "devkit"
    title = "devkit reachable"

    def run(self, ctx: StepContext) -> StepResult:
        from devkit import __version__

        exe = shutil.which("devkit")
        if exe is None:
            raise NotReadyError(
                "devkit is not on PATH in the container", "rebuild the image with 'devkit init'"
            )
        return StepResult(f"devkit {__version__} at {exe} ({sys.prefix})")


class UserCheck(_Check):
    id = "user"
    title = "User and UID"

    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, ctx: StepContext) -> StepResult:
        import pwd

        uid, gid = os.getuid(), os.getgid()
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            name = "?"
        owner = self.root.stat().st_uid if self.root.exists() else -1
        summary = f"{name} (uid {uid}, gid {gid}); workspace owned by uid {owner}"
        if uid != 0 and owner not in (uid, -1):
            ctx.log("files written here will not belong to the workspace's owner")
            return StepResult(summary, {"status": "warn"})
        return StepResult(summary)


class HookStep(_Check):
    title = "Profile post-create command"

    def __init__(self, index: int, command: str, root: Path, env: Mapping[str, str]) -> None:
        self.id = f"hook-{index}"
        self.title = f"post_create[{index}]: {command}"
        self.command = command
        self.root = root
        self.env = env

    def describe(self) -> list[str]:
        return [f"run: {self.command}"]

    def run(self, ctx: StepContext) -> StepResult:
        code = ctx.stream(["sh", "-c", self.command], self.root, self.env)
        if code != 0:
            raise NotReadyError(
                f"post-create command failed (exit {code}): {self.command}",
                "fix the command or its cause; the next 'devkit init' runs it again",
            )
        return StepResult("ok")


def recorded_data_mode(root: Path) -> str | None:
    """The --data that 'devkit init' was given (None: sample when credentials reach us)."""
    from devkit.state import WorkspaceState

    return WorkspaceState(root).last_init().data


def build_post_create_plan(
    root: Path,
    profile: Profile,
    env: Mapping[str, str] | None = None,
    data_mode: str | None = None,
) -> Plan:
    from devkit.container.secrets import load_in_container
    from devkit.hooks import HooksStep
    from devkit.postcreate_steps import (
        LOG_DIR,
        ContainerDataStep,
        DepsStep,
        FingerprintStep,
        LoggedStep,
    )

    hook_env = {**(os.environ if env is None else env), **load_in_container()}
    mode = data_mode or recorded_data_mode(root)
    work: list[Step] = [DepsStep(root, profile), ContainerDataStep(root, profile, mode)]
    if (root / ".git").exists():
        work.append(HooksStep(root, profile.name))
    work += [HookStep(i, cmd, root, hook_env) for i, cmd in enumerate(profile.post_create)]
    work.append(FingerprintStep(root, profile))
    log_dir = root.joinpath(".devkit", *LOG_DIR)
    steps: list[Step] = [
        WorkspaceCheck(root),
        PythonCheck(profile.image.python),
        DevkitCheck(),
        UserCheck(root),
        *(LoggedStep(step, log_dir) for step in work),
    ]
    return Plan(f"devkit post-create ({profile.name})", steps)
