"""How the image gets devkit: from the package index by hash, or from a committed wheel.

A teammate's ``devkit init`` on a clone keeps what is committed when it still describes the
running devkit: ``devkit-deps.txt`` is reused while devkit's version is the same (their host may
hold other versions of the dependencies), and ``devkit-pin.txt`` while it pins this version with
hashes — so re-rendering needs no network and causes no diff.
"""

from __future__ import annotations

from pathlib import Path

from devkit.container import index, wheel
from devkit.container.render import (
    DEPS_NAME,
    DEVCONTAINER_DIR,
    PIN_NAME,
    VENDOR_DIR,
    DevkitSource,
    deps_text,
    pin_text,
)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def committed_vendor(workspace: Path) -> bool:
    """Whether the committed files install a vendored wheel (a fresh clone keeps that choice)."""
    folder = workspace / DEVCONTAINER_DIR / VENDOR_DIR
    return folder.is_dir() and any(folder.glob(f"{wheel.wheel_stem()}-*.whl"))


def resolve(
    workspace: Path, vendor: bool, urls: list[str] | None = None, lookup: bool = True
) -> DevkitSource:
    """The devkit source for the image. Without ``lookup`` (``devkit status``) a pin that is not
    committed yet stays empty instead of asking the index."""
    version = wheel.devkit_version()
    folder = workspace / DEVCONTAINER_DIR
    deps = _read(folder / DEPS_NAME)
    if deps is None or not deps.startswith(f"# {wheel.DIST_NAME} {version}:"):
        deps = deps_text(version, wheel.runtime_requirements())
    if vendor:
        return DevkitSource(version, deps, wheel=wheel.wheel_bytes(), wheel_name=wheel.wheel_name())
    pin = _read(folder / PIN_NAME)
    if pin is None or f"{wheel.DIST_NAME}=={version} " not in pin or "--hash=sha256:" not in pin:
        if lookup:
            hashes = index.distribution_hashes(wheel.DIST_NAME, version, urls or index.index_urls())
            pin = pin_text(version, hashes)
        else:
            pin = pin_text(version, {})
    return DevkitSource(version, deps, pin=pin)
