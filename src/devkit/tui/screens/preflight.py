"""Preflight: the doctor checks, live; a blocking failure says what to fix and blocks Continue."""

from __future__ import annotations

import threading
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Footer, Header, Static

from devkit.core.events import PlanFinished, StepDone, StepFailed
from devkit.core.plan import Plan
from devkit.core.records import replace
from devkit.tui.messages import EngineEvent, PlanEnded
from devkit.tui.screens.base import InitScreen, breadcrumb, marked
from devkit.tui.widgets.step_list import StepList
from devkit.tui.worker_bridge import run_plan_posting


class PreflightScreen(InitScreen):
    NAME = "preflight"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "continue", "Continue", priority=True),
        Binding("r", "recheck", "Check again"),
        Binding("escape", "back", "Quit"),
        Binding("h", "host_target", "Use this machine (--target host)", show=False),
    ]
    PALETTE = (("Check again", "Run the preflight checks again", "action_recheck"),)

    def __init__(self) -> None:
        super().__init__()
        self.run_number = 0
        self.blocking: list[str] = []
        self.finished = False
        self.host_usable = False  # the targets check found the profile's Python here

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(breadcrumb("Preflight"), classes="breadcrumb")
        yield Static("Checking this machine…", id="preflight-intro", classes="intro")
        yield StepList(self.init_app.clock, id="checks")
        yield Static("", id="preflight-verdict", classes="verdict")
        yield Button("Continue", id="continue", variant="primary", disabled=True)
        yield Footer()

    def on_mount(self) -> None:
        # After the first paint: the checks' imports (docker, boto3) would hold the GIL.
        self.call_after_refresh(self.action_recheck)

    def action_recheck(self) -> None:
        self.run_number += 1
        self.blocking = []
        self.finished = False
        self.host_usable = False
        self.query_one("#continue", Button).disabled = True
        plan = Plan("preflight", self.init_app.services.preflight())
        run = self.run_number
        self.run_worker(
            lambda: run_plan_posting(self, plan, threading.Event(), run, stop_on_failure=False),
            thread=True,
            group="preflight",
        )

    def on_engine_event(self, message: EngineEvent) -> None:
        if message.run != self.run_number:
            return
        event = message.event
        self.query_one(StepList).apply(event)
        if isinstance(event, StepFailed):
            self.blocking.append(event.step)
        if isinstance(event, StepDone) and event.step == "targets":
            targets = event.data.get("targets") or {}
            self.host_usable = bool((targets.get("host") or {}).get("usable"))
        if isinstance(event, PlanFinished):
            self._verdict()

    def on_plan_ended(self, message: PlanEnded) -> None:
        if message.run == self.run_number and message.crash:
            self.query_one("#preflight-verdict", Static).update(
                marked("✗", "bold red", message.crash)
            )

    def _verdict(self) -> None:
        self.finished = True
        verdict = self.query_one("#preflight-verdict", Static)
        button = self.query_one("#continue", Button)
        if (
            self.blocking == ["docker"]
            and self.host_usable
            and self.init_app.choices.target != "container"
        ):
            # No engine, but this machine has the profile's Python: offer the host target
            # (never switch on our own).
            verdict.update(
                "[b $warning]No Docker Engine answers.[/] Press [b]h[/] to set up on this "
                "machine instead (a venv in .devkit/venv, no container: --target host), or "
                "start an engine and press [b]r[/]."
            )
            button.disabled = True
        elif self.blocking:
            verdict.update(
                f"[b $error]{len(self.blocking)} blocking problem(s)[/] — fix what the hints say, "
                "then press [b]r[/] to check again."
            )
            button.disabled = True
        else:
            verdict.update("[b $success]Ready.[/] Press [b]Enter[/] to choose a profile.")
            button.disabled = False
            button.focus()

    def action_continue(self) -> None:
        if self.finished and not self.blocking:
            super().action_continue()
        elif not self.finished:
            self.notify("the checks are still running", severity="warning")
        else:
            self.notify("fix the blocking problems first (r checks again)", severity="error")

    def action_host_target(self) -> None:
        if not (self.finished and self.host_usable) or self.init_app.choices.target == "container":
            return  # --target container was asked for: never switch
        if any(step != "docker" for step in self.blocking):
            self.notify("fix the other blocking problems first (r checks again)", severity="error")
            return
        self.init_app.choices = replace(self.init_app.choices, target="host")
        self.notify("target: this machine (--target host)")
        self.blocking = []
        super().action_continue()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_continue()

    def action_back(self) -> None:
        """The first screen: nothing to go back to, so Esc leaves (as the footer says)."""
        self.init_app.action_quit()
