"""`devkit init`: create the feature branch and start the workload's dev container."""

from __future__ import annotations

import argparse
import os

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any

    from devkit.workspace import Workspace


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "init",
        parents=[common],
        help="create the feature branch and start the workload's dev container",
    )
    parser.add_argument("--branch", metavar="BRANCH", help="feature branch to create or switch to")
    parser.add_argument(
        "--data",
        choices=("sample", "synthetic", "none"),
        help="dataset to put in place (default: sample when read-only credentials work)",
    )
    parser.add_argument("--base-image", metavar="IMAGE", help="override the profile's base image")
    parser.add_argument(
        "--network",
        choices=("auto", "bridge", "host"),
        default=None,
        help="build and run on the engine's bridge or the host's network "
        "(default: what the last init used, else $DEVKIT_NETWORK, else auto: the bridge when "
        "the engine has a usable one)",
    )
    parser.add_argument(
        "--aws-config",
        choices=("broker", "host", "none"),
        default=None,
        help="AWS in the container: read-only sessions from devkit's broker (default), "
        "the host's ~/.aws mounted read-only (opt-in), or none",
    )
    parser.add_argument(
        "--vendor",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="commit a wheel of this devkit under .devcontainer/vendor/ for the image to install "
        "(default: what the committed files do; else devkit from the package index, pinned by "
        "hash)",
    )
    parser.add_argument(
        "--index-url",
        metavar="URL",
        help="package index for the image's pip (this machine only; no credentials)",
    )
    parser.add_argument(
        "--extra-index-url",
        metavar="URL",
        help="an extra package index for the image's pip (this machine only; no credentials)",
    )
    parser.add_argument(
        "--target",
        choices=("container", "host"),
        default=None,
        help="where the workload runs: a dev container on the Docker Engine (default), or this "
        "machine itself with a venv in .devkit/venv (cloud workspaces without Docker); "
        "default: what the last init here used",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace changed .devcontainer files (backup kept)"
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="build the image again from scratch (even when one with the same inputs exists) "
        "and replace the container",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Build the init plan from the flags, confirm replacing edited files, run it."""
    from devkit.terminal import can_use_tui as _tui_ok

    missing = not (args.profile and args.branch)
    if _tui_ok(args.no_input) and missing and not (args.dry_run or args.json):
        from devkit.tui.launch import run_init  # a choice is missing: ask in the terminal UI

        return run_init(args, _fill_from_last_init)
    from devkit.commands._shared import execute, selected_profile, show_dry_run, workspace
    from devkit.container.state import update_state
    from devkit.errors import ConfigError
    from devkit.host.target import record_target
    from devkit.init_plan import InitOptions, build_init_plan, require_engine, resolve_network
    from devkit.terminal import can_use_tui

    ws = workspace(args)
    interactive = can_use_tui(args.no_input)
    if args.branch is not None:
        from devkit.git.names import clean_branch_name

        args.branch = clean_branch_name(args.branch) or None
    _fill_from_last_init(args, ws)
    # Without a terminal (CI, a pipe, --no-input) nobody can be asked: say so, and name the flags.
    nobody = "" if interactive else ", and there is no terminal to ask in"
    if not args.profile:
        raise ConfigError(
            f"no profile chosen{nobody}",
            "pass --profile NAME --branch BRANCH (see 'devkit profiles list'); "
            "add --data synthetic|sample and --yes to answer every question",
        )
    if not args.branch:
        raise ConfigError(
            f"no branch chosen{nobody}", "pass --branch NAME, e.g. --branch feat/my-change"
        )
    profile = selected_profile(args, ws)
    target = args.target or "container"
    # The engine is asked first: without one, nothing (branch, files) is changed, and the hint
    # names --target host. devkit never switches target on its own.
    docker = require_engine() if target == "container" else None
    if docker is not None and not args.dry_run:
        from devkit.container.visibility import prove_early

        prove_early(docker, ws.root, [args.base_image or profile.image.base])
    options = InitOptions(
        branch=args.branch,
        data=args.data,
        base_image=args.base_image,
        overwrite=bool(args.force or args.yes),
        network=resolve_network(args.network, docker) if target == "container" else "bridge",
        docker=docker,
        target=target,
        aws_config=args.aws_config,
        rebuild=bool(getattr(args, "rebuild", False)),
        vendor=args.vendor,
        index_url=args.index_url,
        extra_index_url=args.extra_index_url,
    )
    plan = build_init_plan(ws, profile, options)
    if args.dry_run:
        return show_dry_run(plan, args)
    if not options.overwrite and interactive:
        options.overwrite = _confirm_replacements(plan)
        plan = build_init_plan(ws, profile, options)
    ws.write_state("profile", text=profile.name + "\n")
    record_target(ws.root, target)
    update_state(
        ws.root,
        "render",
        {
            "base_image": args.base_image,
            "network": options.network if target == "container" else None,
            "data": args.data,
            "vendor": args.vendor,
            "index_url": args.index_url,
            "extra_index_url": args.extra_index_url,
        },
    )
    return execute(plan, args).code


def _fill_from_last_init(args: argparse.Namespace, ws: Workspace) -> None:
    """Flags not given default to what the last `devkit init` here used, so a re-run (after
    `devkit down`, or to pick up profile changes) rebuilds the same environment."""
    from devkit.commands._shared import recorded_profile
    from devkit.container.state import read_state

    if args.profile and args.profile != recorded_profile(ws):
        last: dict[str, Any] = {}
    else:
        last = read_state(ws.root).get("render") or {}
        args.profile = args.profile or recorded_profile(ws)
    if not args.branch and args.profile:
        args.branch = _current_feature_branch(args, ws)
    if not args.target:
        from devkit.host.target import recorded_target

        args.target = recorded_target(ws.root)
    args.base_image = args.base_image or last.get("base_image")
    args.data = args.data or last.get("data")
    if args.vendor is None:
        args.vendor = last.get("vendor")
    args.index_url = args.index_url or last.get("index_url")
    args.extra_index_url = args.extra_index_url or last.get("extra_index_url")
    args.network = args.network or last.get("network") or os.environ.get("DEVKIT_NETWORK") or "auto"


def _current_feature_branch(args: argparse.Namespace, ws: Workspace) -> str | None:
    """The checked-out branch when it follows the profile's pattern (never main, never a guess
    from a detached HEAD): re-running init there means 'keep working on this branch'."""
    import re

    from devkit.commands._shared import selected_profile

    current = _current_branch(ws)
    if current is None:
        return None
    pattern = selected_profile(args, ws).branch.pattern
    return current if re.fullmatch(pattern, current) else None


def _current_branch(ws: Workspace) -> str | None:
    """The checked-out branch, when HEAD is on one."""
    from devkit.errors import DevkitError
    from devkit.git.repo import current_branch

    try:
        return current_branch(ws.root)
    except DevkitError:
        return None


def _confirm_replacements(plan: object) -> bool:
    """Show the diff of files that would be replaced and ask; True when nothing to ask."""
    from devkit.container.files_step import DevcontainerFilesStep
    from devkit.plan import Plan
    from devkit.terminal import out

    assert isinstance(plan, Plan)
    step = next((s for s in plan.steps if isinstance(s, DevcontainerFilesStep)), None)
    changes = step.replacements() if step else []
    if not changes:
        return False
    for change in changes:
        for line in change.diff():
            out(line)
    names = ", ".join(c.rel for c in changes)
    answer = input(f"Replace {names}? A backup goes to .devkit/backups/ [y/N] ")
    return answer.strip().lower() in ("y", "yes")
