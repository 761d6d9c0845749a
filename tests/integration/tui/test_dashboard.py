"""Pilot tests of the `devkit` dashboard over a real workspace, Docker Engine and devkit CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pilot_helpers import wait_for
from textual.widgets import RichLog, Static

from devkit.tui.app import make_dashboard_app
from devkit.tui.screens.dashboard import DashboardScreen
from devkit.tui.widgets.step_list import StepList
from support.engine import TEST_LABELS
from support.runs import write_run

SIZE = (120, 34)


def panel(app: Any, name: str) -> str:
    return str(app.screen.query_one(f"#panel-{name}", Static).render())


def log_lines(app: Any) -> list[str]:
    return [line.text for line in app.screen.query_one(RichLog).lines]


def seed(workspace: Path) -> None:
    """A workspace that 'devkit init' set up for training, with data and a recorded run."""
    state = workspace / ".devkit"
    state.mkdir(exist_ok=True)
    (state / "profile").write_text("training\n")
    data = workspace / "data" / "training"
    data.mkdir(parents=True)
    (data / "part-0.parquet").write_bytes(b"x" * 3000)
    write_run(workspace, ["pytest", "-q"], 0, time.time() - 60)


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
        write_run(workspace, ["python", "train.py"], 3, time.time())
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


def _json_events(workspace: Path, *argv: str) -> list[dict[str, Any]]:
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "devkit", *argv, "--json", "--workspace", str(workspace)]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, check=False
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


async def press_action(pilot: Any, app: Any, *keys: str) -> list[str]:
    """Press an action's keys and wait until it ended; the log lines it wrote."""
    start = len(log_lines(app))
    await pilot.press(*keys)

    def ended() -> bool:
        tail = log_lines(app)[start:]
        return app.screen.busy is None and any(
            line.endswith(": done") or " failed: " in line for line in tail
        )

    await wait_for(pilot, ended, 120)
    return log_lines(app)[start:]


def step_results(app: Any) -> dict[str, tuple[str, str]]:
    rows = app.screen.query_one(StepList).rows
    return {step: (row.status, row.summary) for step, row in rows.items()}


async def test_dashboard_actions_run_the_commands_plans_in_process(
    workspace: Path, docker_engine: Any
) -> None:
    seed(workspace)
    app = make_dashboard_app(workspace, poll_s=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.status)
        # down: the plan devkit down runs, its steps and summaries the same as the command's
        lines = await press_action(pilot, app, "d", "y")
        assert lines[0] == "$ devkit down"
        assert "▶ Stop and remove the dev container" in lines
        events = _json_events(workspace, "down")
        done = {e["step"]: e["summary"] for e in events if e["event"] == "step_done"}
        assert {step: summary for step, (_, summary) in step_results(app).items()} == done
        # check: no run recorded yet — the step fails as the command does, with its words
        lines = await press_action(pilot, app, "c")
        failed = next(line for line in lines if line.startswith("✗ check: "))
        checked = subprocess.run(
            [sys.executable, "-m", "devkit", "check", "--workspace", str(workspace)],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        assert checked.returncode == 3
        assert checked.stderr.splitlines()[0].removeprefix("error: ") in failed
        # sync: synthetic data (no AWS credentials here); status and the tile count it alike
        lines = await press_action(pilot, app, "s")
        assert any(line.startswith("✓ data: ") for line in lines), lines
        status = json.loads(
            subprocess.run(
                [sys.executable, "-m", "devkit", "status", "--json", "--workspace", str(workspace)],
                capture_output=True, text=True, check=True,
            ).stdout
        )  # fmt: skip
        assert status["data"]["files"] > 1
        await wait_for(pilot, lambda: f"{status['data']['files']} files" in panel(app, "data"))
        await pilot.press("q")
    assert app.return_value == 0
