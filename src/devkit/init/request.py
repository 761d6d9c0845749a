"""What ``devkit init`` is asked to do, and the one place its defaults are applied.

An ``InitRequest`` holds the choices as given — flags on the command line, answers on the TUI's
screens; None means "not given". ``resolve_request`` fills every gap in one order:

1. the flag (or the screen's answer),
2. the environment (``DEVKIT_NETWORK``, ``DEVKIT_VENDOR``),
3. what the last init in this workspace used (``.devkit/``, through ``devkit.state``), when it
   used the same profile,
4. the profile (the checked-out branch when it follows the profile's pattern; the profile's
   base image) and devkit's own defaults (the container target, ``auto`` network).

The command line and the TUI both call it, then ``devkit.init.plan.plan_init``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from devkit.config.profiles import ProfileSet
from devkit.core.errors import DevkitError
from devkit.core.records import dataclass, replace
from devkit.git.repo import current_branch
from devkit.state import InitRecord, WorkspaceState
from devkit.workspace import Workspace

NETWORK_ENV = "DEVKIT_NETWORK"
VENDOR_ENV = "DEVKIT_VENDOR"
YES = ("1", "true", "yes")


@dataclass(frozen=True)
class InitRequest:
    """Every choice ``devkit init`` takes; the TUI's screens fill the same fields."""

    profile: str | None = None
    branch: str | None = None
    data: str | None = None  # sample | synthetic | none; None: sample when credentials work
    overwrite: bool = False  # replace edited .devcontainer files (a backup is always kept)
    base_image: str | None = None  # None: the profile's
    network: str | None = None  # auto | bridge | host
    aws_config: str | None = None  # broker (default) | host | none
    rebuild: bool = False  # build the image again from scratch, replace the container
    vendor: bool | None = None  # commit a wheel of devkit; None: what the committed files do
    index_url: str | None = None
    extra_index_url: str | None = None
    target: str | None = None  # container | host

    def missing(self) -> list[str]:
        """The choices the guided init asks for when they are not given."""
        return [name for name in ("profile", "branch", "data") if getattr(self, name) is None]


def env_network(env: Mapping[str, str]) -> str | None:
    return env.get(NETWORK_ENV, "").strip() or None


def env_vendor(env: Mapping[str, str]) -> bool | None:
    """``DEVKIT_VENDOR=1`` asks for a vendored wheel; anything else says nothing."""
    return True if env.get(VENDOR_ENV, "").strip().lower() in YES else None


def checked_out_branch(root: Path) -> str | None:
    """The checked-out branch, when HEAD is on one (None: detached, or not a repository)."""
    try:
        return current_branch(root)
    except DevkitError:
        return None


def feature_branch(root: Path, pattern: str) -> str | None:
    """The checked-out branch when it follows the profile's pattern (never main, never a guess
    from a detached HEAD): re-running init there means 'keep working on this branch'."""
    current = checked_out_branch(root)
    return current if current is not None and re.fullmatch(pattern, current) else None


def resolve_request(
    request: InitRequest,
    ws: Workspace,
    env: Mapping[str, str],
    profiles: ProfileSet | None = None,
) -> InitRequest:
    """``request`` with every default applied (see the module's docstring for the order).

    Idempotent: a resolved request resolves to itself, so the TUI can show the defaults on its
    screens and hand the edited request back here."""
    recorded = last = WorkspaceState(ws).last_init()
    if request.profile and request.profile != last.profile:
        last = InitRecord()  # another profile: the last init's choices were for that one
    profile = request.profile or last.profile
    branch = request.branch
    if branch is None and profile:
        try:
            pattern = (profiles or ProfileSet(ws.root)).get(profile).branch.pattern
        except DevkitError:  # a recorded profile that is gone: the plan says so
            pattern = None
        branch = feature_branch(ws.root, pattern) if pattern else None
    vendor = request.vendor
    for fallback in (env_vendor(env), last.vendor):
        vendor = fallback if vendor is None else vendor
    return replace(
        request,
        profile=profile,
        branch=branch,
        data=request.data or last.data,
        base_image=request.base_image or last.base_image,
        network=request.network or env_network(env) or last.network or "auto",
        vendor=vendor,
        index_url=request.index_url or last.index_url,
        extra_index_url=request.extra_index_url or last.extra_index_url,
        target=request.target or recorded.target,
    )
