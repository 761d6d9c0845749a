"""Data: sample from S3, synthetic, or none — with the credential check and the size to fetch."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from devkit.core.records import replace
from devkit.tui.messages import Answer
from devkit.tui.screens.base import InitScreen, breadcrumb, marked
from devkit.tui.services import DATA_CHOICES, DataStatus

LABELS = {
    "sample": "Sample from S3 (read-only dev credentials)",
    "synthetic": "Synthetic, generated locally from the profile's schema",
    "none": "No data",
}


class DataScreen(InitScreen):
    NAME = "data"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "continue", "Continue", priority=True)
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status: DataStatus | None = None

    def default_choice(self) -> str:
        app = self.init_app
        if app.choices.data:
            return app.choices.data
        data = app.profile.data
        if data is None:
            return "none"
        return "sample" if data.source else "synthetic"

    def compose(self) -> ComposeResult:
        chosen = self.default_choice()
        yield Header()
        yield Static(breadcrumb("Data"), classes="breadcrumb")
        yield Static("Which dataset should be in place for development?", classes="intro")
        choices = OptionList(
            *(Option(f"{c:<10} {LABELS[c]}", id=c) for c in DATA_CHOICES), id="data-choice"
        )
        choices.highlighted = DATA_CHOICES.index(chosen)
        yield choices
        yield Static("", id="data-status", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._check(self.default_choice())

    def selected(self) -> str:
        index = self.query_one(OptionList).highlighted
        return DATA_CHOICES[index] if index is not None else "none"

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id != (self.status.choice if self.status else None):
            self._check(self.selected())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_continue()

    def _check(self, choice: str) -> None:
        app = self.init_app
        profile = app.profile
        self.status = None
        self.query_one("#data-status", Static).update("[dim]checking credentials…[/]")
        self.ask(f"data:{choice}", lambda: app.services.data_status(choice, profile))

    def on_answer(self, message: Answer) -> None:
        if message.key != f"data:{self.selected()}":
            return
        panel = self.query_one("#data-status", Static)
        if message.error:
            panel.update(marked("✗", "bold red", message.error))
            return
        status: DataStatus = message.value
        self.status = status
        text = Text.assemble(("to fetch     ", "bold"), status.size, "\n")
        for line in status.credentials:
            text.append_text(Text.assemble(("credentials  ", "bold"), line, "\n"))
        if status.ok:
            text.append("✓ ready", style="bold green")
        else:
            text.append_text(marked("✗", "bold red", status.problem))
            text.append("\nchoose 'synthetic' to work without cloud credentials")
        panel.update(text)

    def action_continue(self) -> None:
        if self.status is None or self.status.choice != self.selected():
            self.notify("still checking…", severity="warning")
            return
        if not self.status.ok:
            self.notify(
                self.status.problem, title="cannot use this dataset", severity="error", markup=False
            )
            return
        self.init_app.choices = replace(self.init_app.choices, data=self.selected())
        super().action_continue()
