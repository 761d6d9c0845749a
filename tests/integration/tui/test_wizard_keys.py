"""Pilot tests of how a user leaves and drives the init wizard: quit keys, exit codes,
typing ahead of a screen, branch names as typed (issue 15)."""

from __future__ import annotations

import time
from pathlib import Path

from pilot_helpers import settled, wait_for
from textual import events
from textual.widgets import Input, Static
from tui_steps import SlowStopStep, StepServices, WriteFileStep

from devkit.init.request import InitRequest
from devkit.tui.app import make_init_app
from devkit.tui.screens import (
    BranchScreen,
    DataScreen,
    DoneScreen,
    PreflightScreen,
    RunScreen,
)

SIZE = (110, 36)


def static_text(app: object, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def preflight_done(pilot: object, app: object) -> None:
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished,  # type: ignore[attr-defined]
    )


async def test_ctrl_q_on_done_after_success_exits_0(workspace: Path) -> None:
    steps = [WriteFileStep(workspace, "notes.txt", "n\n")]
    (workspace / "training").mkdir()
    (workspace / "training" / "train.py").write_text("print('hi')\n")
    choices = InitRequest("training", "feat/x", "none")
    app = make_init_app(StepServices(workspace, steps), choices, frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await preflight_done(pilot, app)
        app.profiles = {p.name: p for p in app.services.profiles()}
        app.plan = app.services.build_plan(app.choices)
        app.push_screen(RunScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, DoneScreen))
        await settled(pilot, app)
        # the workload's own program, never a command that fails in this workspace
        assert "devkit run -- python training/train.py" in static_text(app, "#done-next")
        assert "pytest" not in static_text(app, "#done-next")
        await pilot.press("ctrl+q")
    assert app.return_value == 0
    # what launch.py prints once the screen is gone
    assert "Next:" in app.farewell and "devkit run -- python training/train.py" in app.farewell
    assert "wrote notes.txt" in app.farewell


