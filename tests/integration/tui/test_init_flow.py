"""Pilot tests of `devkit init` in the terminal UI: real steps, real files, real git."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from pilot_helpers import settled, wait_for
from textual.widgets import Input, RichLog, Static
from tui_steps import ChunkedCopyStep, NeedsFileStep, StepServices, WriteFileStep

from devkit.init.request import InitRequest
from devkit.tui.app import make_init_app
from devkit.tui.screens import (
    BranchScreen,
    DataScreen,
    DoneScreen,
    PreflightScreen,
    ProfileScreen,
    ReviewScreen,
    RunScreen,
)

SIZE = (110, 36)


def static_text(app: object, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def to_review(pilot: object, app: object, branch: str = "feat/tokenizer") -> None:
    """Preflight → Profile (training) → Branch → Data (synthetic) → Review."""
    await wait_for(pilot, lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.profiles)
    for _ in range(3):  # api → inference → ingestion → training
        await pilot.press("down")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
    await pilot.press(*branch)
    await wait_for(pilot, lambda: app.screen.status is not None and app.screen.checked == branch)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, DataScreen))
    await pilot.press("down")  # sample → synthetic
    await wait_for(pilot, lambda: app.screen.status and app.screen.status.choice == "synthetic")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.items)


async def test_happy_path_through_every_screen(workspace: Path) -> None:
    (workspace / ".devcontainer").mkdir()
    (workspace / ".devcontainer" / "devcontainer.json").write_text('{"name": "old"}\n')
    steps = [
        WriteFileStep(workspace, ".devcontainer/devcontainer.json", '{"name": "training"}\n'),
        ChunkedCopyStep(workspace, "data/training/part-0.bin", chunks=8),
    ]
    services = StepServices(workspace, steps)
    app = make_init_app(services, frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await to_review(pilot, app)
        review = static_text(app, "#review-plan")
        assert "replace .devcontainer/devcontainer.json" in review
        assert '-{"name": "old"}' in review and '+{"name": "training"}' in review
        assert (workspace / ".devcontainer/devcontainer.json").read_text() == '{"name": "old"}\n'
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DoneScreen))
        done = static_text(app, "#done-summary") + static_text(app, "#done-next")
        assert "wrote .devcontainer/devcontainer.json" in done
        assert "code ~/ml-monorepo" in done and "devkit check" in done
        await pilot.press("enter")
    assert app.return_value == 0
    assert services.built[-1] == InitRequest("training", "feat/tokenizer", "synthetic")
    assert (workspace / "data/training/part-0.bin").stat().st_size == 8 * 1024


async def test_branch_errors_show_as_you_type(workspace: Path) -> None:
    subprocess.run(["git", "-C", str(workspace), "branch", "feat/existing"], check=True)
    app = make_init_app(StepServices(workspace, []), InitRequest(profile="training"), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished
        )
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
        screen = app.screen

        async def typed(text: str) -> str:
            screen.query_one(Input).value = text
            await wait_for(pilot, lambda: screen.status is not None and screen.checked == text)
            return static_text(app, "#branch-status")

        # the wording is devkit.init.branch's; here: one ✗ line per broken rule, naming the rule
        assert "pattern" in await typed("tokenizer")
        for bad in ("feat/two words", "feat/x..y", "feat/x.lock"):
            assert f"✗ '{bad}' is not a valid" in await typed(bad)
        assert "pattern" not in await typed("feat/x..y")  # git's rule only: the pattern allows it
        assert "✗ 'feat/[x]' is not a valid" in await typed("feat/[x]")  # shown as typed
        assert screen.query_one(Input).has_class("invalid-name")
        await pilot.press("enter")  # refused with a notification: still on the branch screen
        await pilot.pause(0.1)
        assert isinstance(app.screen, BranchScreen)
        assert "✓ new branch · from main" in await typed("feat/tokenizer-v2")
        assert "✓ exists · devkit switches to it" in await typed("feat/existing")
        assert not screen.query_one(Input).has_class("invalid-name")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen))
        await settled(pilot, app)
    assert app.choices.branch == "feat/existing"


async def test_failed_step_fixed_and_retried(workspace: Path) -> None:
    needs = NeedsFileStep(workspace, "requirements/training.lock")
    write = WriteFileStep(workspace, "out/first.txt", "one\n", id="first", title="first file")
    app = make_init_app(StepServices(workspace, [write, needs]), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await to_review(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        run = app.screen
        await wait_for(pilot, lambda: run.state == "failed")
        assert "requirements/training.lock is missing" in static_text(app, "#run-state")
        rows = run.query_one("#steps").rows
        assert rows["needs"].status == "failed"
        assert "create requirements/training.lock" in rows["needs"].hint
        assert rows["first"].status == "ok"
        # the user fixes the cause, then retries from the same screen
        (workspace / "requirements").mkdir()
        (workspace / "requirements/training.lock").write_text("numpy==2.1.0\n")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, DoneScreen))
        assert rows["first"].status == "skipped"  # kept from the first attempt
        assert rows["needs"].status == "ok"
        await settled(pilot, app)
    assert needs.runs == 2


async def test_escape_cancels_a_long_step_cleanly(workspace: Path) -> None:
    gate = threading.Event()
    copy = ChunkedCopyStep(workspace, "data/training/big.bin", chunks=50, gate=gate, hold_at=5)
    after = WriteFileStep(workspace, "out/after.txt", "x\n", id="after", title="after copy")
    app = make_init_app(StepServices(workspace, [copy, after]), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await to_review(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: copy.held.is_set())
        run = app.screen
        await wait_for(pilot, lambda: run.query_one("#steps").rows["copy"].progress is not None)
        assert (workspace / "data/training/big.bin.part").exists()  # mid-write
        await pilot.press("escape")
        await wait_for(pilot, lambda: run.state == "cancelled")
        assert "Cancelled" in static_text(app, "#run-state")
        assert run.query_one("#steps").rows["after"].status == "pending"
        # nothing half-made: no part file, no final file, the next step never ran
        assert not (workspace / "data/training/big.bin.part").exists()
        assert not (workspace / "data/training/big.bin").exists()
        assert not (workspace / "out/after.txt").exists()
        # resuming finishes the work
        gate.set()
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, DoneScreen))
        await settled(pilot, app)
    assert (workspace / "data/training/big.bin").stat().st_size == 50 * 1024
    assert (workspace / "out/after.txt").exists()


async def test_run_streams_logs_and_progress_with_rate(workspace: Path) -> None:
    ticks = iter(float(i) for i in range(10_000))
    gate = threading.Event()
    copy = ChunkedCopyStep(workspace, "data/x.bin", chunks=20, gate=gate, hold_at=10)
    steps = [WriteFileStep(workspace, "notes.txt", "n\n"), copy]
    app = make_init_app(StepServices(workspace, steps), clock=lambda: next(ticks), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await to_review(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: copy.held.is_set())
        row = app.screen.query_one("#steps").rows["copy"]
        await wait_for(pilot, lambda: row.progress == (10 * 1024, 20 * 1024))
        assert row.rate_text == "10.0 KiB / 20.0 KiB  1.0 KiB/s  ETA 10s"
        log = app.screen.query_one(RichLog)
        assert any("writing notes.txt" in line.text for line in log.lines)
        gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, DoneScreen))
        await settled(pilot, app)


async def test_back_keeps_choices_and_blocks_on_missing_plan(workspace: Path) -> None:
    class RealPlan(StepServices):
        def build_plan(self, choices: InitRequest) -> object:  # type: ignore[override]
            from devkit.tui.services import WorkspaceServices

            return WorkspaceServices.build_plan(self, choices)

    # the real init plan refuses an unknown network mode before any step runs
    app = make_init_app(RealPlan(workspace, []), InitRequest(network="carrier-pigeon"), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.profiles)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        assert app.choices.profile == "api"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
        await pilot.press(*"feat/x", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen))
        await wait_for(pilot, lambda: app.screen.status is not None)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await wait_for(pilot, lambda: "cannot plan" in static_text(app, "#review-plan"))
        assert "unknown network mode 'carrier-pigeon'" in static_text(app, "#review-plan")
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ReviewScreen)  # no plan, no run
        await pilot.press("ctrl+q")
    assert app.return_value == 130


async def test_mouse_and_command_palette(workspace: Path) -> None:
    app = make_init_app(StepServices(workspace, []), frozen=True)
    async with app.run_test(size=SIZE) as pilot:
        preflight = app.screen
        await wait_for(pilot, lambda: isinstance(preflight, PreflightScreen) and preflight.finished)
        first_run = preflight.run_number
        await pilot.press("ctrl+p")
        await pilot.press(*"Check again")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: preflight.run_number == first_run + 1 and preflight.finished)
        assert app.screen is preflight
        await pilot.click("#continue")  # the mouse works as well as Enter
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        await settled(pilot, app)
