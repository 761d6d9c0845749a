"""The work ``devkit post-create`` does, one idempotent step each (the host target reuses them).

- ``DepsStep`` — the workload's locked dependencies: nothing when the image already has every
  pin (the normal case: the image installs the lockfile), else ``pip install -r`` the lockfile.
- ``ProfileCommandStep`` — one of the profile's own ``post_create`` commands (``sh -c`` in the
  workspace).
- ``FingerprintStep`` — a first fingerprint of the environment, ``.devkit/fingerprints/``.

The dataset step is ``inside.data``; the pre-push hook step is ``githooks``. ``LoggedStep`` wraps
each of them so its log lines also land in ``.devkit/logs/post-create/``.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from devkit import safefs
from devkit.config.model import Profile
from devkit.core.errors import ConfigError, NotReadyError
from devkit.core.events import Event, Log
from devkit.core.plan import Step, StepContext, StepResult
from devkit.parity.fingerprint import fingerprint
from devkit.parity.lockfile import read_lockfile
from devkit.parity.probe import workload_python
from devkit.parity.runner import host_env

LOG_DIR = ("logs", "post-create")
FINGERPRINT = ("fingerprints", "post-create.json")
_LIST_DISTS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class LoggedStep:
    """Runs ``inner`` with its log lines also written to ``<log_dir>/<step id>.log``."""

    def __init__(self, inner: Step, log_dir: Path) -> None:
        self.inner = inner
        self.id = inner.id
        self.title = inner.title
        self.log_dir = log_dir

    def describe(self) -> list[str]:
        return self.inner.describe()

    def is_done(self) -> bool:
        return self.inner.is_done()

    def run(self, ctx: StepContext) -> StepResult:
        path = self.log_dir / f"{self.id}.log"
        with safefs.open_text_write(path) as fh:
            fh.write(f"# {self.title} — {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n")

            def tee(event: Event) -> None:
                if isinstance(event, Log):
                    fh.write(event.line + "\n")
                    fh.flush()
                ctx.reporter(event)

            try:
                result = self.inner.run(StepContext(ctx.step_id, tee, ctx.cancel))
            except Exception as exc:
                fh.write(f"FAILED: {exc}\n")
                raise
            fh.write(f"done: {result.summary}\n")
        return result


class DepsStep:
    id = "deps"
    title = "Locked dependencies"

    def __init__(self, root: Path, profile: Profile) -> None:
        self.root = root
        self.profile = profile

    @property
    def lockfile(self) -> Path | None:
        rel = self.profile.image.lockfile
        return (self.root / rel) if rel else None

    def missing(self) -> list[str]:
        """Pins of the lockfile the workload's Python does not have (name==version)."""
        rel = self.profile.image.lockfile
        if not rel:
            return []
        lock = read_lockfile(self.root, rel)
        if lock.sha256 is None:
            raise ConfigError(
                f"lockfile {rel} named by profile '{self.profile.name}' is not in the workspace",
                "create it or fix image.lockfile in the profile",
            )
        out = subprocess.run(
            [workload_python(), "-c", _LIST_DISTS], capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            raise NotReadyError(
                f"cannot list the workload's distributions: {out.stderr.strip()[-200:]}",
                "rebuild the image with 'devkit init'",
            )
        have = {_norm(k): v for k, v in json.loads(out.stdout).items()}
        return sorted(
            f"{name}=={version}"
            for name, version in lock.pins.items()
            if have.get(_norm(name)) != version
        )

    def describe(self) -> list[str]:
        missing = self.missing()
        if not missing:
            return []
        return [f"pip install -r {self.profile.image.lockfile} ({len(missing)} pin(s) missing)"]

    def is_done(self) -> bool:
        return not self.missing()

    def run(self, ctx: StepContext) -> StepResult:
        missing = self.missing()
        if not missing:
            return StepResult("the image already has every locked dependency")
        ctx.log(f"the image lacks {len(missing)} pin(s): {', '.join(missing[:10])}")
        lock = self.lockfile
        assert lock is not None
        pip = [workload_python(), "-m", "pip", "install", "--no-input", "-r", str(lock)]
        code = ctx.stream(pip, self.root)
        if code != 0:
            raise NotReadyError(
                f"pip install -r {self.profile.image.lockfile} failed (exit {code})",
                "see the log above; fix the lockfile or the network, then rerun post-create",
            )
        still = self.missing()
        if still:
            raise NotReadyError(
                f"after pip install, still missing: {', '.join(still)}",
                "check the lockfile's pins for conflicts",
            )
        return StepResult(f"installed {len(missing)} locked distribution(s)")


class ProfileCommandStep:
    """One of the profile's own ``post_create`` commands, ``sh -c`` in the workspace."""

    def __init__(self, index: int, command: str, root: Path, env: Mapping[str, str]) -> None:
        self.id = f"hook-{index}"  # the step id is part of the --json event contract
        self.title = f"post_create[{index}]: {command}"
        self.command = command
        self.root = root
        self.env = env

    def describe(self) -> list[str]:
        return [f"run: {self.command}"]

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        code = ctx.stream(["sh", "-c", self.command], self.root, self.env)
        if code != 0:
            raise NotReadyError(
                f"post-create command failed (exit {code}): {self.command}",
                "fix the command or its cause; the next 'devkit init' runs it again",
            )
        return StepResult("ok")


class FingerprintStep:
    """A first fingerprint of the environment, so 'devkit status' and parity have a baseline."""

    id = "fingerprint"
    title = "First fingerprint"

    def __init__(
        self,
        root: Path,
        profile: Profile,
        env: Mapping[str, str] | None = None,
        where: str = "container",
    ) -> None:
        self.root = root
        self.profile = profile
        self.env = env  # the workload's environment (default: this process's + the profile's)
        self.where = where

    @property
    def path(self) -> Path:
        return self.root.joinpath(".devkit", *FINGERPRINT)

    def _lock_digest(self) -> str | None:
        rel = self.profile.image.lockfile
        return read_lockfile(self.root, rel).sha256 if rel else None

    def describe(self) -> list[str]:
        return [] if self.is_done() else [f"record {self.path.relative_to(self.root)}"]

    def is_done(self) -> bool:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        lock = data.get("lockfile") or {}
        return bool(
            data.get("profile") == self.profile.name
            and lock.get("sha256") == self._lock_digest()
            and data.get("where", self.where) == self.where
        )

    def run(self, ctx: StepContext) -> StepResult:
        data, seconds = fingerprint(
            self.root,
            self.profile,
            env=host_env(self.profile, self.env),
            where=self.where,
            cache_dir=self.root / ".devkit" / "cache",
        )
        safefs.write_text(self.path, json.dumps(data, indent=1) + "\n", root=self.root)
        rel = self.path.relative_to(self.root)
        ctx.log(f"{len(data.get('distributions') or {})} distributions, {seconds:.2f} s")
        return StepResult(f"recorded {rel}", {"path": str(rel)})
