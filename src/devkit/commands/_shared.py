"""Helpers the command functions share: workspace, profiles, running a plan in the right view."""

from __future__ import annotations

import argparse

from devkit.core.errors import ConfigError, ExitCode

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from devkit.config.model import Profile
    from devkit.config.profiles import ProfileSet
    from devkit.core.plan import Plan, PlanOutcome
    from devkit.workspace import Workspace


def workspace(args: argparse.Namespace, require_git: bool = True) -> Workspace:
    from devkit.workspace import Workspace

    return Workspace.locate(getattr(args, "workspace", None), require_git=require_git)


def profile_set(ws: Workspace | None) -> ProfileSet:
    from devkit.config.profiles import ProfileSet

    return ProfileSet(ws.root if ws else None)


def selected_profile(args: argparse.Namespace, ws: Workspace) -> Profile:
    """The profile named by --profile, else the one recorded by the last 'devkit init'."""
    from devkit.state import WorkspaceState

    name = getattr(args, "profile", None) or WorkspaceState(ws).profile()
    profiles = profile_set(ws)
    if not name:
        raise ConfigError(
            "no profile chosen", "pass --profile NAME (one of: " + ", ".join(profiles.names()) + ")"
        )
    return profiles.get(name)


def execute(plan: Plan, args: argparse.Namespace) -> PlanOutcome:
    """Run a plan in the console or JSON view; Ctrl-C cancels cleanly."""
    import threading

    from devkit.core.plan import run_plan
    from devkit.views import pick_reporter

    cancel = threading.Event()
    return run_plan(plan, pick_reporter(getattr(args, "json", False)), cancel)


def show_dry_run(plan: Plan, args: argparse.Namespace) -> int:
    """Print (or emit as JSON) every change the plan would make; change nothing."""
    import json

    from devkit.terminal import out

    described = plan.describe()
    if getattr(args, "json", False):
        for step, changes, done in described:
            out(
                json.dumps(
                    {
                        "event": "planned",
                        "step": step.id,
                        "title": step.title,
                        "done": done,
                        "changes": changes,
                    }
                )
            )
        return int(ExitCode.OK)
    out(f"{plan.title} — dry run, nothing will change:")
    for step, changes, done in described:
        if done:
            out(f"  = {step.title}: already done")
            continue
        out(f"  + {step.title}")
        for line in changes:
            out(f"      {line}")
    return int(ExitCode.OK)
