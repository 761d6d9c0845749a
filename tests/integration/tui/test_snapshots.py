"""Snapshot tests: every screen as text and SVG, with clocks frozen and no cursor blink.

Compared with the files in ``snapshots/``. After a deliberate change to a screen, run

    DEVKIT_UPDATE_SNAPSHOTS=1 pytest tests/integration/tui/test_snapshots.py

review the diff of the .txt files, and commit them; the same run refreshes the README's
screenshots in ``docs/tui/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from pilot_helpers import settled, wait_for
from textual.widgets import Input
from textual.widgets._footer import FooterKey
from tui_steps import ChunkedCopyStep, NeedsFileStep, SnapshotServices, WriteFileStep

from devkit.init.request import InitRequest
from devkit.tui.app import make_dashboard_app, make_init_app
from devkit.tui.capture import screen_svg, screen_text
from devkit.tui.screens import (
    BranchScreen,
    DataScreen,
    DoneScreen,
    PreflightScreen,
    ProfileScreen,
    ReviewScreen,
    RunScreen,
)
from devkit.tui.screens.dashboard import DashboardScreen
from support.runs import write_run

# A progress bar's split between done and to-do cells depends on how many redraws a loaded
# machine fitted in; its percentage and amounts (also on screen) are compared exactly.
BAR = re.compile("[━╸╺]+")
HERE = Path(__file__).parent / "snapshots"
DOCS = Path(__file__).parents[3] / "docs" / "tui"
SIZE = (100, 32)
UPDATE = bool(os.environ.get("DEVKIT_UPDATE_SNAPSHOTS"))
README_SCREENS = {"preflight", "profile", "branch-invalid", "data", "review", "run", "done",
                  "dashboard"}  # fmt: skip


async def check_snapshot(pilot: Any, app: Any, name: str, workspace: Path) -> None:
    await wait_for(pilot, lambda: app.screen.query(FooterKey))  # the footer fills in lazily
    await pilot.pause(0.2)
    text = screen_text(app)
    svg = screen_svg(app, title=f"devkit — {name}")
    assert str(workspace) not in text, "absolute temp paths make snapshots unstable"
    HERE.mkdir(exist_ok=True)
    paths = {HERE / f"{name}.txt": text, HERE / f"{name}.svg": svg}
    if UPDATE:
        for path, content in paths.items():
            path.write_text(content, encoding="utf-8")
        if name in README_SCREENS:
            DOCS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(HERE / f"{name}.svg", DOCS / f"{name}.svg")
        return
    for path, content in paths.items():
        if not path.exists():
            pytest.fail(f"no snapshot {path.name}: run with DEVKIT_UPDATE_SNAPSHOTS=1 to create it")
        expected = path.read_text(encoding="utf-8")
        if path.suffix == ".txt":
            got, want = BAR.sub("<bar>", content), BAR.sub("<bar>", expected)
            assert got == want, f"screen {name} changed:\n{content}"
        elif not BAR.search(expected):
            assert content == expected, f"{path.name} differs (colours or styles changed)"


def ticking() -> Any:
    ticks = iter(float(i) for i in range(100_000))
    return lambda: next(ticks)


async def test_init_screens(workspace: Path) -> None:
    (workspace / ".devcontainer").mkdir()
    (workspace / ".devcontainer/devcontainer.json").write_text('{\n  "name": "training"\n}\n')
    gate = threading.Event()
    steps = [
        WriteFileStep(
            workspace,
            ".devcontainer/devcontainer.json",
            '{\n  "name": "training",\n  "forwardPorts": [5000]\n}\n',
            id="devcontainer",
            title="devcontainer files",
        ),
        ChunkedCopyStep(workspace, "data/training/documents.parquet", chunks=40, gate=gate,
                        hold_at=16, id="data", title="synthetic dataset"),
        WriteFileStep(workspace, ".git/hooks/pre-push", "#!/bin/sh\n", id="hooks",
                      title="git hooks"),
    ]  # fmt: skip
    app = make_init_app(SnapshotServices(workspace, steps), clock=ticking(), frozen=True)
    try:
        await walk_init_screens(app, workspace, steps, gate)
    finally:
        gate.set()  # a failed assertion must not leave the copy step's thread waiting forever


async def walk_init_screens(app: Any, workspace: Path, steps: list[Any], gate: Any) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished
        )
        await pilot.pause(0.1)
        await check_snapshot(pilot, app, "preflight", workspace)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.profiles)
        await pilot.press("down", "down", "down")
        await pilot.pause(0.1)
        await check_snapshot(pilot, app, "profile", workspace)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
        screen = app.screen
        screen.query_one(Input).value = "Tokenizer v2"
        await wait_for(pilot, lambda: screen.checked == "Tokenizer v2")
        await pilot.pause(0.1)
        await check_snapshot(pilot, app, "branch-invalid", workspace)
        screen.query_one(Input).value = "feat/tokenizer-v2"
        await wait_for(pilot, lambda: screen.checked == "feat/tokenizer-v2")
        await pilot.pause(0.1)
        await check_snapshot(pilot, app, "branch", workspace)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen) and app.screen.status)
        await pilot.press("down")
        await wait_for(pilot, lambda: app.screen.status and app.screen.status.choice == "synthetic")
        await pilot.pause(0.1)
        await check_snapshot(pilot, app, "data", workspace)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.items)
        await pilot.pause(0.1)
        await check_snapshot(pilot, app, "review", workspace)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen) and steps[1].held.is_set())
        row = app.screen.query_one("#steps").rows["data"]
        await wait_for(pilot, lambda: row.progress is not None and row.progress[0] == 16 * 1024)
        await pilot.pause(0.1)
        await check_snapshot(pilot, app, "run", workspace)
        gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, DoneScreen))
        await pilot.pause(0.1)
        await check_snapshot(pilot, app, "done", workspace)


async def test_run_failed_screen(workspace: Path) -> None:
    steps = [
        WriteFileStep(workspace, ".devcontainer/devcontainer.json", "{}\n", id="devcontainer",
                      title="devcontainer files"),
        NeedsFileStep(workspace, "requirements/training.lock", id="image", title="image"),
    ]  # fmt: skip
    choices = InitRequest("training", "feat/x", "none")
    app = make_init_app(SnapshotServices(workspace, steps), choices, clock=ticking(), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished
        )
        app.profiles = {p.name: p for p in app.services.profiles()}
        app.plan = app.services.build_plan(app.choices)
        app.push_screen(RunScreen())
        await wait_for(
            pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.state == "failed"
        )
        await pilot.pause(0.1)
        await check_snapshot(pilot, app, "run-failed", workspace)


async def test_dashboard_screen(workspace: Path, docker_engine: Any) -> None:
    state = workspace / ".devkit"
    (state / "runs").mkdir(parents=True)
    (state / "parity").mkdir()
    (state / "profile").write_text("training\n")
    data = workspace / "data" / "training"
    data.mkdir(parents=True)
    for i in range(3):
        (data / f"part-{i}.parquet").write_bytes(b"x" * 700_000)
        os.utime(data / f"part-{i}.parquet", (1_700_000_000, 1_700_000_000))
    write_run(workspace, ["pytest", "tests/training"], 0, 1_700_003_000)
    parity = state / "parity" / "last.json"
    parity.write_text(json.dumps({"ok": True, "summary": {"pass": 7, "fail": 0, "warn": 1}}))
    os.utime(parity, (1_700_003_100, 1_700_003_100))
    app = make_dashboard_app(workspace, poll_s=0, frozen=True, now=lambda: 1_700_003_600.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.status)
        await pilot.pause(0.1)
        await check_snapshot(pilot, app, "dashboard", workspace)


def flat(text: str) -> str:
    """The screen's words in order, borders and line breaks gone (for wrapped sentences)."""
    return " ".join(re.sub(r"[│╭╮╰╯─▊▎▔▁]", " ", text).split())


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
async def test_small_terminals(workspace: Path, docker_engine: Any, size: tuple[int, int]) -> None:
    """At 80x24 everything reads whole; at 60x20 it stays usable: text wraps instead of
    being cut, the output pane and the quit key stay on screen, boxes fit the width."""
    width, height = size
    tag = f"{width}x{height}"
    gate = threading.Event()
    steps = [
        WriteFileStep(workspace, ".devcontainer/devcontainer.json", "{}\n", id="devcontainer",
                      title="devcontainer files"),
        ChunkedCopyStep(workspace, "data/training/documents.parquet", chunks=40, gate=gate,
                        hold_at=16, id="data", title="synthetic dataset"),
    ]  # fmt: skip
    app = make_init_app(SnapshotServices(workspace, steps), clock=ticking(), frozen=True)
    try:
        async with app.run_test(size=size) as pilot:
            await wait_for(
                pilot, lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished
            )
            await pilot.pause(0.1)
            if width >= 80:  # whole sentences, wrapped rather than cut
                assert "no AWS credentials — synthetic data instead" in flat(screen_text(app))
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.profiles)
            await pilot.press("down", "down", "down", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
            screen = app.screen
            screen.query_one(Input).value = "Tokenizer v2"
            await wait_for(pilot, lambda: screen.checked == "Tokenizer v2")
            await pilot.pause(0.1)
            assert screen.query_one(Input).region.right <= width  # the box fits
            assert "^q Quit" in screen_text(app).splitlines()[-1]
            await check_snapshot(pilot, app, f"branch-invalid-{tag}", workspace)
            screen.query_one(Input).value = "feat/tokenizer-v2"
            await wait_for(pilot, lambda: screen.checked == "feat/tokenizer-v2")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DataScreen) and app.screen.status)
            await pilot.press("down")
            await wait_for(pilot, lambda: app.screen.status.choice == "synthetic")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.items)
            await pilot.press("enter")
            await wait_for(
                pilot, lambda: isinstance(app.screen, RunScreen) and steps[1].held.is_set()
            )
            row = app.screen.query_one("#steps").rows["data"]
            await wait_for(pilot, lambda: row.progress is not None and row.progress[0] == 16 * 1024)
            await pilot.pause(0.1)
            assert app.screen.query_one("#run-log").size.height >= 2  # the output pane shows
            # log lines wrap at the pane's width instead of being cut
            assert "writing .devcontainer/devcontainer.json" in flat(screen_text(app))
            await check_snapshot(pilot, app, f"run-{tag}", workspace)
            gate.set()
            await wait_for(pilot, lambda: isinstance(app.screen, DoneScreen))
            await settled(pilot, app)
    finally:
        gate.set()
    state = workspace / ".devkit"
    state.mkdir(exist_ok=True)
    (state / "profile").write_text("training\n")
    (state / "parity").mkdir()
    parity = state / "parity" / "last.json"
    parity.write_text(json.dumps({"ok": True, "summary": {"pass": 7, "fail": 0, "warn": 1}}))
    os.utime(parity, (1_700_003_100, 1_700_003_100))
    dash = make_dashboard_app(workspace, poll_s=0, frozen=True, now=lambda: 1_700_003_600.0)
    async with dash.run_test(size=size) as pilot:
        await wait_for(
            pilot, lambda: isinstance(dash.screen, DashboardScreen) and dash.screen.status
        )
        await pilot.pause(0.1)
        text = screen_text(dash)
        assert dash.screen.query_one("#dash-log").size.height >= 2  # the output pane shows
        assert "q Quit" in text.splitlines()[-1]  # the quit key is never cut off
        assert "check and down appears here." in flat(text)  # wrapped, not cut
        if width >= 80:  # every tile keeps its last line
            assert "profile training" in flat(text) and "checked 8m ago" in flat(text)
        await check_snapshot(pilot, dash, f"dashboard-{tag}", workspace)
