"""The real init app, driven key by key, plans what the command line plans for the same
request — on an engine without a usable bridge too — and records the same state.

The one fake is the engine probe (is there a usable bridge?) and the preflight answers; the
profiles, the branch checks, the resolver and the plan are the real ones, in a real git
workspace. The app stops at the review, where the plan it would run is built.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pilot_helpers import wait_for
from tui_steps import FixedCheck

from devkit.commands.init import headless_request
from devkit.config.profiles import ProfileSet
from devkit.core.plan import Plan
from devkit.init.plan import Runtime, plan_init
from devkit.init.request import InitRequest
from devkit.parser import parse
from devkit.state import InitRecord, WorkspaceState
from devkit.tui.app import make_init_app
from devkit.tui.launch import prefilled
from devkit.tui.screens import (
    BranchScreen,
    DataScreen,
    PreflightScreen,
    ProfileScreen,
    ReviewScreen,
)
from devkit.tui.services import WorkspaceServices
from devkit.workspace import Workspace
from support.initplans import forget, override_run_args, plan_shape, record, recorded

SIZE = (110, 36)
NO_BRIDGE = Runtime(bridge=lambda: False, lookup=False)


class NoBridgeServices(WorkspaceServices):
    """The real services on an engine without a usable bridge, with fixed preflight answers."""

    def __init__(self, workspace: Path) -> None:
        super().__init__(workspace, NO_BRIDGE)

    def preflight(self) -> list[object]:  # type: ignore[override]
        return [FixedCheck("git", "git", "present"), FixedCheck("docker", "engine", "answers")]


@pytest.fixture
def lockfile(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DEVKIT_NETWORK", "DEVKIT_VENDOR"):
        monkeypatch.delenv(name, raising=False)
    (workspace / "requirements").mkdir()
    (workspace / "requirements" / "training.lock").write_text("six==1.16.0\n")
    return workspace


def cli_plan(root: Path, *argv: str) -> Plan:
    ws = Workspace(root)
    args = parse(["init", *argv, "--workspace", str(root), "--no-input"])
    profiles = ProfileSet(root)
    return plan_init(ws, headless_request(args, ws, profiles, False), NO_BRIDGE, profiles)


async def tui_plan(root: Path, answers: InitRequest, keys: dict[str, list[str]]) -> Plan:
    """Walk Preflight → Profile → Branch → Data → Review pressing ``keys[screen]`` (then
    Enter) on each; the plan the review built."""
    app = make_init_app(NoBridgeServices(root), prefilled(Workspace(root), answers), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.profiles)
        await pilot.press(*keys.get("profile", []), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
        await pilot.press(*keys.get("branch", []))
        await wait_for(
            pilot, lambda: app.screen.status is not None and not app.screen.status.problems
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen))
        await pilot.press(*keys.get("data", []))
        await wait_for(pilot, lambda: app.screen.status is not None)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.items)
        assert app.plan is not None
        return app.plan


async def test_first_init_on_an_engine_without_a_bridge(lockfile: Path) -> None:
    root = lockfile
    keys = {"profile": ["down"] * 3, "branch": list("feat/x"), "data": ["down"]}
    tui = await tui_plan(root, InitRequest(), keys)  # training, feat/x, synthetic
    cli = cli_plan(root, "--profile", "training", "--branch", "feat/x", "--data", "synthetic")
    assert "--network=host" in override_run_args(tui)
    assert plan_shape(tui) == plan_shape(cli)
    record(cli)
    by_cli = recorded(root)
    forget(root)
    record(tui)
    assert recorded(root) == by_cli
    assert '"network": "host"' in str(by_cli["state.json"])


async def test_a_second_init_takes_the_environment_and_the_last_choices(
    lockfile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = lockfile
    last = InitRecord(profile="training", base_image="devkit-base:bookworm", data="synthetic")
    WorkspaceState(root).record_init(last)
    subprocess.run(["git", "-C", str(root), "checkout", "-qb", "feat/again"], check=True)
    monkeypatch.setenv("DEVKIT_NETWORK", "bridge")  # over the engine probe's "host"
    tui = await tui_plan(root, InitRequest(), {})  # Enter on every screen: the prefilled answers
    cli = cli_plan(root)  # no flags
    assert "--network=host" not in override_run_args(tui)
    shape = plan_shape(tui)
    assert shape["image"]["base"] == "devkit-base:bookworm"
    assert shape["record"] == InitRecord(
        profile="training", base_image="devkit-base:bookworm", network="bridge", data="synthetic"
    )
    assert shape == plan_shape(cli)
