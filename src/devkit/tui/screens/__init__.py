"""One screen a file; ``SCREENS`` maps the init flow's names to their classes."""

from __future__ import annotations

from textual.screen import Screen

from devkit.tui.screens.branch import BranchScreen
from devkit.tui.screens.data import DataScreen
from devkit.tui.screens.done import DoneScreen
from devkit.tui.screens.preflight import PreflightScreen
from devkit.tui.screens.profile import ProfileScreen
from devkit.tui.screens.review import ReviewScreen
from devkit.tui.screens.run import RunScreen

SCREENS: dict[str, type[Screen[None]]] = {
    "preflight": PreflightScreen,
    "profile": ProfileScreen,
    "branch": BranchScreen,
    "data": DataScreen,
    "review": ReviewScreen,
    "run": RunScreen,
    "done": DoneScreen,
}
