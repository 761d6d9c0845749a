"""Two devkits changing one workspace: the second stops at once, naming the first."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .conftest import new_workspace, run_devkit, workspace_containers

HOLD = """
import sys, time
from pathlib import Path
from devkit.core.lock import workspace_lock
with workspace_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_second_init_exits_3_naming_the_first_and_changes_nothing(
    tmp_path: Path, docker_engine: Any, init_args: Callable[..., list[str]]
) -> None:
    repo = new_workspace(tmp_path / "ws")
    # Another devkit at work here (it holds the lock the way a running init does).
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(repo.path / ".devkit")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        proc = run_devkit(repo, *init_args("feat/second"))
        # Read-only commands never wait for the lock.
        status = run_devkit(repo, "status", "--json")
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 3
    output = proc.stdout + proc.stderr
    assert f"another devkit (pid {holder.pid}) is working in this workspace" in output
    assert "hint:" in output
    assert repo.git("branch", "--format=%(refname:short)") == "main"
    assert not (repo.path / ".devcontainer").exists()
    assert not workspace_containers(docker_engine, repo.path)
    assert status.returncode == 0, status.stderr
