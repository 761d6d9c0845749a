"""The dashboard: branch and base, container, image age, data, last run and parity, with actions.

It polls ``devkit status``'s own report in a thread worker and redraws when something changed.
Actions build the same plans the commands run (``devkit.actions``, ``devkit.init.plan``) and run
them in-process in a worker: their events come back as Messages and show in a step list and the
log, as on the init screens. "shell" suspends the app and opens a shell in the container.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Protocol, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, RichLog, Static

from devkit.actions.check import check_plan
from devkit.actions.down import down_plan
from devkit.actions.sync import sync_plan
from devkit.config.model import Profile
from devkit.container.status import status_profile
from devkit.core.errors import ConfigError, ExitCode
from devkit.core.events import Log, StepDone, StepFailed, StepStarted
from devkit.core.plan import Plan
from devkit.core.units import format_amount
from devkit.init.plan import Runtime, plan_init, ready_engine
from devkit.init.request import InitRequest, resolve_request
from devkit.tui.formatting import display_path
from devkit.tui.messages import Answer, EngineEvent, PlanEnded
from devkit.tui.screens.base import fit_footer
from devkit.tui.screens.confirm import ConfirmScreen
from devkit.tui.status import StatusSource, WorkspaceStatus, age_text, docker_time
from devkit.tui.widgets.step_list import StepList
from devkit.tui.worker_bridge import answer_posting, run_plan_posting
from devkit.workspace import Workspace


class DashboardHost(Protocol):
    """What the screen needs from the app that shows it (``tui.app.DashboardApp``)."""

    workspace: Path
    source: StatusSource
    poll_s: float
    clock: Callable[[], float]
    now: Callable[[], float]


# action → (title, what the command line calls it)
ACTIONS: dict[str, tuple[str, str]] = {
    "rebuild": ("Rebuild", "devkit init --rebuild"),
    "sync": ("Sync data", "devkit sync-data"),
    "check": ("Check parity", "devkit check"),
    "down": ("Down", "devkit down"),
}
# Destructive actions ask first: (question, what it does).
CONFIRM = {
    "down": (
        "Stop and remove the dev container?",
        "devkit down: the container goes (the image, your files and the data stay).",
    ),
    "rebuild": (
        "Rebuild the image and replace the container?",
        "devkit init --rebuild: builds the image again from scratch and replaces the "
        "container (a few minutes; your files and the data stay).",
    ),
}


def _profile(root: Path) -> Profile:
    profile = status_profile(root, None, os.environ)
    if profile is None:
        raise ConfigError("no profile chosen in this workspace", "run 'devkit init' first")
    return profile


def rebuild_plan(root: Path, status: WorkspaceStatus | None) -> Plan:
    """``devkit init --rebuild --yes`` on the checked-out branch with what the last init used
    (the same request, resolver and plan as the command line)."""
    ws = Workspace(root)
    branch = status.branch if status is not None else None
    request = InitRequest(branch=branch, overwrite=True, rebuild=True)
    resolved = resolve_request(request, ws, os.environ)
    runtime = Runtime()
    if resolved.target != "host":
        profile = _profile(root)
        runtime = Runtime(docker=ready_engine(ws, resolved.base_image or profile.image.base))
    return plan_init(ws, resolved, runtime)


def action_plan(name: str, root: Path, status: WorkspaceStatus | None) -> Plan:
    """The plan an action runs in this workspace: the command line's own."""
    if name == "rebuild":
        return rebuild_plan(root, status)
    ws = Workspace(root)
    if name == "down":
        return down_plan(ws)
    if name == "sync":
        return sync_plan(ws, _profile(root))
    return check_plan(ws, _profile(root))


PANELS = ("branch", "container", "image", "data", "run", "parity")


def shell_command(container_id: str) -> list[str]:
    """The command that opens an interactive shell in the dev container (bash when present)."""
    return [
        "docker", "exec", "-it", container_id,
        "sh", "-c", "command -v bash >/dev/null && exec bash -l || exec sh -l",
    ]  # fmt: skip


def _branch_panel(status: WorkspaceStatus) -> Text:
    branch = status.part("branch")
    name = status.branch or ("(unknown)" if "error" in branch else "(detached)")
    base = str(branch.get("base") or "-")
    profile = status.report.get("profile")
    return Text.assemble(
        ("Branch\n", "bold"),
        (name, "bold cyan"),
        f"\nbase {base}\n",
        (f"profile {profile or '(none: run devkit init)'}", "dim"),
    )


def _container_panel(status: WorkspaceStatus) -> Text:
    box = status.part("container")
    state = status.container_state
    if box.get("target") == "host":
        note = "host target: the workload runs on this machine"
    elif "error" in box:
        state, note = "unknown", str(box["error"])
    elif state == "none" and status.part("image").get("kept"):
        note = "image kept: b rebuilds the container"
    else:
        note = ""
    return Text.assemble(
        ("Container\n", "bold"),
        (state, {"running": "bold green", "exited": "yellow"}.get(state, "dim")),
        f"\n{box.get('name') or '-'}\n",
        (note, "dim"),
    )


