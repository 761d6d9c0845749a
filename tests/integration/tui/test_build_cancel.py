"""Esc during an image build stops the build itself on the real engine (issue 15): the
screen says cancelled within seconds, no build container is left running, no image tagged."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from pilot_helpers import wait_for
from textual.widgets import Static
from tui_steps import SlowBuildStep, StepServices, WriteFileStep

from devkit.init.request import InitRequest
from devkit.tui.app import make_init_app
from devkit.tui.screens import PreflightScreen, RunScreen

SIZE = (110, 36)


def build_containers(docker_engine: Any, marker: str) -> list[str]:
    found = []
    for box in docker_engine.containers.list(all=True):
        if marker in " ".join(box.attrs.get("Config", {}).get("Cmd") or []):
            found.append(box.name)
    return found


async def test_escape_stops_a_running_image_build(
    workspace: Path, docker_engine: Any, base_image: str
) -> None:
    tag = f"devkit-tui-cancel-{os.getpid()}:test"
    sleep_s = 47  # a marker as well: only this build runs 'sleep 47'
    build = SlowBuildStep(workspace, base_image, tag, sleep_s=sleep_s)
    after = WriteFileStep(workspace, "after.txt", "x\n", id="after", title="after")
    choices = InitRequest("training", "feat/x", "none")
    app = make_init_app(StepServices(workspace, [build, after]), choices, frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished
        )
        app.profiles = {p.name: p for p in app.services.profiles()}
        app.plan = app.services.build_plan(app.choices)
        app.push_screen(RunScreen())
        await wait_for(pilot, lambda: build.running.is_set(), timeout=60)
        run = app.screen
        pressed = time.monotonic()
        await pilot.press("escape")
        await wait_for(pilot, lambda: run.state == "cancelled", timeout=15)
        stopped_after = time.monotonic() - pressed
        rows = run.query_one("#steps").rows
        assert rows["image"].status == "cancelled" and "cancelled" in rows["image"].summary
        assert rows["after"].status == "pending"
        assert "Cancelled" in str(run.query_one("#run-state", Static).render())
        await pilot.press("ctrl+q")
    assert stopped_after < 10, f"the build ran on for {stopped_after:.1f}s after Esc"
    assert app.return_value == 130
    await_gone = time.monotonic() + 10
    while build_containers(docker_engine, f"sleep {sleep_s}") and time.monotonic() < await_gone:
        time.sleep(0.2)
    assert build_containers(docker_engine, f"sleep {sleep_s}") == []  # the engine stopped it
    assert docker_engine.images.list(name=tag.split(":")[0]) == []  # never tagged
