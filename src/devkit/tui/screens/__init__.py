"""One screen a file, imported when first shown: the first paint needs only the first screen.

``screen_class(name)`` gives the class for a name of the init flow; the classes are also
attributes of this package (``from devkit.tui.screens import RunScreen``), loaded on access.
"""

from __future__ import annotations

import importlib
from typing import Any

from textual.screen import Screen

# flow name → (module, class)
_SCREENS = {
    "preflight": ("preflight", "PreflightScreen"),
    "profile": ("profile", "ProfileScreen"),
    "branch": ("branch", "BranchScreen"),
    "data": ("data", "DataScreen"),
    "review": ("review", "ReviewScreen"),
    "run": ("run", "RunScreen"),
    "done": ("done", "DoneScreen"),
}


def screen_class(name: str) -> type[Screen[None]]:
    module, cls = _SCREENS[name]
    found: type[Screen[None]] = getattr(
        importlib.import_module(f"devkit.tui.screens.{module}"), cls
    )
    return found


def __getattr__(attr: str) -> Any:
    for name, (_module, cls) in _SCREENS.items():
        if cls == attr:
            return screen_class(name)
    raise AttributeError(attr)
