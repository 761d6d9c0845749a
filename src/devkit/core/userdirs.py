"""devkit's per-user folders and on/off switches read from the environment."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from pathlib import Path

OFF = ("0", "false", "no", "off")


def cache_root() -> Path:
    """``$DEVKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/devkit`` (an absolute one, as the XDG spec
    says), else ``~/.cache/devkit``. Each cache keeps a subfolder of its own."""
    from pathlib import Path

    return Path(cache_dir())


def cache_dir(*names: str) -> str:
    """``cache_root()`` joined with ``names``, as a string: for the quickest commands, which
    do not import pathlib."""
    explicit = os.environ.get("DEVKIT_CACHE_DIR")
    if explicit:
        return os.path.join(explicit, *names)
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "devkit", *names)


def switched_on(variable: str) -> bool:
    """A feature that is on unless ``variable`` says 0/false/no/off."""
    return os.environ.get(variable, "1").strip().lower() not in OFF
