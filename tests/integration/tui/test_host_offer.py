"""The guided init offers the host target when no engine answers, and never switches alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import wait_for
from textual.widgets import Static
from tui_steps import StepServices

from devkit.init.preflight import DockerCheck, TargetsCheck
from devkit.init.request import InitRequest
from devkit.tui.app import make_init_app
from devkit.tui.screens import PreflightScreen, ProfileScreen

SIZE = (110, 36)


class NoEngineServices(StepServices):
    """The real engine and targets checks (DOCKER_HOST points at nothing), a plan of no steps."""

    def preflight(self) -> list[object]:  # type: ignore[override]
        return [
            DockerCheck("docker", "Docker Engine", self.workspace),
            TargetsCheck("targets", "targets", self.workspace),
        ]


def verdict(app: object) -> str:
    return str(app.screen.query_one("#preflight-verdict", Static).render())  # type: ignore[attr-defined]


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent-devkit-test.sock")


async def test_no_engine_offers_the_host_target(workspace: Path, no_engine: None) -> None:
    app = make_init_app(NoEngineServices(workspace, []), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: isinstance(screen, PreflightScreen) and screen.finished)
        assert screen.blocking == ["docker"]
        assert "--target host" in verdict(app)
        await pilot.press("enter")  # Continue stays blocked: nothing switches on its own
        await pilot.pause(0.1)
        assert app.screen is screen and app.choices.target is None
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        assert app.choices.target == "host"
        await pilot.press("ctrl+q")
    assert app.return_value == 130


async def test_an_explicit_container_target_is_not_offered_the_host(
    workspace: Path, no_engine: None
) -> None:
    choices = InitRequest(target="container")
    app = make_init_app(NoEngineServices(workspace, []), choices, frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: isinstance(screen, PreflightScreen) and screen.finished)
        assert "blocking problem" in verdict(app)
        await pilot.press("h")
        await pilot.pause(0.1)
        assert app.screen is screen and app.choices.target == "container"
        await pilot.press("ctrl+q")
    assert app.return_value == 130
