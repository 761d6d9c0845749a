"""Profile: the workspace's profiles with descriptions and what each one sets up."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from devkit.core.records import replace
from devkit.tui.messages import Answer
from devkit.tui.screens.base import InitScreen, breadcrumb, marked
from devkit.tui.services import profile_summary


class ProfileScreen(InitScreen):
    NAME = "profile"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "continue", "Choose", priority=True)]
    READY_ON_MOUNT = False  # keys typed ahead wait until the profiles are listed

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(breadcrumb("Profile"), classes="breadcrumb")
        yield Static("Which workload are you working on?", classes="intro")
        with Horizontal(id="profile-body"):
            yield OptionList(id="profiles")
            yield Static("", id="profile-details", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        app = self.init_app
        if app.profiles:
            self._fill()
        else:
            self.ask("profiles", app.services.profiles)

    def on_answer(self, message: Answer) -> None:
        if message.key != "profiles":
            return
        if message.error:
            self.query_one("#profile-details", Static).update(
                marked("✗", "bold red", message.error)
            )
            self.init_app.screen_ready()
            return
        self.init_app.profiles = {p.name: p for p in message.value}
        self._fill()

    def _fill(self) -> None:
        app = self.init_app
        options = self.query_one("#profiles", OptionList)
        options.clear_options()
        for i, profile in enumerate(app.profiles.values()):
            if i:
                options.add_option(None)
            label = Text.assemble((profile.name, "bold"), "\n", (profile.description, "dim"))
            options.add_option(Option(label, id=profile.name))
        names = list(app.profiles)
        if names:
            chosen = app.choices.profile if app.choices.profile in names else names[0]
            options.highlighted = options.get_option_index(chosen)
        options.focus()
        self.call_after_refresh(self.init_app.screen_ready)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        profile = self.init_app.profiles.get(event.option.id or "")
        if profile is None:
            return
        details = Text(profile.description + "\n\n", style="italic")
        for key, value in profile_summary(profile):
            details.append(f"{key:<9}", style="bold")
            details.append(value + "\n")
        self.query_one("#profile-details", Static).update(details)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_continue()

    def action_continue(self) -> None:
        options = self.query_one("#profiles", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        self.init_app.choices = replace(self.init_app.choices, profile=option.id)
        super().action_continue()
