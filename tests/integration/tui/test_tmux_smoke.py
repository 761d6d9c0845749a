"""Smoke test: the real `devkit` executable in a real terminal (tmux) — start, keys, clean exit."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tmux import Tmux

DEVKIT = Path(sys.executable).parent / "devkit"
# Textual draws on stderr, so the tests never redirect it.


@pytest.fixture
def tmux(home: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is not installed (apt-get install tmux)")
        pytest.skip("tmux is not installed (apt-get install tmux)")
    term = Tmux("smoke")
    yield term
    term.kill()


def terminal_env(home: Path) -> dict[str, str]:
    keep = ("PATH", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "XDG_CONFIG_HOME", "DOCKER_HOST")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    return env | {"HOME": str(home), "TERM": "xterm-256color", "AWS_EC2_METADATA_DISABLED": "1"}


def test_devkit_init_in_a_terminal(
    tmux: Tmux, workspace: Path, home: Path, docker_engine: Any
) -> None:
    status = workspace / ".exit-status"
    tmux.start(f"{DEVKIT} init; echo $? > {status.name}", workspace, terminal_env(home))
    tmux.wait_for("Preflight")
    tmux.wait_for("Ready.")  # every check ran in the real terminal, none blocking
    tmux.keys("Enter")
    tmux.wait_for("Which workload are you working on?")
    tmux.wait_for("Training pipeline")  # profiles are read in a worker, after the first paint
    tmux.keys("Down")
    tmux.wait_for("LLM inference — enriches processed documents")  # details follow the cursor
    tmux.keys("Enter")
    tmux.wait_for("Name your feature branch")
    tmux.keys("f", "e", "a", "t", "/", "x", " ", "y")
    tmux.wait_for("is not a valid")
    tmux.keys("C-q")
    for _ in range(200):
        if status.exists() and status.read_text().strip():
            break
        time.sleep(0.05)
    assert status.read_text().strip() == "130"  # quit before running: nothing was changed
    assert not (workspace / ".devcontainer").exists()
    screen = tmux.screen()
    assert "Traceback" not in screen and "Preflight" not in screen  # the terminal was restored


def test_devkit_dashboard_in_a_terminal(
    tmux: Tmux, workspace: Path, home: Path, docker_engine: Any
) -> None:
    status = workspace / ".exit-status"
    tmux.start(f"{DEVKIT}; echo $? > {status.name}", workspace, terminal_env(home))
    tmux.wait_for("Container")
    tmux.wait_for("main")
    tmux.keys("c")  # check: runs the command's own check in-process, its result in the log
    tmux.wait_for("$ devkit check")
    tmux.wait_for("Check parity")
    tmux.keys("q")
    for _ in range(200):
        if status.exists() and status.read_text().strip():
            break
        time.sleep(0.05)
    assert status.read_text().strip() == "0"


def wait_exit(status: Path) -> str:
    for _ in range(300):
        if status.exists() and status.read_text().strip():
            break
        time.sleep(0.05)
    return status.read_text().strip()


def test_second_init_opens_on_the_last_profile_and_current_branch(
    tmux: Tmux, workspace: Path, home: Path, docker_engine: Any
) -> None:
    import subprocess

    (workspace / ".devkit").mkdir()
    (workspace / ".devkit" / "profile").write_text("training\n")  # what the first init recorded
    subprocess.run(["git", "-C", str(workspace), "checkout", "-qb", "feat/remembered"], check=True)
    status = workspace / ".exit-status"
    tmux.width, tmux.height = 80, 24
    tmux.start(f"{DEVKIT} init; echo $? > {status.name}", workspace, terminal_env(home))
    tmux.wait_for("Ready.")
    tmux.keys("Enter")
    tmux.wait_for("ports    5000")  # training's details: the remembered profile is highlighted
    tmux.keys("Enter")
    tmux.wait_for("Name your feature branch")
    tmux.wait_for("you are on it")  # pre-filled with the current branch, already checked
    assert "feat/remembered" in tmux.screen()
    tmux.keys("C-q")
    assert wait_exit(status) == "130"


def test_dashboard_down_asks_before_removing(
    tmux: Tmux, workspace: Path, home: Path, docker_engine: Any, base_image: str
) -> None:
    from support.engine import TEST_LABELS

    (workspace / ".devkit").mkdir()
    (workspace / ".devkit" / "profile").write_text("training\n")
    labels = {**TEST_LABELS, "devcontainer.local_folder": str(workspace)}
    box = docker_engine.containers.run(
        base_image, ["sleep", "300"], detach=True, labels=labels,
        name=f"dk-smoke-{os.getpid()}", network_mode="host",
    )  # fmt: skip
    try:
        status = workspace / ".exit-status"
        tmux.width, tmux.height = 80, 24
        tmux.start(f"{DEVKIT}; echo $? > {status.name}", workspace, terminal_env(home))
        tmux.wait_for(box.name)
        tmux.keys("d")
        tmux.wait_for("Stop and remove the dev container?")
        tmux.keys("n")
        tmux.wait_for("Down: cancelled")
        assert docker_engine.containers.get(box.id).status == "running"
        tmux.keys("d")
        tmux.wait_for("Stop and remove the dev container?")
        tmux.keys("y")
        tmux.wait_for("Down: done", timeout=60)
        tmux.wait_for("none")
        assert not docker_engine.containers.list(all=True, filters={"id": box.id})
        tmux.keys("q")
        assert wait_exit(status) == "0"
    finally:
        for c in docker_engine.containers.list(all=True, filters={"id": box.id}):
            c.remove(force=True)


@pytest.mark.slow
def test_guided_init_to_done_then_ctrl_q_exits_0_and_prints_the_summary(
    tmux: Tmux, home: Path, git_env: dict[str, str], docker_engine: Any, base_image: str
) -> None:
    """The real binary over the real plan: after a successful setup Ctrl+Q exits 0, and the
    Done summary with the next commands stays in the terminal once the app is gone."""
    from test_init_real import CACHE_DIR, PROFILE, PROFILE_YAML

    from support.engine import TEST_LABELS
    from support.gitrepo import make_repo

    root = make_repo(
        home / "ml-monorepo",
        files={"README.md": "# x\n", f".devkit/profiles/{PROFILE}.yaml": PROFILE_YAML},
        env=git_env,
    ).path
    env = terminal_env(home) | {
        "DEVKIT_EXTRA_LABELS": ",".join(f"{k}={v}" for k, v in TEST_LABELS.items()),
        "DEVKIT_CACHE_DIR": CACHE_DIR,
        "SVC_TOKEN": "not-a-real-secret",
        "DEVKIT_VENDOR": os.environ.get("DEVKIT_VENDOR", "1"),  # see tests/conftest.py
    }
    status = root / ".exit-status"
    tmux.width, tmux.height = 100, 40
    command = (
        f"{DEVKIT} init --profile {PROFILE} --data none --base-image {base_image} "
        f"--network host; echo $? > {status.name}"
    )
    tmux.start(command, root, env)
    try:
        tmux.wait_for("Ready.", timeout=60)
        tmux.keys("Enter")
        tmux.wait_for("test workload")
        tmux.keys("Enter")
        tmux.wait_for("Name your feature branch")
        tmux.keys(*"feat/tmux-done")
        tmux.wait_for("new branch")
        tmux.keys("Enter")
        tmux.wait_for("Which dataset")
        tmux.keys("Enter")
        tmux.wait_for("nothing has changed yet", timeout=60)
        tmux.wait_for("Post-create hook", timeout=60)  # the plan is described: Run is enabled
        tmux.keys("Enter")
        tmux.wait_for(f"Your {PROFILE} environment is ready", timeout=900)
        tmux.keys("C-q")
        assert wait_exit(status) == "0"
        screen = tmux.screen()
        assert "Next:" in screen and "devkit run -- python --version" in screen
        assert "Preflight ›" not in screen  # the app is gone; this is the printed summary
    finally:
        for box in docker_engine.containers.list(
            all=True, filters={"label": f"devcontainer.local_folder={root}"}
        ):
            box.remove(force=True)