async def test_ctrl_q_during_a_step_shows_stopping_then_exits_130(workspace: Path) -> None:
    slow = SlowStopStep(workspace, stop_s=0.8)
    after = WriteFileStep(workspace, "after.txt", "x\n", id="after", title="after")
    choices = InitRequest("training", "feat/x", "none")
    app = make_init_app(StepServices(workspace, [slow, after]), choices, frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await preflight_done(pilot, app)
        app.profiles = {p.name: p for p in app.services.profiles()}
        app.plan = app.services.build_plan(app.choices)
        app.push_screen(RunScreen())
        await wait_for(pilot, lambda: slow.started.is_set())
        run = app.screen
        pressed = time.monotonic()
        await pilot.press("ctrl+q")
        assert run.state == "stopping"
        assert "Stopping slow build…" in static_text(app, "#run-state")
        await wait_for(pilot, lambda: not app.is_running or app.return_value is not None)
        rows = run.query_one("#steps").rows
    assert time.monotonic() - pressed < 5
    assert app.return_value == 130
    assert slow.cleaned.is_set()
    assert rows["slow"].status == "cancelled" and rows["after"].status == "pending"
    assert not (workspace / "after.txt").exists()


async def test_escape_on_the_first_screen_quits(workspace: Path) -> None:
    app = make_init_app(StepServices(workspace, []), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await preflight_done(pilot, app)
        await pilot.press("escape")
        await pilot.pause(0.2)
    assert app.return_value == 130


async def test_branch_box_ctrl_c_quits_and_no_error_before_typing(workspace: Path) -> None:
    app = make_init_app(StepServices(workspace, []), InitRequest(profile="training"), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await preflight_done(pilot, app)
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
        await settled(pilot, app)
        await pilot.pause(0.3)
        status = static_text(app, "#branch-status")
        assert "✗" not in status and "not a valid" not in status
        assert not app.screen.query_one(Input).has_class("invalid-name")
        await pilot.press("ctrl+c")
        await pilot.pause(0.2)
    assert app.return_value == 130


async def test_branch_name_is_trimmed(workspace: Path) -> None:
    app = make_init_app(StepServices(workspace, []), InitRequest(profile="training"), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await preflight_done(pilot, app)
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
        screen = app.screen
        await pilot.press(*"  feat/trimmed  ")
        await wait_for(pilot, lambda: screen.checked == "feat/trimmed" and screen.status)
        assert "✓" in static_text(app, "#branch-status")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen))
        await settled(pilot, app)
    assert app.choices.branch == "feat/trimmed"


async def test_a_300_character_branch_is_refused_before_git_sees_it(workspace: Path) -> None:
    app = make_init_app(StepServices(workspace, []), InitRequest(profile="training"), frozen=True)
    name = "feat/" + "x" * 300
    async with app.run_test(size=SIZE) as pilot:
        await preflight_done(pilot, app)
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
        screen = app.screen
        screen.query_one(Input).value = name
        await wait_for(pilot, lambda: screen.checked == name and screen.status)
        assert "at most 250 bytes" in static_text(app, "#branch-status")
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, BranchScreen)
        await pilot.press("ctrl+q")


async def test_keys_typed_while_screens_are_pushed_are_kept(workspace: Path) -> None:
    app = make_init_app(StepServices(workspace, []), InitRequest(profile="training"), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await preflight_done(pilot, app)
        # as fast as a user who knows the flow: the keys arrive together, as from a terminal,
        # while the next screens are still being pushed and mounted (Pilot.press would wait)
        for key in ["enter", "enter", *"feat/quick"]:
            char = None if key == "enter" else key
            app.post_message(events.Key("slash" if key == "/" else key, char))
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.checked == "feat/quick", timeout=5)
        assert screen.query_one(Input).value == "feat/quick"
        await pilot.press("ctrl+q")
    assert app.return_value == 130


async def test_a_key_typed_as_the_held_ones_are_replayed_does_not_overtake_them(
    workspace: Path,
) -> None:
    """The keys held while a screen got ready are replayed when it is; a key that reached the
    app just before that (already queued) must still come after them. It used to jump ahead:
    ``feat/tmux-done`` typed as the branch screen appeared became ``nfeat/tmux-doe``."""
    app = make_init_app(StepServices(workspace, []), InitRequest(profile="training"), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await preflight_done(pilot, app)
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen) and app.accepting_keys)
        screen = app.screen
        app.accepting_keys = False  # as while the screen was being readied
        for key in "feat/tmux-do":
            app.post_message(events.Key("slash" if key == "/" else key, key))
        await wait_for(pilot, lambda: len(app.typeahead) == len("feat/tmux-do"))
        app.post_message(events.Key("n", "n"))  # queued before the replays ...
        app.screen_ready()  # ... which are posted now
        app.post_message(events.Key("e", "e"))
        await wait_for(pilot, lambda: screen.checked, timeout=5)
        await pilot.pause(0.2)
        assert screen.query_one(Input).value == "feat/tmux-done"
        assert app.accepting_keys and not app.typeahead and not app.replays
        await pilot.press("ctrl+q")
    assert app.return_value == 130


async def test_a_name_and_enter_typed_ahead_go_on_once_the_name_is_checked(
    workspace: Path,
) -> None:
    """Enter (a priority binding) fires as it reaches the app, before the letters typed just
    ahead of it are in the box and before the name is checked: the screen reads the box once
    they have landed and goes on when the check answers, instead of refusing the Enter."""
    app = make_init_app(StepServices(workspace, []), InitRequest(profile="training"), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await preflight_done(pilot, app)
        for key in ["enter", "enter", *"feat/ahead", "enter"]:
            char = None if key == "enter" else key
            app.post_message(events.Key("slash" if key == "/" else key, char))
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen), timeout=10)
        await settled(pilot, app)
        await pilot.press("ctrl+q")
    assert app.choices.branch == "feat/ahead"