def _image_panel(status: WorkspaceStatus, now: float) -> Text:
    image = status.part("image")
    tags = image.get("tags") or []
    shown = str(tags[0]) if tags else str(image.get("hash") or "-")
    built = docker_time(str(image.get("created") or ""))
    return Text.assemble(
        ("Image\n", "bold"),
        f"{shown if image.get('present') else '-'}\n",
        f"built {age_text(built, now)}" if built is not None else "",
    )


def _data_panel(status: WorkspaceStatus, now: float) -> Text:
    data = status.part("data")
    if not data.get("folder"):
        return Text.assemble(("Data\n", "bold"), ("no dataset configured", "dim"))
    if not data.get("present"):
        return Text.assemble(("Data\n", "bold"), f"{data['folder']}\n", ("not there yet", "dim"))
    return Text.assemble(
        ("Data\n", "bold"),
        f"{data['folder']}\n",
        f"{data.get('files', 0)} files · {format_amount(int(data.get('bytes', 0)), 'B')}\n",
        f"updated {age_text(data.get('updated'), now)}",
    )


def _run_panel(status: WorkspaceStatus, now: float) -> Text:
    run = status.last_run
    if not run:
        return Text.assemble(("Last run\n", "bold"), ("none yet: devkit run -- CMD", "dim"))
    command = run.get("command", "?")
    if isinstance(command, list):
        command = " ".join(str(part) for part in command)
    return Text.assemble(
        ("Last run\n", "bold"), f"{command}\n", f"exit {run.get('exit_code', '?')}",
        f" · {age_text(run.get('started_epoch'), now)}",
    )  # fmt: skip


def _parity_panel(status: WorkspaceStatus, now: float) -> Text:
    parity = status.report.get("parity")
    if not isinstance(parity, dict):
        return Text.assemble(("Parity\n", "bold"), ("not checked: devkit check", "dim"))
    ok = bool(parity.get("ok"))
    counts = parity.get("summary") or {}
    tally = " · ".join(f"{counts[k]} {k}" for k in ("pass", "fail", "warn") if k in counts)
    return Text.assemble(
        ("Parity\n", "bold"),
        ("ok" if ok else "violations", "bold green" if ok else "bold red"),
        f"\n{tally}\n", f"checked {age_text(parity.get('checked'), now)}",
    )  # fmt: skip


def render_panels(status: WorkspaceStatus, now: float) -> dict[str, Text]:
    """The text of each panel; pure, so tests and snapshots can pin ``now``."""
    return {
        "branch": _branch_panel(status),
        "container": _container_panel(status),
        "image": _image_panel(status, now),
        "data": _data_panel(status, now),
        "run": _run_panel(status, now),
        "parity": _parity_panel(status, now),
    }


