"""What ``devkit post-create`` checks first, inside the container: the workspace is mounted and
writable, the workload's Python is the profile's major.minor, devkit is reachable, and which user
and UID it runs as. Each check is a step; a failed one stops the plan before any work starts.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

from devkit import __version__, safefs
from devkit.core.errors import NotReadyError
from devkit.core.plan import StepContext, StepResult


class _Check:
    id = "check"
    title = "Check"

    def describe(self) -> list[str]:
        return []

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        raise NotImplementedError


class MountedWorkspaceCheck(_Check):
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
