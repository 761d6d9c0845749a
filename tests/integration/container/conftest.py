"""Helpers for devkit init integration tests: workspaces with a test profile, running devkit.

All workspaces use the same profile name and image settings, so they share one image (its hash
does not depend on the post-create commands, ports or secrets): the first test builds it, the
others reuse it. Builds and containers use the host's network (tests never use a bridge).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from support.contract import check_json_output
from support.engine import TEST_LABELS
from support.gitrepo import GitRepo, make_repo

# The wheelhouse cache outlives pytest's isolated HOME (it is only a download cache).
CACHE_DIR = os.environ.get("DEVKIT_CACHE_DIR") or str(Path.home() / ".cache" / "devkit")
PROFILE = "svc"
SECRET_VALUE = "s3cr3t-do-not-leak-7f3a"


def profile_yaml(post_create: Sequence[str] = (), ports: Sequence[int] = ()) -> str:
    hooks = ", ".join(f"'{c}'" for c in post_create)
    port_list = ", ".join(str(p) for p in ports)
    return (
        f"name: {PROFILE}\n"
        "description: test workload\n"
        "extends: base\n"
        "secrets: [SVC_TOKEN]\n"
        f"post_create: [{hooks}]\n"
        f"ports: [{port_list}]\n"
    )


SECRET_SHA = hashlib.sha256(SECRET_VALUE.encode()).hexdigest()[:16]
# The hook proves the secret arrived without the profile (or its log) holding the value.
DEFAULT_HOOKS = (
    "echo hook-ran > .devkit/hook-ran",
    'test "$(printf %s "$SVC_TOKEN" | sha256sum | cut -c1-16)" = ' + SECRET_SHA,
)


_made: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def _forget_secrets() -> Any:
    """The session cleanup removes containers behind devkit's back: drop their secrets files."""
    yield
    from devkit.container import secrets
    from devkit.container.spec import container_name

    for path in _made:
        secrets.remove(container_name(path))


def new_workspace(
    path: Path,
    hooks: Sequence[str] = DEFAULT_HOOKS,
    ports: Sequence[int] = (),
    files: dict[str, str] | None = None,
) -> GitRepo:
    _made.append(path.resolve())
    tree = {
        "README.md": "# test workspace\n",
        f".devkit/profiles/{PROFILE}.yaml": profile_yaml(hooks, ports),
        **(files or {}),
    }
    return make_repo(path, files=tree)


def devkit_env(repo: GitRepo) -> dict[str, str]:
    return {
        **repo.env,
        "DEVKIT_EXTRA_LABELS": ",".join(f"{k}={v}" for k, v in TEST_LABELS.items()),
        "DEVKIT_CACHE_DIR": CACHE_DIR,
        "SVC_TOKEN": SECRET_VALUE,
        "NO_COLOR": "1",
    }


def run_devkit(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> Any:
    proc = subprocess.run(
        [sys.executable, "-m", "devkit", *args],
        cwd=repo.path,
        env=env or devkit_env(repo),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    # Shown by pytest when a test fails.
    print(f"$ devkit {' '.join(args)}\n{proc.stdout}\n{proc.stderr}\n(exit {proc.returncode})")
    check_json_output(args, proc.stdout)
    return proc


@pytest.fixture
def init_args(base_image: str) -> Callable[..., list[str]]:
    def make(branch: str = "feat/work", *extra: str) -> list[str]:
        return [
            "init",
            "--profile",
            PROFILE,
            "--branch",
            branch,
            "--base-image",
            base_image,
            "--data",
            "none",
            "--network",
            "host",
            *extra,
        ]

    return make


def workspace_containers(client: Any, path: Path) -> list[Any]:
    return list(
        client.containers.list(all=True, filters={"label": f"devcontainer.local_folder={path}"})
    )