def event_line(event: object) -> Text | None:
    """How the log shows an engine event (the step list shows the steps' states)."""
    if isinstance(event, Log):
        line = Text(f"{event.step} │ ", style="dim")
        return line.append(event.line, style="red" if event.stream == "err" else "")
    if isinstance(event, StepStarted):
        return Text(f"▶ {event.title}", style="bold")
    if isinstance(event, StepDone):
        return Text(f"✓ {event.step}: {event.summary}", style="green")
    if isinstance(event, StepFailed):
        hint = f" — hint: {event.hint}" if event.hint else ""
        return Text(f"✗ {event.step}: {event.what}{hint}", style="red")
    return None


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit"),  # first, so a narrow footer never cuts it off
        Binding("s", "sync", "Sync data"),
        Binding("c", "check", "Check"),
        Binding("x", "shell", "Shell"),
        Binding("d", "down", "Down"),
        Binding("b", "rebuild", "Rebuild"),
        Binding("r", "refresh", "Refresh"),
    ]
    PALETTE = (
        *((title, command, f"action_{name}") for name, (title, command) in ACTIONS.items()),
        ("Shell in container", "Open a shell in the dev container", "action_shell"),
        ("Refresh", "Read every source again now", "action_refresh"),
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.status: WorkspaceStatus | None = None
        self.polling = False
        self.busy: str | None = None
        self.changes = 0
        self.run_number = 0
        self.cancel_event = threading.Event()

    @property
    def dash(self) -> DashboardHost:
        return cast("DashboardHost", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"[b]{display_path(self.dash.workspace)}[/]", classes="intro", id="dash-root")
        with VerticalScroll(id="dash-tiles"), Grid(id="dash-grid"):
            for name in PANELS:
                yield Static("[dim]reading…[/]", id=f"panel-{name}", classes="panel dash-panel")
        yield StepList(self.dash.clock, id="dash-steps")
        yield RichLog(
            id="dash-log", max_lines=2000, wrap=True, min_width=20, markup=False, highlight=False
        )
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        fit_footer(self, event.size.width)

    def on_mount(self) -> None:
        self.query_one(StepList).display = False  # until an action runs
        hint = Text("The output of rebuild, sync data, check and down appears here.", style="dim")
        # After the first layout: written earlier, the line would be cut instead of wrapped.
        self.call_after_refresh(lambda: self.query_one(RichLog).write(hint))
        self.call_after_refresh(self.action_refresh)  # read the sources after the first paint
        if self.dash.poll_s > 0:
            self.set_interval(self.dash.poll_s, self.action_refresh)

    def action_refresh(self) -> None:
        if self.polling:
            return
        self.polling = True
        source = self.dash.source
        self.run_worker(
            lambda: answer_posting(self, "status", source.snapshot),
            thread=True, group="status", exit_on_error=False,
        )  # fmt: skip

    def on_answer(self, message: Answer) -> None:
        if message.key == "action-plan":
            self._plan_ready(message)
            return
        if message.key != "status":
            return
        self.polling = False
        if message.error:
            self.notify(
                message.error, title="cannot read the workspace", severity="error", markup=False
            )
            return
        status: WorkspaceStatus = message.value
        if status != self.status:
            self.changes += 1
        self.status = status
        for name, text in render_panels(status, self.dash.now()).items():
            self.query_one(f"#panel-{name}", Static).update(text)

    def _run_action(self, name: str) -> None:
        """Build the action's plan in a worker (it may ask the engine), then run it."""
        if self.busy:
            self.notify(f"'{self.busy}' is still running", severity="warning")
            return
        self.busy = name
        root, status = self.dash.workspace, self.status
        self.query_one(RichLog).write(Text(f"$ {ACTIONS[name][1]}", style="bold"))
        self.run_worker(
            lambda: answer_posting(self, "action-plan", lambda: action_plan(name, root, status)),
            thread=True, group="action",
        )  # fmt: skip

    def _plan_ready(self, message: Answer) -> None:
        if message.error:
            self._ended(False, message.error)
            return
        plan: Plan = message.value
        steps = self.query_one(StepList)
        steps.reset()
        steps.display = True
        self.run_number += 1
        self.cancel_event = threading.Event()
        run, cancel = self.run_number, self.cancel_event
        self.run_worker(
            lambda: run_plan_posting(self, plan, cancel, run), thread=True, group="action"
        )

    def on_engine_event(self, message: EngineEvent) -> None:
        if message.run != self.run_number:
            return
        self.query_one(StepList).apply(message.event)
        line = event_line(message.event)
        if line is not None:
            self.query_one(RichLog).write(line)

    def on_plan_ended(self, message: PlanEnded) -> None:
        if message.run != self.run_number:
            return
        outcome = message.outcome
        if outcome is None:
            self._ended(False, f"devkit hit a bug: {message.crash}")
        elif outcome.ok:
            self._ended(True, "")
        elif outcome.code == int(ExitCode.INTERRUPTED):
            self._ended(False, "cancelled")
        else:
            err = outcome.error
            self._ended(False, err.what if err else f"failed (exit {outcome.code})")

    def _ended(self, ok: bool, problem: str) -> None:
        title = ACTIONS[self.busy or "check"][0]
        self.busy = None
        if ok:
            self.notify(f"{title}: done")
            self.query_one(RichLog).write(Text(f"{title}: done", style="dim"))
        else:
            self.notify(problem, title=f"{title} failed", severity="error", markup=False)
            self.query_one(RichLog).write(Text(f"{title} failed: {problem}", style="red"))
        self.action_refresh()

    def _confirm_then_run(self, name: str) -> None:
        if self.busy:
            self.notify(f"'{self.busy}' is still running", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._run_action(name)
            else:
                self.query_one(RichLog).write(Text(f"{ACTIONS[name][0]}: cancelled", style="dim"))

        self.app.push_screen(ConfirmScreen(*CONFIRM[name]), answered)

    def action_rebuild(self) -> None:
        self._confirm_then_run("rebuild")

    def action_sync(self) -> None:
        self._run_action("sync")

    def action_check(self) -> None:
        self._run_action("check")

    def action_down(self) -> None:
        self._confirm_then_run("down")

    def action_shell(self) -> None:
        status = self.status
        container = status.container_id if status else None
        if not container or status is None or status.container_state != "running":
            self.notify("no running dev container — press b to build it", severity="warning")
            return
        try:
            with self.app.suspend():
                subprocess.run(shell_command(container), check=False)
        except SuspendNotSupported:
            self.notify("this terminal cannot hand over to a shell", severity="error")
        self.action_refresh()

    def cancel_action(self) -> None:
        """Stop the running action (its step cleans up after itself)."""
        self.cancel_event.set()
