"""The workspace lock: a second devkit that would change the workspace stops, naming the first."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devkit.core.errors import NotReadyError, RefusedError
from devkit.core.events import Event, StepFailed
from devkit.core.lock import workspace_lock
from devkit.core.plan import Plan, StepContext, StepResult, run_plan

HOLD = """
import sys, time
from pathlib import Path
from devkit.core.lock import workspace_lock
with workspace_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


@contextmanager
def held_by_another_process(state: Path) -> Iterator[int]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held"
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    state = tmp_path / ".devkit"
    with (
        held_by_another_process(state) as pid,
        pytest.raises(NotReadyError) as caught,
        workspace_lock(state),
    ):
        pass
    assert f"another devkit (pid {pid}) is working in this workspace" in caught.value.what
    assert caught.value.code == 3


def test_the_lock_dies_with_its_holder(tmp_path: Path) -> None:
    state = tmp_path / ".devkit"
    with held_by_another_process(state):
        pass  # killed with SIGKILL: no chance to clean up
    with workspace_lock(state):
        assert (state / "lock").read_text().strip() == str(os.getpid())


def test_reentrant_in_one_process(tmp_path: Path) -> None:
    state = tmp_path / ".devkit"
    with workspace_lock(state), workspace_lock(state):
        pass


def test_a_symlinked_lock_file_is_not_followed(tmp_path: Path) -> None:
    state = tmp_path / ".devkit"
    state.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (state / "lock").symlink_to(outside)
    with pytest.raises(RefusedError), workspace_lock(state):
        pass
    assert outside.read_text() == "keep me"


class _Touch:
    id = "touch"
    title = "Touch"

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> list[str]:
        return []

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        self.path.write_text("changed")
        return StepResult("done")


def test_a_locking_plan_does_nothing_while_another_devkit_works(tmp_path: Path) -> None:
    state = tmp_path / ".devkit"
    target = tmp_path / "file"
    events: list[Event] = []
    with held_by_another_process(state) as pid:
        outcome = run_plan(Plan("p", [_Touch(target)], lock=state), events.append)
    assert outcome.code == 3 and not outcome.ok
    failed = [e for e in events if isinstance(e, StepFailed)]
    assert failed and failed[0].step == "lock" and str(pid) in failed[0].what
    assert not target.exists()


def test_read_only_plans_do_not_wait(tmp_path: Path) -> None:
    state = tmp_path / ".devkit"
    target = tmp_path / "file"
    with held_by_another_process(state):
        start = time.monotonic()
        outcome = run_plan(Plan("p", [_Touch(target)]), lambda event: None)
    assert outcome.ok and target.read_text() == "changed"
    assert time.monotonic() - start < 30


def test_sync_data_exits_3_while_another_devkit_works(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    with held_by_another_process(repo / ".devkit") as pid:
        result = subprocess.run(
            [sys.executable, "-m", "devkit", "sync-data", "--synthetic", "--profile", "api"],
            cwd=repo,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
            timeout=120,
            check=False,
        )
    assert result.returncode == 3, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert f"another devkit (pid {pid})" in output and "hint:" in output
    assert not (repo / "data").exists()
