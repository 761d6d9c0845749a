"""Branch: the feature-branch name, validated as you type against the pattern and git's rules."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Input, Static

from devkit.core.records import replace
from devkit.git.names import clean_branch_name
from devkit.tui.messages import Answer
from devkit.tui.screens.base import InitScreen, breadcrumb, marked
from devkit.tui.services import BranchStatus


class BranchScreen(InitScreen):
    NAME = "branch"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "continue", "Continue", priority=True)
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status: BranchStatus | None = None
        self.checked = ""
        self.continue_when_checked = ""

    def compose(self) -> ComposeResult:
        policy = self.init_app.profile.branch
        yield Header()
        yield Static(breadcrumb("Branch"), classes="breadcrumb")
        yield Static(
            Text.assemble(
                "Name your feature branch. It must match ",
                (policy.pattern, "bold"),
                " and starts from ",
                (policy.base, "bold"),
                " when it does not exist yet.",
            ),
            classes="intro",
        )
        yield Input(
            value=self.init_app.choices.branch or "",
            placeholder="feat/short-description",
            id="branch-name",
        )
        yield Static("", id="branch-status", classes="panel")
        yield Footer()

    AUTO_FOCUS = "#branch-name"

    def on_mount(self) -> None:
        name_input = self.query_one("#branch-name", Input)
        if self.init_app.frozen:
            name_input.cursor_blink = False
        name_input.focus()
        if name_input.value.strip():
            self._check(name_input.value)
        else:
            self._waiting()

    def _waiting(self) -> None:
        """Nothing typed yet: a prompt, not an error."""
        self.status = None
        self.checked = ""
        self.query_one("#branch-status", Static).update("[dim]type a name for your branch[/]")
        self.query_one("#branch-name", Input).remove_class("invalid-name")

    def on_key(self, event: events.Key) -> None:
        """Keys typed while the screen was still being pushed reach the screen, not the box
        (it had no focus yet): put them in the box instead of dropping them."""
        name_input = self.query_one("#branch-name", Input)
        if name_input.has_focus or not event.is_printable or event.character is None:
            return
        event.stop()
        name_input.focus()
        name_input.insert_text_at_cursor(event.character)

    def on_input_changed(self, event: Input.Changed) -> None:
        # The box as it is now, not as this (maybe older) message saw it, decides.
        now = clean_branch_name(self.query_one("#branch-name", Input).value)
        if now != self.continue_when_checked:
            self.continue_when_checked = ""
        if event.value.strip() or self.checked:
            self._check(event.value)
        else:
            self._waiting()

    def _check(self, typed: str) -> None:
        name = clean_branch_name(typed)
        app = self.init_app
        profile = app.profile
        self.status = None
        self.query_one("#branch-status", Static).update("[dim]checking…[/]")
        self.ask(f"branch:{name}", lambda: app.services.branch_status(name, profile))

    def on_answer(self, message: Answer) -> None:
        name = clean_branch_name(self.query_one("#branch-name", Input).value)
        if message.key != f"branch:{name}":
            return  # an answer about something typed before; a newer one is on its way
        panel = self.query_one("#branch-status", Static)
        if message.error:
            panel.update(marked("✗", "bold red", message.error))
            self.continue_when_checked = ""
            return
        status: BranchStatus = message.value
        self.status = status
        self.checked = name
        if status.problems:
            panel.update(Text("\n").join(marked("✗", "bold red", p) for p in status.problems))
            self.query_one("#branch-name", Input).add_class("invalid-name")
            if self.continue_when_checked == name:
                self._continue()  # says why it cannot go on
            return
        self.query_one("#branch-name", Input).remove_class("invalid-name")
        what = {True: "exists", False: "new branch"}
        label = what[status.exists] if status.exists is not None else "valid name"
        detail = f" · {status.detail}" if status.detail else ""
        panel.update(marked("✓", "bold green", label + detail))
        if self.continue_when_checked == name:
            self._continue()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_continue()

    def action_continue(self) -> None:
        # Enter is a priority binding: it fires as it reaches the app, while letters typed just
        # before it may still be on their way to the box. Read the box once they have landed.
        self.query_one("#branch-name", Input).call_later(self._continue)

    def _continue(self) -> None:
        name = clean_branch_name(self.query_one("#branch-name", Input).value)
        self.continue_when_checked = ""
        if not name:
            self.notify("type a name for your branch first", severity="warning")
            return
        if self.status is None or self.checked != name:
            # Enter before the check answered: go on when it does (typing more cancels this).
            self.continue_when_checked = name
            return
        if self.status.problems:
            self.notify(
                self.status.problems[0], title="invalid branch name", severity="error", markup=False
            )
            return
        self.init_app.choices = replace(self.init_app.choices, branch=name)
        super().action_continue()
