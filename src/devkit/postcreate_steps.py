"""The work ``devkit post-create`` does inside the container, one idempotent step each.

1. ``DepsStep`` — the workload's locked dependencies: nothing when the image already has every
   pin (the normal case: the image installs the lockfile), else ``pip install -r`` the lockfile.
2. ``ContainerDataStep`` — the profile's dataset: the S3 sample when credentials reach the
   container (the broker's socket answers; the opt-in host config; or, in a cloud IDE with no
   broker, what the standard AWS chain finds — environment keys, web identity, a container or
   instance role), always through the credentials guard; else synthetic data, saying which and
   why. A sample the guard refuses (write-capable or unprovable credentials) becomes synthetic
   data with the reason, unless ``--data sample`` was asked for. ``--data`` given to
   ``devkit init`` is honoured (recorded in state).
3. ``HooksStep`` (``devkit.hooks``) — the pre-push hook.
4. ``FingerprintStep`` — a first fingerprint of the environment, ``.devkit/fingerprints/``.

``LoggedStep`` wraps each of them so its log lines also land in ``.devkit/logs/post-create/``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from devkit.errors import ConfigError, NotReadyError
from devkit.events import Event, Log
from devkit.plan import Step, StepContext, StepResult

if TYPE_CHECKING:
    from devkit.config.model import Profile

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
        from devkit import safefs

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


def workload_python() -> str:
    from devkit.parity.probe import workload_python as find

    return find()


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
        from devkit.parity.lockfile import read_lockfile

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


def broker_answers() -> tuple[bool, str]:
    """Whether the credentials broker's socket is mounted and answers (no key is kept)."""
    from devkit.credentials.client import fetch
    from devkit.credentials.protocol import CONFIG_NAME, CONTAINER_DIR, SOCKET_NAME
    from devkit.errors import DevkitError

    config = os.environ.get("AWS_CONFIG_FILE", "")
    if config != f"{CONTAINER_DIR}/{CONFIG_NAME}" or not Path(config).is_file():
        return False, "no credentials broker is mounted in this container"
    try:
        fetch(f"{CONTAINER_DIR}/{SOCKET_NAME}", timeout=30)
    except DevkitError as exc:
        return False, f"the credentials broker does not answer ({exc.what})"
    return True, "read-only credentials reach the container through devkit's broker"


def host_config_mounted() -> bool:
    from devkit.container.credentials_mount import HOST_CONFIG_DIR

    return os.environ.get("AWS_CONFIG_FILE", "").startswith(HOST_CONFIG_DIR + "/")


def chain_credentials(region: str | None) -> str | None:
    """What the standard AWS chain yields in this process (no broker), named for a person:
    e.g. "environment keys", "web identity", "container role"; None when it yields nothing."""
    from devkit.data import aws

    return aws.credential_source(aws.session(region))


class ContainerDataStep:
    """The dataset, decided inside the container."""

    id = "data"
    title = "Dataset"

    def __init__(self, root: Path, profile: Profile, mode: str | None) -> None:
        self.root = root
        self.profile = profile
        self.mode = mode or "auto"
        self._choice: tuple[str, str] | None = None
        self._brokered = False

    def choice(self) -> tuple[str, str]:
        """(sample | synthetic | none, why)."""
        if self._choice is None:
            self._choice = self._decide()
        return self._choice

    def _decide(self) -> tuple[str, str]:
        data = self.profile.data
        if self.mode == "none" or data is None:
            return "none", "no dataset (--data none, or the profile declares none)"
        if self.mode == "synthetic":
            return "synthetic", "--data synthetic was chosen"
        if data.source is None:
            return "synthetic", f"profile '{self.profile.name}' names no S3 sample"
        if host_config_mounted():
            return "sample", "the host's AWS config is mounted read-only (--aws-config host)"
        ok, why = broker_answers()
        if ok:
            self._brokered = True
            return "sample", why
        found = chain_credentials(data.source.region)
        if found:
            return "sample", f"{why}; the AWS credential chain provides {found}"
        why = f"{why}, and the AWS credential chain provides no credentials"
        if self.mode == "sample":
            raise NotReadyError(
                f"--data sample, but {why}",
                "run 'devkit init --data sample' on a host with AWS credentials "
                "(it starts the broker), or use --data synthetic",
            )
        return "synthetic", why

    def inner(self) -> Step | None:
        from devkit.data.step import DataStep

        kind, _ = self.choice()
        if kind == "none":
            return None
        # The broker's session *is* the role's narrowed one: the guard checks it is a session of
        # the profile's role instead of assuming the role again (role chaining, which the role's
        # read-only policy does not allow).
        step: Step = DataStep(
            self.root,
            self.profile,
            "sample" if kind == "sample" else "synthetic",
            brokered=self._brokered,
            synthetic_when_refused=self.mode != "sample",
        )
        return step

    def describe(self) -> list[str]:
        kind, why = self.choice()
        inner = self.inner()
        return [f"{kind}: {why}", *(inner.describe() if inner else [])]

    def is_done(self) -> bool:
        inner = self.inner()
        return inner is None or inner.is_done()

    def run(self, ctx: StepContext) -> StepResult:
        kind, why = self.choice()
        ctx.log(f"data: {kind}, because {why}")
        inner = self.inner()
        if inner is None:
            return StepResult(f"no data: {why}")
        result = inner.run(ctx)
        fallback = result.data.get("fallback")
        if fallback:
            kind, why = "synthetic", str(fallback)
            ctx.log(f"data: synthetic, because {why}")
        return StepResult(f"{kind} ({why}): {result.summary}", {**result.data, "why": why})


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
        from devkit.parity.lockfile import read_lockfile

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
        from devkit.parity.fingerprint import fingerprint
        from devkit.parity.runner import host_env

        data, seconds = fingerprint(
            self.root,
            self.profile,
            env=host_env(self.profile, self.env),
            where=self.where,
            cache_dir=self.root / ".devkit" / "cache",
        )
        from devkit import safefs

        safefs.write_text(self.path, json.dumps(data, indent=1) + "\n", root=self.root)
        rel = self.path.relative_to(self.root)
        ctx.log(f"{len(data.get('distributions') or {})} distributions, {seconds:.2f} s")
        return StepResult(f"recorded {rel}", {"path": str(rel)})
