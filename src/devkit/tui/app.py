"""The Textual apps: ``InitApp`` (guided ``devkit init``) and ``DashboardApp`` (``devkit``).

Use the factories ``make_init_app`` and ``make_dashboard_app``: the CLI and the tests build the
apps the same way. The apps hold the user's choices and hand every piece of work to thread
workers; the engine's events come back as Messages (see ``worker_bridge``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer

from devkit.init.request import InitRequest
from devkit.tui.screens import screen_class
from devkit.tui.screens.base import InitHost, InitScreen
from devkit.tui.screens.dashboard import DashboardScreen
from devkit.tui.services import InitServices
from devkit.tui.status import StatusSource, WorkspaceStatusSource

if TYPE_CHECKING:
    from devkit.config.model import Profile
    from devkit.core.plan import Plan, PlanOutcome

FLOW = ("preflight", "profile", "branch", "data", "review", "run", "done")


class DevkitApp(App[int]):
    """What both apps share: stylesheet, theme, a clock that tests can freeze."""

    CSS_PATH = "devkit.tcss"
    TITLE = "devkit"

    def __init__(self, clock: Callable[[], float] | None = None, frozen: bool = False) -> None:
        super().__init__()
        self.clock = clock or time.monotonic
        self.frozen = frozen
        if frozen:
            self.animation_level = "none"

    def on_mount(self) -> None:
        self.theme = "textual-dark"


class InitApp(DevkitApp):
    """Preflight → Profile → Branch → Data → Review → Run → Done, over one init plan."""

    SUB_TITLE = "init"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        # Ctrl+C quits too, even in a text box (Input would take it as "copy").
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        services: InitServices,
        choices: InitRequest | None = None,
        clock: Callable[[], float] | None = None,
        frozen: bool = False,
    ) -> None:
        super().__init__(clock, frozen)
        self.services = services
        self.choices = choices or InitRequest()
        self.profiles: dict[str, Profile] = {}
        self.plan: Plan | None = None
        self.outcome: PlanOutcome | None = None
        # Printed to the terminal after the app exits (the Done summary and the next commands).
        self.farewell: str = ""
        # Type-ahead: keys that arrive while the next screen is pushed (or still loading what
        # it shows) wait here and are replayed when it is ready, instead of being dropped.
        self.accepting_keys = True
        # Each key carries its place in the typing order, so replays never reorder it.
        self.typeahead: list[tuple[int, events.Key]] = []
        self.replays: list[tuple[int, events.Key]] = []  # posted again, not yet back here
        self.typed = 0
        self.ready_timer: Timer | None = None

    @property
    def workspace(self) -> Path:
        return self.services.workspace

    @property
    def profile(self) -> Profile:
        return self.profiles[self.choices.profile or ""]

    def on_mount(self) -> None:
        super().on_mount()
        self.push_screen(self.make_screen("preflight"))

    def make_screen(self, name: str) -> Screen[None]:
        return screen_class(name)()

    def advance(self, current: str) -> None:
        """Go to the screen after ``current`` in the flow."""
        following = FLOW[FLOW.index(current) + 1]
        self.accepting_keys = False
        if self.ready_timer is not None:
            self.ready_timer.stop()  # an earlier screen's: it must not release this one's keys
        self.ready_timer = self.set_timer(3.0, self.screen_ready)  # never hold keys for long
        self.push_screen(self.make_screen(following))

    def screen_ready(self) -> None:
        """The current screen can take keys: replay the ones typed ahead, in order."""
        if self.ready_timer is not None:
            self.ready_timer.stop()
            self.ready_timer = None
        self.accepting_keys = True
        self._release_typeahead()

    def _release_typeahead(self) -> None:
        """Post the held keys again, oldest first; each keeps its place in the typing order."""
        held, self.typeahead = sorted(self.typeahead, key=lambda pair: pair[0]), []
        for order, key in held:
            replay = events.Key(key.key, key.character)
            replay.set_sender(self)  # as the driver sends them: bindings apply
            self.replays.append((order, replay))
            self.post_message(replay)

    async def on_event(self, event: events.Event) -> None:
        # Only keys fresh from the terminal wait; a key bubbling back from a widget goes on.
        if not (isinstance(event, events.Key) and not event.is_forwarded) or self._passes(event):
            await super().on_event(event)
        if self.accepting_keys and self.typeahead and not self.replays:
            self._release_typeahead()

    def _passes(self, key: events.Key) -> bool:
        """Whether a key goes to the screen now. A key waits while the screen is not ready,
        and behind any key typed before it that still waits or is on its way again: a key
        typed while the held ones were being replayed must not overtake them."""
        if key.key in ("ctrl+q", "ctrl+c"):
            return True
        order = next((n for n, replay in self.replays if replay is key), None)
        if order is None:
            order, self.typed = self.typed, self.typed + 1
        else:
            self.replays = [(n, replay) for n, replay in self.replays if replay is not key]
        earlier = any(n < order for n, _ in (*self.replays, *self.typeahead))
        if self.accepting_keys and not earlier:
            return True
        self.typeahead.append((order, key))
        return False

    def go_back(self) -> None:
        """Pop to the previous screen of the flow (the first one stays)."""
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def finish(self, code: int) -> None:
        self.exit(code)

    def action_quit(self) -> None:  # type: ignore[override]
        """Ctrl+Q / Ctrl+C: 0 after a successful setup, the failure's code after a failed one,
        130 otherwise. A screen with work running stops it first (``stop_before_quit``)."""
        for screen in self.screen_stack:
            if isinstance(screen, InitScreen) and screen.stop_before_quit():
                return
        self.exit(self.quit_code())

    def quit_code(self) -> int:
        if self.outcome is None:
            return 130
        return 0 if self.outcome.ok else int(self.outcome.code)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Back", "Go to the previous step of the setup", self.go_back)
        for name, help_text, method in getattr(screen, "PALETTE", ()):
            yield SystemCommand(name, help_text, getattr(screen, method))


class DashboardApp(DevkitApp):
    """The workspace at a glance, refreshed when its sources change, with the common actions."""

    SUB_TITLE = "dashboard"  # q (quit) is the screen's first key, so the footer shows it first

    def __init__(
        self,
        workspace: Path,
        source: StatusSource,
        poll_s: float = 2.0,
        clock: Callable[[], float] | None = None,
        frozen: bool = False,
        now: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(clock, frozen)
        self.now = now or time.time
        self.workspace = workspace
        self.source = source
        self.poll_s = poll_s

    def on_mount(self) -> None:
        super().on_mount()

        self.push_screen(DashboardScreen())

    def action_quit(self) -> None:  # type: ignore[override]
        for screen in self.screen_stack:  # a running action stops (and cleans up) first
            cancel = getattr(screen, "cancel_action", None)
            if callable(cancel):
                cancel()
        self.exit(0)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for name, help_text, method in getattr(screen, "PALETTE", ()):
            yield SystemCommand(name, help_text, getattr(screen, method))


def _conforms(app: InitApp) -> InitHost:
    return app  # mypy checks here that InitApp gives the screens what they use


def make_init_app(
    services: InitServices,
    choices: InitRequest | None = None,
    clock: Callable[[], float] | None = None,
    frozen: bool = False,
) -> InitApp:
    return InitApp(services, choices, clock, frozen)


def make_dashboard_app(
    workspace: Path,
    source: StatusSource | None = None,
    poll_s: float = 2.0,
    clock: Callable[[], float] | None = None,
    frozen: bool = False,
    now: Callable[[], float] | None = None,
) -> DashboardApp:
    return DashboardApp(
        workspace,
        source or WorkspaceStatusSource(workspace),
        poll_s,
        clock,
        frozen,
        now,
    )
