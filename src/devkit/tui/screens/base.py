"""What every init screen shares: its place in the flow, a header, Esc to go back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Protocol, cast

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker

from devkit.config.model import Profile
from devkit.core.plan import Plan, PlanOutcome
from devkit.init.request import InitRequest
from devkit.tui.services import InitServices
from devkit.tui.worker_bridge import answer_posting

STEPS = ("Preflight", "Profile", "Branch", "Data", "Review", "Run", "Done")


def marked(glyph: str, style: str, text: str) -> Text:
    """A status line for text from outside (errors, names): never parsed as markup."""
    return Text.assemble((glyph + " ", style), text)


def breadcrumb(current: str) -> str:
    """The flow with the current screen marked, e.g. 'Preflight › [Profile] › Branch …'."""
    return " › ".join(f"[b reverse] {s} [/]" if s == current else s for s in STEPS)


def fit_footer(screen: Screen[Any], width: int) -> None:
    """Below 100 columns the footer packs its keys tighter; below 80 it drops the palette
    hint (Ctrl+P still works) so that every key, quit included, stays on screen."""
    for footer in screen.query(Footer):
        footer.compact = width < 100
        footer.show_command_palette = width >= 80


class InitHost(Protocol):
    """What the init screens need from the app that shows them (``tui.app.InitApp``), so a
    screen never imports the app that imports the screens."""

    services: InitServices
    choices: InitRequest
    profiles: dict[str, Profile]
    plan: Plan | None
    outcome: PlanOutcome | None
    farewell: str
    clock: Callable[[], float]
    frozen: bool

    @property
    def workspace(self) -> Path: ...

    @property
    def profile(self) -> Profile: ...

    def advance(self, current: str) -> None: ...

    def go_back(self) -> None: ...

    def screen_ready(self) -> None: ...

    def finish(self, code: int) -> None: ...

    def quit_code(self) -> int: ...

    def action_quit(self) -> None: ...

    def exit(
        self, result: int | None = None, return_code: int = 0, message: Any = None
    ) -> None: ...


class InitScreen(Screen[None]):
    NAME = ""
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]
    # (palette title, help, method name) — offered in the command palette on this screen.
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    # False for screens that load what they show first; they call ``init_app.screen_ready()``.
    READY_ON_MOUNT: ClassVar[bool] = True

    def on_resize(self, event: events.Resize) -> None:
        fit_footer(self, event.size.width)

    def on_mount(self) -> None:
        if self.READY_ON_MOUNT:
            self.call_after_refresh(self.init_app.screen_ready)

    @property
    def init_app(self) -> InitHost:
        return cast(InitHost, self.app)

    def stop_before_quit(self) -> bool:
        """Ctrl+Q on any screen: True when this screen stops its own work first (and quits)."""
        return False

    def action_back(self) -> None:
        self.init_app.go_back()

    def action_continue(self) -> None:
        self.init_app.advance(self.NAME)

    def ask(self, key: str, question: Callable[[], Any]) -> Worker[None]:
        """Answer ``question`` in a thread worker; the Answer message comes back to this screen."""
        return self.run_worker(
            lambda: answer_posting(self, key, question),
            thread=True,
            group=key,
            exclusive=False,
            exit_on_error=False,
        )
