"""The dashboard: branch and base, container, image age, data, last run and parity, with actions.

It polls cheap sources every few seconds in a thread worker and redraws when something changed.
Actions run the real ``devkit`` commands as subprocesses (the same code a terminal would run),
streaming their output into the log; "shell" suspends the app and opens a shell in the container.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, RichLog, Static

from devkit.tui.formatting import display_path
from devkit.tui.messages import Answer
from devkit.tui.status import WorkspaceStatus, age_text
from devkit.tui.worker_bridge import answer_posting
from devkit.units import format_amount

if TYPE_CHECKING:
    from devkit.tui.status import StatusSource


class DashboardHost(Protocol):
    """What the screen needs from the app that shows it (``tui.app.DashboardApp``)."""

    workspace: Path
    source: StatusSource
    command: list[str]
    poll_s: float
    now: Callable[[], float]


# action → (title, the command it runs); action_argv fills in the workspace's own settings.
ACTIONS: dict[str, tuple[str, list[str]]] = {
    "rebuild": ("Rebuild", ["init", "--rebuild"]),
    "sync": ("Sync data", ["sync-data"]),
    "check": ("Check parity", ["check"]),
    "down": ("Down", ["down"]),
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


def action_argv(name: str, workspace: Path, status: WorkspaceStatus | None) -> list[str]:
    """The devkit command line (after the executable) an action runs in this workspace.

    Rebuild re-runs init headless with what the last init recorded (profile, branch, render
    options) and ``--rebuild``; check records its result itself (.devkit/parity/last.json).
    """
    argv = list(ACTIONS[name][1])
    if name == "rebuild":
        argv += ["--no-input", "--yes"]
        if status is not None:
            if status.profile:
                argv += ["--profile", status.profile]
            if not status.branch.startswith("("):
                argv += ["--branch", status.branch]
            if status.render.get("network"):
                argv += ["--network", str(status.render["network"])]
            if status.render.get("base_image"):
                argv += ["--base-image", str(status.render["base_image"])]
            if status.render.get("data"):
                argv += ["--data", str(status.render["data"])]
    return [*argv, "--workspace", str(workspace)]


PANELS = ("branch", "container", "image", "data", "run", "parity")


def shell_command(container_id: str) -> list[str]:
    """The command that opens an interactive shell in the dev container (bash when present)."""
    return [
        "docker", "exec", "-it", container_id,
        "sh", "-c", "command -v bash >/dev/null && exec bash -l || exec sh -l",
    ]  # fmt: skip


def render_panels(status: WorkspaceStatus, now: float) -> dict[str, Text]:
    """The text of each panel; pure, so tests and snapshots can pin ``now``."""
    c = status.container
    panels = {
        "branch": Text.assemble(
            ("Branch\n", "bold"),
            (status.branch, "bold cyan"),
            f"\nbase {status.base}\n",
            (f"profile {status.profile or '(none: run devkit init)'}", "dim"),
        ),
        "container": Text.assemble(
            ("Container\n", "bold"),
            (c.state, {"running": "bold green", "exited": "yellow"}.get(c.state, "dim")),
            f"\n{c.name or '-'}\n",
            (c.note, "dim"),
        ),
        "image": Text.assemble(
            ("Image\n", "bold"),
            f"{c.image or '-'}\n",
            f"built {age_text(c.image_created, now)}" if c.image_created is not None else "",
        ),
    }
    d = status.data
    panels["data"] = (
        Text.assemble(
            ("Data\n", "bold"),
            f"{d.dest} {d.kind}\n",
            f"{d.files} files · {format_amount(d.bytes, 'B')}\n",
            f"updated {age_text(d.newest, now)}",
        )
        if d
        else Text.assemble(("Data\n", "bold"), ("no dataset configured", "dim"))
    )
    run = status.last_run
    if run:
        command = run.get("command", "?")
        if isinstance(command, list):
            command = " ".join(str(part) for part in command)
        exit_code = str(run.get("exit_code", "?"))
        panels["run"] = Text.assemble(
            ("Last run\n", "bold"), f"{command}\n", f"exit {exit_code}",
            f" · {age_text(run.get('_mtime'), now)}",
        )  # fmt: skip
    else:
        panels["run"] = Text.assemble(
            ("Last run\n", "bold"), ("none yet: devkit run -- CMD", "dim")
        )
    parity = status.last_parity
    if parity:
        ok = bool(parity.get("ok"))
        counts = parity.get("summary") or {}
        tally = " · ".join(f"{counts[k]} {k}" for k in ("pass", "fail", "warn") if k in counts)
        panels["parity"] = Text.assemble(
            ("Parity\n", "bold"),
            ("ok" if ok else "violations", "bold green" if ok else "bold red"),
            f"\n{tally}\n", f"checked {age_text(parity.get('_mtime'), now)}",
        )  # fmt: skip
    else:
        panels["parity"] = Text.assemble(("Parity\n", "bold"), ("not checked: devkit check", "dim"))
    return panels


class ActionLine(Message):
    def __init__(self, line: str) -> None:
        super().__init__()
        self.line = line


class ActionEnded(Message):
    def __init__(self, action: str, code: int) -> None:
        super().__init__()
        self.action = action
        self.code = code


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
        *((title, f"devkit {' '.join(argv)}", f"action_{name}") for name, (title, argv) in
          ACTIONS.items()),
        ("Shell in container", "Open a shell in the dev container", "action_shell"),
        ("Refresh", "Read every source again now", "action_refresh"),
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.status: WorkspaceStatus | None = None
        self.polling = False
        self.busy: str | None = None
        self.changes = 0

    @property
    def dash(self) -> DashboardHost:
        return cast("DashboardHost", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"[b]{display_path(self.dash.workspace)}[/]", classes="intro", id="dash-root")
        with VerticalScroll(id="dash-tiles"), Grid(id="dash-grid"):
            for name in PANELS:
                yield Static("[dim]reading…[/]", id=f"panel-{name}", classes="panel dash-panel")
        yield RichLog(
            id="dash-log", max_lines=2000, wrap=True, min_width=20, markup=False, highlight=False
        )
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        fit_footer(self, event.size.width)

    def on_mount(self) -> None:
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
        if self.busy:
            self.notify(f"'{self.busy}' is still running", severity="warning")
            return
        argv = action_argv(name, self.dash.workspace, self.status)
        command = [*self.dash.command, *argv]
        self.busy = name
        root = f"{self.dash.workspace}{os.sep}"
        shown = [part.removeprefix(root) for part in argv[: argv.index("--workspace")]]
        self.query_one(RichLog).write(Text(f"$ devkit {' '.join(shown)}", style="bold"))
        self.run_worker(lambda: self._stream(name, command), thread=True, group="action")

    def _stream(self, name: str, command: list[str]) -> None:
        """Runs in a worker thread: each output line and the exit code go back as Messages."""
        try:
            proc = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                stdin=subprocess.DEVNULL, env=_child_env(),
            )  # fmt: skip
        except OSError as exc:
            self.post_message(ActionLine(f"cannot start {command[0]}: {exc}"))
            self.post_message(ActionEnded(name, 127))
            return
        assert proc.stdout is not None
        for line in proc.stdout:
            self.post_message(ActionLine(line.rstrip("\n")))
        self.post_message(ActionEnded(name, proc.wait()))

    def on_action_line(self, message: ActionLine) -> None:
        self.query_one(RichLog).write(message.line)

    def on_action_ended(self, message: ActionEnded) -> None:
        self.busy = None
        title = ACTIONS[message.action][0]
        if message.code == 0:
            self.notify(f"{title}: done")
        else:
            self.notify(f"{title} exited with {message.code}", severity="error")
        self.query_one(RichLog).write(Text(f"exit {message.code}", style="dim"))
        self.action_refresh()

    def _confirm_then_run(self, name: str) -> None:
        if self.busy:
            self.notify(f"'{self.busy}' is still running", severity="warning")
            return
        from devkit.tui.screens.confirm import ConfirmScreen

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
        container = self.dash.source.container_id()
        if not container or not self.status or self.status.container.state != "running":
            self.notify("no running dev container — press b to build it", severity="warning")
            return
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                subprocess.run(shell_command(container), check=False)
        except SuspendNotSupported:
            self.notify("this terminal cannot hand over to a shell", severity="error")
        self.action_refresh()


def fit_footer(screen: Screen[Any], width: int) -> None:
    """Below 100 columns the footer packs its keys tighter; below 80 it drops the palette
    hint (Ctrl+P still works) so that every key, quit included, stays on screen."""
    for footer in screen.query(Footer):
        footer.compact = width < 100
        footer.show_command_palette = width >= 80


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    return env
