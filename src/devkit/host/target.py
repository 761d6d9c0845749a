"""Which target a workspace uses: ``container`` (the default) or ``host``; in ``state.json``."""

from __future__ import annotations

from pathlib import Path

from devkit.container.state import read_state, update_state
from devkit.errors import ConfigError

TARGETS = ("container", "host")
STATE_KEY = "target"
DEFAULT = "container"


def recorded_target(root: Path) -> str:
    """The target the last ``devkit init`` here used (``container`` when none recorded)."""

    value = read_state(root).get(STATE_KEY)
    return value if value in TARGETS else DEFAULT


def record_target(root: Path, target: str) -> None:
    update_state(root, STATE_KEY, check_target(target))


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise ConfigError(f"unknown target '{target}'", "pass --target container or host")
    return target
