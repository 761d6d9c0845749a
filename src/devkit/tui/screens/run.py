"""Run: every step with its status, progress, rate and ETA, and the streaming logs.

Esc sets the plan's cancel Event (the running step stops at its next check and cleans up);
after a failure or a cancel, r runs the plan again: finished steps report "already done".
"""

from __future__ import annotations

import threading
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, RichLog, Static

from devkit.core.errors import ExitCode
from devkit.core.events import Log, StepDone, StepFailed, StepStarted
from devkit.tui.messages import EngineEvent, PlanEnded
from devkit.tui.screens.base import InitScreen, breadcrumb
from devkit.tui.widgets.step_list import StepList
from devkit.tui.worker_bridge import run_plan_posting


class RunScreen(InitScreen):
    NAME = "run"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel / Back"),
        Binding("r", "retry", "Retry"),
        Binding("enter", "continue", "Continue", priority=True),
    ]
    PALETTE = (
        ("Cancel the run", "Stop the running step cleanly", "action_cancel"),
        ("Retry", "Run the plan again after fixing the cause", "action_retry"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.run_number = 0
        self.cancel_event = threading.Event()
        self.running = False
        self.state = "idle"  # running | cancelling | ok | failed | cancelled
        self.failed_step = ""
        self.current_step = ""  # the title of the step running now
        self.quit_after = False  # Ctrl+Q during a run: exit once the step has stopped

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(breadcrumb("Run"), classes="breadcrumb")
        yield Static("Setting up…", id="run-state", classes="intro")
        yield StepList(self.init_app.clock, id="steps")
        yield RichLog(
            id="run-log", max_lines=5000, wrap=True, min_width=20, markup=False, highlight=False
        )
        yield Footer()

    def on_mount(self) -> None:
        self.start()

    def start(self) -> None:
        plan = self.init_app.plan
        if plan is None:
            self._state("failed", "[b red]no plan to run[/] — go back to the review")
            return
        self.run_number += 1
        self.cancel_event = threading.Event()
        self.running = True
        self.failed_step = ""
        self._state(
            "running", Text.assemble("Running ", (plan.title, "bold"), " — Esc cancels cleanly")
        )
        run, cancel = self.run_number, self.cancel_event

        def work() -> None:
            run_plan_posting(self, plan, cancel, run)

        self.run_worker(work, thread=True, group="plan")

    def _state(self, state: str, text: str | Text) -> None:
        self.state = state
        self.query_one("#run-state", Static).update(text)
        self.refresh_bindings()

    def on_engine_event(self, message: EngineEvent) -> None:
        if message.run != self.run_number:
            return
        event = message.event
        self.query_one(StepList).apply(event)
        if isinstance(event, Log):
            line = Text(f"{event.step} │ ", style="dim")
            line.append(event.line, style="red" if event.stream == "err" else "")
            self.query_one(RichLog).write(line)
        if isinstance(event, StepStarted):
            self.current_step = event.title
        elif isinstance(event, StepDone | StepFailed):
            self.current_step = ""
        if isinstance(event, StepFailed) and event.code != int(ExitCode.INTERRUPTED):
            self.failed_step = event.step

    def on_plan_ended(self, message: PlanEnded) -> None:
        if message.run != self.run_number:
            return
        self.running = False
        outcome = message.outcome
        self.init_app.outcome = outcome
        if self.quit_after:
            self.init_app.exit(self.init_app.quit_code() if outcome else 130)
            return
        if outcome is None:
            crash = Text.assemble(("✗ devkit hit a bug: ", "bold red"), message.crash)
            self._state("failed", crash + Text(" — r retries"))
        elif outcome.ok:
            self._state("ok", "[b $success]✓ Done.[/] Press [b]Enter[/] to see what was set up.")
            self.init_app.advance(self.NAME)
        elif outcome.code == int(ExitCode.INTERRUPTED):
            self._state(
                "cancelled",
                "[b $warning]Cancelled.[/] The stopped step cleaned up after itself; "
                "[b]r[/] resumes, [b]Esc[/] goes back.",
            )
        else:
            err = outcome.error
            self._state(
                "failed",
                Text.assemble(
                    (f"✗ {err.what if err else 'failed'}", "bold red"),
                    f" — {err.hint}" if err and err.hint else "",
                    "\nFix the cause, then press ",
                    ("r", "bold"),
                    " to retry (finished steps are kept).",
                ),
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self.state in ("failed", "cancelled")
        if action == "continue":
            return self.state == "ok"
        return True

    def _stopping(self) -> Text:
        step = self.current_step or "the setup"
        return Text.assemble((f"Stopping {step}…", "bold yellow"), " it cleans up after itself")

    def stop_before_quit(self) -> bool:
        """Ctrl+Q while a step runs: stop it (it cleans up), then exit 130."""
        if not self.running:
            return False
        self.stop_and_quit()
        return True

    def stop_and_quit(self) -> None:
        self.quit_after = True
        self.cancel_event.set()
        self._state("stopping", self._stopping() + Text(", then devkit exits"))

    def action_cancel(self) -> None:
        if self.running:
            self.cancel_event.set()
            self._state("cancelling", self._stopping())
        elif self.state not in ("cancelling", "stopping"):
            self.init_app.go_back()

    def action_retry(self) -> None:
        if not self.running and self.state in ("failed", "cancelled"):
            self.query_one(RichLog).write(Text("── retry ──", style="bold"))
            self.start()

    def action_continue(self) -> None:
        if self.state == "ok":
            super().action_continue()
