"""The dashboard after issue 15: destructive actions ask first, a check from the command line
shows, the image kept after down shows, and status and the dashboard count data alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pilot_helpers import wait_for
from textual.widgets import RichLog, Static

from devkit.commands.init import headless_request
from devkit.config.profiles import ProfileSet
from devkit.core.records import replace
from devkit.init.plan import Runtime, plan_init
from devkit.parser import parse
from devkit.state import InitRecord, WorkspaceState
from devkit.tui.app import make_dashboard_app
from devkit.tui.screens.confirm import ConfirmScreen
from devkit.tui.screens.dashboard import DashboardScreen, rebuild_plan
from devkit.workspace import Workspace
from support.engine import TEST_LABELS
from support.initplans import plan_shape

SIZE = (120, 34)


def panel(app: Any, name: str) -> str:
    return str(app.screen.query_one(f"#panel-{name}", Static).render())


def devkit(workspace: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "devkit", *argv], cwd=workspace,
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def seed(workspace: Path) -> None:
    state = workspace / ".devkit"
    state.mkdir(exist_ok=True)
    (state / "profile").write_text("training\n")


async def test_down_asks_first_and_typing_does_not_remove_the_container(
    workspace: Path, docker_engine: Any, base_image: str
) -> None:
    seed(workspace)
    labels = {**TEST_LABELS, "devcontainer.local_folder": str(workspace)}
    box = docker_engine.containers.run(
        base_image, ["sleep", "300"], detach=True, labels=labels,
        name=f"devkit-tui-down-{os.getpid()}", network_mode="host",
    )  # fmt: skip
    try:
        app = make_dashboard_app(workspace, poll_s=0)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "running" in panel(app, "container"))
            await pilot.press(*"docker ps")  # typed into the wrong window
            await pilot.pause(0.2)
            assert isinstance(app.screen, ConfirmScreen)
            assert "remove the dev container" in str(
                app.screen.query_one("#confirm-question", Static).render()
            )
            await pilot.press("escape")
            await pilot.pause(0.2)
            assert isinstance(app.screen, DashboardScreen) and app.screen.busy is None
            docker_engine.containers.get(box.id)  # still there
            await pilot.press("d", "y")
            screen = app.screen
            await wait_for(
                pilot,
                lambda: (
                    screen.busy is None
                    and any(line.text == "Down: done" for line in screen.query_one(RichLog).lines)
                ),
                60,
            )
            await wait_for(pilot, lambda: "none" in panel(app, "container"))
        assert not [c for c in docker_engine.containers.list(all=True) if c.id == box.id]
    finally:
        for c in docker_engine.containers.list(all=True, filters={"id": box.id}):
            c.remove(force=True)


async def test_rebuild_asks_first_and_runs_a_real_rebuild(workspace: Path) -> None:
    seed(workspace)
    app = make_dashboard_app(workspace, poll_s=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.status)
        await pilot.press("b")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause(0.2)
        assert isinstance(app.screen, DashboardScreen) and app.screen.busy is None
    assert "--rebuild" in devkit(workspace, "init", "--help").stdout


async def test_rebuild_plans_what_init_rebuild_yes_plans(
    workspace: Path, docker_engine: Any, base_image: str
) -> None:
    """b builds the command line's plan: the same request resolved the same way (the last
    init's choices, the checked-out branch), with --rebuild and --yes."""
    (workspace / "requirements").mkdir()
    (workspace / "requirements" / "training.lock").write_text("six==1.16.0\n")
    subprocess.run(["git", "-C", str(workspace), "checkout", "-qb", "feat/dash"], check=True)
    last = InitRecord(profile="training", base_image=base_image, network="host", data="none")
    WorkspaceState(workspace).record_init(last)
    app = make_dashboard_app(workspace, poll_s=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.status)
        dashboard = rebuild_plan(workspace, app.screen.status)
    ws = Workspace(workspace)
    args = parse(["init", "--rebuild", "--yes", "--no-input", "--workspace", str(workspace)])
    profiles = ProfileSet(workspace)
    request = headless_request(args, ws, profiles, interactive=False)
    command = plan_init(ws, request, Runtime(docker=docker_engine), profiles)
    shape = plan_shape(dashboard)
    assert shape == plan_shape(command)
    assert shape["image"]["rebuild"] and shape["container"]["replace"] and shape["overwrite"]
    # DEVKIT_VENDOR=1 (set for every test) asks for a vendored wheel on both
    assert shape["record"] == replace(last, vendor=True) and "feat/dash" in dashboard.title


async def test_a_check_from_the_command_line_shows_in_dashboard_and_status(
    workspace: Path, tmp_path: Path
) -> None:
    seed(workspace)
    assert devkit(workspace, "run", "--here", "--", sys.executable, "-c", "pass").returncode == 0
    reference = tmp_path / "ref.json"
    assert devkit(workspace, "parity", "snapshot", "--out", str(reference)).returncode == 0
    checked = devkit(workspace, "check", "--reference", str(reference))
    assert checked.returncode in (0, 1), checked.stderr
    report = json.loads((workspace / ".devkit" / "parity" / "last.json").read_text())
    fails = report["summary"]["fail"]
    status = devkit(workspace, "status").stdout
    assert f"{fails} fail" in status and "parity" in status
    app = make_dashboard_app(workspace, poll_s=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.status)
        assert f"{fails} fail" in panel(app, "parity") and "not checked" not in panel(app, "parity")


async def test_status_and_dashboard_count_the_same_files(workspace: Path) -> None:
    seed(workspace)
    data = workspace / "data" / "training"
    data.mkdir(parents=True)
    (data / "documents.parquet").write_bytes(b"x" * 2048)
    (data / "labels.csv").write_bytes(b"y" * 1024)
    (data / ".devkit-manifest.json").write_text('{"kind": "synthetic"}')  # devkit's own
    (data / "link.parquet").symlink_to(data / "documents.parquet")
    status = devkit(workspace, "status").stdout
    assert "in 2 files" in status, status
    app = make_dashboard_app(workspace, poll_s=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.status)
        assert "2 files · 3.0 KiB" in panel(app, "data")
    assert "3.0 KiB in 2 files" in status


async def test_image_tile_shows_the_kept_image_after_down(
    workspace: Path, docker_engine: Any, base_image: str
) -> None:
    seed(workspace)
    state = workspace / ".devkit" / "state.json"
    state.write_text(json.dumps({"image": {"tag": base_image, "hash": "0" * 64}}))
    app = make_dashboard_app(workspace, poll_s=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.status)
        assert "none" in panel(app, "container")
        assert base_image in panel(app, "image") and "built" in panel(app, "image")
