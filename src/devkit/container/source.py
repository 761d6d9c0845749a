"""How the image gets devkit: from the package index by hash, or from a committed wheel.

A teammate's ``devkit init`` on a clone keeps what is committed when it still describes the
running devkit: ``devkit-deps.txt`` is reused while devkit's version is the same (their host may
hold other versions of the dependencies), and ``devkit-pin.txt`` while it pins this version with
hashes — so re-rendering needs no network and causes no diff.
"""

from __future__ import annotations

from pathlib import Path

from devkit import safefs
from devkit.container import wheel
from devkit.container.render import (
    DEPS_NAME,
    DEVCONTAINER_DIR,
    PIN_NAME,
    VENDOR_DIR,
    DevkitSource,
    deps_text,
    pin_text,
)
from devkit.core.errors import DevkitError


def _read(workspace: Path, path: Path) -> str | None:
    """A committed file's text; never through a committed symlink (then: as if missing)."""

    try:
        data = safefs.read_bytes(path, 1 << 20, root=workspace, missing_ok=True)
        return None if data is None else data.decode("utf-8")
    except (DevkitError, UnicodeDecodeError):
        return None


def committed_vendor(workspace: Path) -> bool:
    """Whether the committed files install a vendored wheel (a fresh clone keeps that choice)."""

    folder = workspace / DEVCONTAINER_DIR / VENDOR_DIR
    try:
        names = safefs.list_dir(folder, root=workspace)
    except DevkitError:
        return False
    stem = wheel.wheel_stem() + "-"
    return any(name.startswith(stem) and name.endswith(".whl") for name in names)


def resolve(
    workspace: Path, vendor: bool, urls: list[str] | None = None, lookup: bool = True
) -> DevkitSource:
    """The devkit source for the image. Without ``lookup`` (``devkit status``) a pin that is not
    committed yet stays empty instead of asking the index."""
    version = wheel.devkit_version()
    folder = workspace / DEVCONTAINER_DIR
    deps = _read(workspace, folder / DEPS_NAME)
    if deps is None or not deps.startswith(f"# {wheel.DIST_NAME} {version}:"):
        deps = deps_text(version, wheel.runtime_requirements())
    if vendor:
        return DevkitSource(version, deps, wheel=wheel.wheel_bytes(), wheel_name=wheel.wheel_name())
    pin = _read(workspace, folder / PIN_NAME)
    if pin is None or f"{wheel.DIST_NAME}=={version} " not in pin or "--hash=sha256:" not in pin:
        if lookup:
            from devkit.container import index  # urllib, ssl, email: only to ask the index

            hashes = index.distribution_hashes(wheel.DIST_NAME, version, urls or index.index_urls())
            pin = pin_text(version, hashes)
        else:
            pin = pin_text(version, {})
    return DevkitSource(version, deps, pin=pin)
