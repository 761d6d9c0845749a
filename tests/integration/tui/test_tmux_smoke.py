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
    tmux.keys("f", "e", "a", "t", "/", "x", " ")
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
    tmux.keys("c")  # check: runs the real command, its output appears in the log
    tmux.wait_for("$ devkit check")
    tmux.wait_for("exit ")
    tmux.keys("q")
    for _ in range(200):
        if status.exists() and status.read_text().strip():
            break
        time.sleep(0.05)
    assert status.read_text().strip() == "0"
