"""devkit's per-user folders and on/off switches read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

OFF = ("0", "false", "no", "off")


def cache_root() -> Path:
    """``$DEVKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/devkit`` (an absolute one, as the XDG spec
    says), else ``~/.cache/devkit``. Each cache keeps a subfolder of its own."""
    explicit = os.environ.get("DEVKIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "devkit"


def switched_on(variable: str) -> bool:
    """A feature that is on unless ``variable`` says 0/false/no/off."""
    return os.environ.get(variable, "1").strip().lower() not in OFF
