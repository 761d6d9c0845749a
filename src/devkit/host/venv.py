"""The workload's virtual environment for the host target: ``.devkit/venv``.

Created with the profile's Python (``host.python.find_python``) and filled from the profile's
lockfile with that venv's own pip; the lockfile's hash, the interpreter and its version are
recorded in ``.devkit/state.json`` (``host_venv``), so a second ``init`` leaves a current venv
alone and a changed lockfile re-syncs it. ``.devkit/`` is git-ignored, so the venv never shows in
``git status``; the environment scanner and ``prod_refs`` skip ``.devkit`` too.

The folder is reached through ``safefs`` (a symlink the repository tracks at ``.devkit`` stops
the command; ``.devkit/venv`` itself must be a real folder, never a link) before ``python -m
venv`` and pip write inside it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit import safefs
from devkit.container.trust import detect_ca_bundle
from devkit.core.errors import ConfigError, NotReadyError, RefusedError
from devkit.core.plan import StepContext, StepResult
from devkit.host.python import interpreter_version
from devkit.parity.lockfile import read_lockfile
from devkit.parity.probe import WORKLOAD_PYTHON_ENV
from devkit.state import HOST_VENV_KEY, WorkspaceState

if TYPE_CHECKING:
    from devkit.config.model import Profile
    from devkit.host.python import HostPython

VENV_REL = ".devkit/venv"
_LIST_DISTS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
)


def venv_dir(root: Path) -> Path:
    return root / VENV_REL


def venv_bin(root: Path) -> Path:
    return venv_dir(root) / "bin"


def venv_python(root: Path) -> Path:
    return venv_bin(root) / "python"


def run_env(root: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the venv activated: its ``bin``
    first on PATH, ``VIRTUAL_ENV`` set, and the fingerprint probing the venv's interpreter."""

    env = dict(os.environ if base is None else base)
    env.pop("PYTHONHOME", None)
    env["PATH"] = os.pathsep.join([str(venv_bin(root)), *filter(None, [env.get("PATH")])])
    env["VIRTUAL_ENV"] = str(venv_dir(root))
    env[WORKLOAD_PYTHON_ENV] = str(venv_python(root))
    return env


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(python: Path) -> dict[str, str] | None:
    """Normalised distribution name → version in the interpreter, None when it does not run."""
    try:
        out = subprocess.run(
            [str(python), "-c", _LIST_DISTS], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    try:
        return {_norm(k): str(v) for k, v in json.loads(out.stdout).items()}
    except ValueError:
        return None


def pip_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """pip's environment: the host's CA bundle when pip was told none (TLS-intercepting
    proxies), no PYTHONHOME/PYTHONPATH leaking another interpreter in."""

    env = dict(os.environ if base is None else base)
    for name in ("PYTHONHOME", "PYTHONPATH", "PIP_USER", "PIP_TARGET", "PIP_PREFIX"):
        env.pop(name, None)
    if not env.get("PIP_CERT"):
        bundle = detect_ca_bundle()
        if bundle is not None:
            env["PIP_CERT"] = str(bundle)
    env["PIP_NO_INPUT"] = "1"
    return env


class VenvStep:
    """``.devkit/venv`` with the profile's Python and the lockfile's pins."""

    id = "venv"
    title = "Workload virtual environment"

    def __init__(
        self,
        root: Path,
        profile: Profile,
        python: HostPython,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.profile = profile
        self.python = python
        self.env = env
        self.title = f"Virtual environment {VENV_REL} (Python {python.version})"

    # -- what the lockfile says -------------------------------------------------------------
    def _lock(self) -> tuple[str | None, str | None, dict[str, str]]:
        """(relative path, sha256, pins) of the profile's lockfile; (None, None, {}) without."""
        rel = self.profile.image.lockfile
        if not rel:
            return None, None, {}
        lock = read_lockfile(self.root, rel)
        if lock.sha256 is None:
            raise ConfigError(
                f"lockfile {rel} named by profile '{self.profile.name}' is not in the workspace",
                "create it or fix image.lockfile in the profile",
            )
        return rel, lock.sha256, dict(lock.pins)

    def _recorded(self) -> dict[str, Any]:
        return WorkspaceState(self.root).entry(HOST_VENV_KEY)

    def _venv_version(self) -> str | None:
        exe = venv_python(self.root)
        return interpreter_version(str(exe)) if exe.exists() else None

    # -- the Step protocol ------------------------------------------------------------------
    def describe(self) -> list[str]:
        rel, sha, pins = self._lock()
        version = self._venv_version()
        lines: list[str] = []
        if version != self.python.version:
            what = "create" if version is None else f"re-create (it is Python {version})"
            lines.append(
                f"{what} {VENV_REL} with {self.python.path} (Python {self.python.version})"
            )
        if rel and (version != self.python.version or self._recorded().get("lock_sha256") != sha):
            lines.append(f"pip install -r {rel} into {VENV_REL} ({len(pins)} pin(s))")
        return lines

    def is_done(self) -> bool:
        _, sha, _ = self._lock()
        record = self._recorded()
        return (
            self._venv_version() == self.python.version
            and record.get("lock_sha256") == sha
            and record.get("python") == self.python.version
        )

    def _prepare_folder(self) -> Path:
        """``.devkit/`` reached safely; ``.devkit/venv`` a real folder or absent."""
        safefs.ensure_dir(self.root / ".devkit", root=self.root)
        target = venv_dir(self.root)
        if target.is_symlink():
            raise RefusedError(
                f"{VENV_REL} is a symbolic link; devkit never builds a venv through a link",
                f"remove {VENV_REL} and run 'devkit init --target host' again",
            )
        return target

    def run(self, ctx: StepContext) -> StepResult:
        rel, sha, pins = self._lock()
        target = self._prepare_folder()
        version = self._venv_version()
        created = False
        if version != self.python.version:
            if target.exists():
                ctx.log(f"{VENV_REL} is Python {version or 'unusable'}; re-creating it")
                shutil.rmtree(target)
            ctx.log(f"creating {VENV_REL} with {self.python.path}")
            code = ctx.stream(
                [self.python.path, "-m", "venv", str(target)], self.root, pip_env(self.env)
            )
            if code != 0 or self._venv_version() != self.python.version:
                raise NotReadyError(
                    f"'{self.python.path} -m venv {VENV_REL}' failed (exit {code})",
                    "install the venv module for that Python (e.g. 'apt-get install "
                    f"python{self.python.version}-venv') and run again",
                )
            created = True
        python = venv_python(self.root)
        if rel:
            ctx.log(f"installing {len(pins)} pin(s) from {rel} into {VENV_REL}")
            argv = [str(python), "-m", "pip", "install", "--no-input", "-r", str(self.root / rel)]
            code = ctx.stream(argv, self.root, pip_env(self.env))
            if code != 0:
                raise NotReadyError(
                    f"pip install -r {rel} into {VENV_REL} failed (exit {code})",
                    "see the log above; fix the lockfile or the network (proxy, CA bundle: "
                    "PIP_CERT), then run 'devkit init' again",
                )
            have = installed(python) or {}
            missing = sorted(f"{n}=={v}" for n, v in pins.items() if have.get(_norm(n)) != v)
            if missing:
                raise NotReadyError(
                    f"after pip install, {VENV_REL} still lacks: {', '.join(missing)}",
                    "check the lockfile's pins for conflicts",
                )
        record = {"path": VENV_REL, "python": self.python.version, "lock_sha256": sha}
        WorkspaceState(self.root).update(**{HOST_VENV_KEY: record | {"lockfile": rel}})
        what = "created" if created else "re-synced"
        return StepResult(
            f"{what} {VENV_REL} (Python {self.python.version}, {len(pins)} locked pin(s))",
            {"venv": VENV_REL, "python": self.python.version},
        )


def require_venv(root: Path) -> Path:
    """The venv's python, or NotReadyError naming the command that creates it."""
    python = venv_python(root)
    if not python.exists():
        raise NotReadyError(
            f"this workspace uses the host target but {VENV_REL} is missing",
            "run 'devkit init --target host' to create it",
        )
    return python
