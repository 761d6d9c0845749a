"""Pilot tests of the `devkit` dashboard over a real workspace, Docker Engine and devkit CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pilot_helpers import wait_for
from textual.widgets import RichLog, Static

from devkit.tui.app import make_dashboard_app
from devkit.tui.screens.dashboard import DashboardScreen, action_argv
from support.engine import TEST_LABELS

SIZE = (120, 34)


def panel(app: Any, name: str) -> str:
    return str(app.screen.query_one(f"#panel-{name}", Static).render())


def log_lines(app: Any) -> list[str]:
    return [line.text for line in app.screen.query_one(RichLog).lines]


def seed(workspace: Path) -> None:
    """A workspace that 'devkit init' set up for training, with data and a recorded run."""
    state = workspace / ".devkit"
    (state / "runs").mkdir(parents=True)
    (state / "profile").write_text("training\n")
    data = workspace / "data" / "training"
    data.mkdir(parents=True)
    (data / "part-0.parquet").write_bytes(b"x" * 3000)
    (state / "runs" / "0001.json").write_text(json.dumps({"command": "pytest -q", "exit_code": 0}))


async def test_dashboard_shows_the_workspace_and_follows_changes(
    workspace: Path, docker_engine: Any
) -> None:
    seed(workspace)
    app = make_dashboard_app(workspace, poll_s=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.status)
        assert "main" in panel(app, "branch") and "profile training" in panel(app, "branch")
        assert "none" in panel(app, "container")  # the engine answered: no dev container yet
        assert "1 files · 2.9 KiB" in panel(app, "data")
        assert "pytest -q" in panel(app, "run") and "exit 0" in panel(app, "run")
        assert "not checked" in panel(app, "parity")
        # things change outside the app: it notices on its next poll
        subprocess.run(["git", "-C", str(workspace), "checkout", "-qb", "feat/live"], check=True)
        (workspace / ".devkit" / "runs" / "0002.json").write_text(
            json.dumps({"command": "python train.py", "exit_code": 3})
        )
        os.utime(workspace / ".devkit" / "runs" / "0002.json", (4e9, 4e9))
        (workspace / "data" / "training" / "part-1.parquet").write_bytes(b"y" * 1024)
        (workspace / ".devkit" / "parity").mkdir()
        report = {"ok": False, "summary": {"pass": 5, "fail": 2, "warn": 0}}
        (workspace / ".devkit" / "parity" / "last.json").write_text(json.dumps(report))
        await wait_for(pilot, lambda: "feat/live" in panel(app, "branch"))
        await wait_for(pilot, lambda: "python train.py" in panel(app, "run"))
        assert "exit 3" in panel(app, "run")
        await wait_for(pilot, lambda: "2 files · 3.9 KiB" in panel(app, "data"))
        assert "violations" in panel(app, "parity") and "2 fail" in panel(app, "parity")


async def test_dashboard_shows_a_running_dev_container(
    workspace: Path, docker_engine: Any, base_image: str
) -> None:
    seed(workspace)
    labels = {**TEST_LABELS, "devcontainer.local_folder": str(workspace)}
    box = docker_engine.containers.run(
        base_image,
        ["sleep", "300"],
        detach=True,
        labels=labels,
        name=f"devkit-tui-{os.getpid()}",
        network_mode="host",
    )
    try:
        app = make_dashboard_app(workspace, poll_s=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "running" in panel(app, "container"))
            assert box.name in panel(app, "container")
            assert base_image in panel(app, "image") and "built" in panel(app, "image")
            box.stop(timeout=0)
            await wait_for(pilot, lambda: "exited" in panel(app, "container"))
            await pilot.press("x")  # no running container: says so instead of failing
            await wait_for(pilot, lambda: app._notifications)
            assert "no running dev container" in str(list(app._notifications)[-1].message)
    finally:
        box.remove(force=True)


def _same_command(workspace: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "devkit", *argv]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, check=False
    )


async def test_dashboard_actions_run_the_real_commands(workspace: Path) -> None:
    seed(workspace)
    app = make_dashboard_app(workspace, poll_s=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.status)
        for key, name in (("c", "check"), ("d", "down"), ("s", "sync")):
            argv = action_argv(name, workspace, app.screen.status)
            start = len(log_lines(app))
            await pilot.press(key)
            if name == "down":
                await pilot.press("y")  # destructive: the dashboard asks first

            def finished(start: int = start) -> bool:
                tail = log_lines(app)[start:]
                return app.screen.busy is None and any(t.startswith("exit ") for t in tail)

            await wait_for(pilot, finished)
            lines = log_lines(app)[start:]
            expected = _same_command(workspace, *argv)
            shown = " ".join(argv[:-2]).replace(f"{workspace}/", "")
            assert lines[0] == f"$ devkit {shown}"
            assert lines[-1] == f"exit {expected.returncode}"
            first_line = (expected.stdout + expected.stderr).splitlines()[0]
            assert first_line in lines
        refreshes = app.screen.changes
        await pilot.press("r")
        await pilot.pause(0.3)
        assert app.screen.status is not None and app.screen.changes >= refreshes
        await pilot.press("q")
    assert app.return_value == 0
