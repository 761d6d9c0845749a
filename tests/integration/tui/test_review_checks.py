"""The review screen catches what would fail later: ports held by another container, and it
says what an earlier, partial run already changed (issue 15)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from pilot_helpers import wait_for
from textual.widgets import Static
from tui_steps import PublishStep, StepServices, WriteFileStep

from devkit.init.request import InitRequest
from devkit.tui.app import make_init_app
from devkit.tui.screens import PreflightScreen, ReviewScreen
from support.engine import TEST_LABELS

SIZE = (110, 36)


def text(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def open_review(pilot: Any, app: Any) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished)
    app.profiles = {p.name: p for p in app.services.profiles()}
    app.push_screen(ReviewScreen())
    await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.items)


async def test_review_names_the_container_holding_a_port(
    workspace: Path, docker_engine: Any, base_image: str
) -> None:
    port = free_port()
    holder = docker_engine.containers.run(
        base_image, ["sleep", "300"], detach=True, labels=dict(TEST_LABELS),
        name=f"devkit-tui-port-{os.getpid()}", ports={"8000/tcp": ("127.0.0.1", port)},
    )  # fmt: skip
    try:
        choices = InitRequest("training", "feat/x", "none")
        steps = [PublishStep(workspace, (port,))]
        app = make_init_app(StepServices(workspace, steps), choices, frozen=True)
        async with app.run_test(size=SIZE) as pilot:
            await open_review(pilot, app)
            body = text(app, "#review-plan")
            assert f"port {port} is already published by container {holder.name}" in body
            assert f"docker stop {holder.name}" in body
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert isinstance(app.screen, ReviewScreen)  # blocked: nothing ran
            await pilot.press("ctrl+q")
        assert app.return_value == 130
    finally:
        holder.remove(force=True)


async def test_review_says_what_an_earlier_run_changed(workspace: Path) -> None:
    (workspace / "first.txt").write_text("one\n")  # an earlier, partial run wrote this
    steps = [
        WriteFileStep(workspace, "first.txt", "one\n", id="first", title="first"),
        WriteFileStep(workspace, "second.txt", "two\n", id="second", title="second"),
    ]
    choices = InitRequest("training", "feat/x", "none")
    app = make_init_app(StepServices(workspace, steps), choices, frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_review(pilot, app)
        intro = text(app, "#review-intro")
        assert "nothing has changed yet" not in intro
        assert "1 of 2 steps are already done" in intro
        await pilot.press("ctrl+q")
