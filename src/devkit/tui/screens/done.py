"""Done: what was set up and the commands to use next."""

from __future__ import annotations

import shlex
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from devkit.tui.formatting import display_path
from devkit.tui.screens.base import InitHost, InitScreen, breadcrumb
from devkit.workload import run_command


def next_commands(workspace: str, run: list[str] | None = None) -> list[tuple[str, str]]:
    quoted = (
        workspace if workspace.startswith("~/") and " " not in workspace else shlex.quote(workspace)
    )
    workload = shlex.join(run or ["python", "--version"])
    return [
        (f"code {quoted}", "open in VS Code, then 'Reopen in Container'"),
        (f"devkit run -- {workload}", "run it in the dev environment (recorded)"),
        ("devkit check", "compare your last run with staging"),
        ("devkit", "the dashboard: container, data, last run and parity"),
    ]


class DoneScreen(InitScreen):
    NAME = "done"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "finish", "Exit"),
        Binding("escape", "back", "Back", show=False),
        Binding("q", "finish", "Exit", show=False),
    ]

    def compose(self) -> ComposeResult:
        app = self.init_app
        headline, summary, commands = done_texts(app)
        app.farewell = "\n".join(t.plain.rstrip("\n") for t in (headline, summary, commands))
        yield Header()
        yield Static(breadcrumb("Done"), classes="breadcrumb")
        yield Static(headline, classes="intro")
        with VerticalScroll(id="done-body"):
            yield Static(summary, id="done-summary", classes="panel")
            yield Static(commands, id="done-next", classes="panel")
        yield Footer()

    def action_back(self) -> None:
        pass  # the setup is finished; going back would offer to run it again

    def action_finish(self) -> None:
        self.init_app.finish(0)


def done_texts(app: InitHost) -> tuple[Text, Text, Text]:
    """The headline, the summary of every step and the next commands (also printed on exit)."""

    c = app.choices
    headline = Text.assemble(
        (f"Your {c.profile} environment is ready", "bold green"),
        " on branch ",
        (str(c.branch), "bold"),
        ".",
    )
    summary = Text()
    outcome = app.outcome
    if outcome is not None:
        titles = {s.id: s.title for s in (app.plan.steps if app.plan else [])}
        for step_id, result in outcome.results.items():
            summary.append("✓ ", style="green")
            summary.append(titles.get(step_id, step_id), style="bold")
            summary.append(f"  {result.summary}\n")
        summary.append(
            f"\n{outcome.changed} changed, {outcome.skipped} already done.\n", style="dim"
        )
    commands = Text("Next:\n", style="bold")
    run = run_command(app.workspace, c.profile)
    for command, why in next_commands(display_path(app.workspace), run):
        commands.append(f"  $ {command}", style="bold cyan")
        commands.append(f"   {why}\n", style="dim")
    return headline, summary, commands
