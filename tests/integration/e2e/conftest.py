"""Helpers for the end-to-end tests: fresh copies of examples/ml-platform as git repos, devkit run
as a user runs it (a subprocess), and the reference snapshot taken inside the dev container.

Every build and container uses the host's network; servers the tests start listen on 127.0.0.1.
Images are shared across tests by content hash: the same profile + lockfile + base image is built
once per engine (later runs, and other test modules, reuse it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from support.contract import check_json_output
from support.engine import REPO_ROOT, TEST_LABELS, staging_digest
from support.gitrepo import GitRepo, make_repo

EXAMPLE = REPO_ROOT / "examples" / "ml-platform"
CACHE_DIR = os.environ.get("DEVKIT_CACHE_DIR") or str(Path.home() / ".cache" / "devkit")
DEVCONTAINER_CLI = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "devcontainer"
TIMINGS: dict[str, float] = {}


def example_files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for path in sorted(EXAMPLE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(EXAMPLE).as_posix()] = path.read_bytes()
    return files


def sample_workspace(path: Path, extra: dict[str, str | bytes] | None = None) -> GitRepo:
    """A fresh copy of the sample workspace, committed on main."""
    return make_repo(path, files={**example_files(), **(extra or {})})


def devkit_env(repo: GitRepo, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        **repo.env,
        "DEVKIT_EXTRA_LABELS": ",".join(f"{k}={v}" for k, v in TEST_LABELS.items()),
        "DEVKIT_CACHE_DIR": CACHE_DIR,
        "NO_COLOR": "1",
        # The pre-push hook finds devkit on PATH, as it would for a developer.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{repo.env.get('PATH', '')}",
        **(extra or {}),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(
    argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 1500
) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    proc = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    took = time.monotonic() - started
    # Shown by pytest when a test fails.
    print(f"$ {' '.join(argv)}  ({took:.1f} s)\n{proc.stdout}\n{proc.stderr}")
    print(f"(exit {proc.returncode})")
    return proc


def devkit(
    repo: GitRepo, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    proc = run([sys.executable, "-m", "devkit", *args], repo.path, env or devkit_env(repo))
    check_json_output(args, proc.stdout)
    return proc


def init_args(profile: str, branch: str, base_image: str, data: str = "synthetic") -> list[str]:
    return [
        "init", "--profile", profile, "--branch", branch, "--data", data, "--yes", "--no-input",
        "--base-image", base_image, "--network", "host",
    ]  # fmt: skip


def the_container(client: Any, path: Path) -> Any:
    found = client.containers.list(filters={"label": f"devcontainer.local_folder={path}"})
    assert len(found) == 1, [c.name for c in found]
    return found[0]


def snapshot_reference(client: Any, repo: GitRepo, profile: str, base_image: str) -> None:
    """Staging's stand-in: `devkit parity snapshot` inside the same dev container."""
    container = the_container(client, repo.path)
    digest = staging_digest(client, base_image)
    result = container.exec_run(
        ["devkit", "parity", "snapshot", "--profile", profile,
         "--out", f"/workspace/.devkit/reference/{profile}.json"],
        environment={"DEVKIT_BASE_IMAGE": base_image, "DEVKIT_BASE_DIGEST": digest},
        workdir="/workspace",
    )  # fmt: skip
    assert result.exit_code == 0, result.output.decode()


def timed(name: str, started: float) -> None:
    TIMINGS[name] = time.monotonic() - started
    print(f"timing: {name} {TIMINGS[name]:.1f} s")
