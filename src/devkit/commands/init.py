"""`devkit init`: create the feature branch and start the workload's dev container."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any

    from devkit.config.profiles import ProfileSet
    from devkit.init.request import InitRequest
    from devkit.workspace import Workspace


NAME = "init"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME,
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
        "(default: $DEVKIT_NETWORK, else what the last init used, else auto: the bridge when "
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


def request_from_args(args: argparse.Namespace) -> InitRequest:
    """The flags as an ``InitRequest`` (None: not given; the resolver fills the defaults)."""
    from devkit.git.names import clean_branch_name
    from devkit.init.request import InitRequest

    branch = clean_branch_name(args.branch) or None if args.branch is not None else None
    return InitRequest(
        profile=args.profile or None,
        branch=branch,
        data=args.data,
        overwrite=bool(args.force or args.yes),
        base_image=args.base_image,
        network=args.network,
        aws_config=args.aws_config,
        rebuild=bool(getattr(args, "rebuild", False)),
        vendor=args.vendor,
        index_url=args.index_url,
        extra_index_url=args.extra_index_url,
        target=args.target,
    )


def headless_request(
    args: argparse.Namespace, ws: Workspace, profiles: ProfileSet, interactive: bool
) -> InitRequest:
    """The flags with the defaults applied; ConfigError naming the flags when a choice that
    has no default (the profile, the branch) is still missing."""
    import os

    from devkit.core.errors import ConfigError
    from devkit.init.request import resolve_request

    request = resolve_request(request_from_args(args), ws, os.environ, profiles)
    # Without a terminal (CI, a pipe, --no-input) nobody can be asked: say so, and name the flags.
    nobody = "" if interactive else ", and there is no terminal to ask in"
    if not request.profile:
        raise ConfigError(
            f"no profile chosen{nobody}",
            "pass --profile NAME --branch BRANCH (see 'devkit profiles list'); "
            "add --data synthetic|sample and --yes to answer every question",
        )
    if not request.branch:
        raise ConfigError(
            f"no branch chosen{nobody}", "pass --branch NAME, e.g. --branch feat/my-change"
        )
    return request


def run(args: argparse.Namespace) -> int:
    """Build the init request from the flags, plan it, confirm replacing edited files, run it."""
    from devkit.commands._shared import execute, profile_set, show_dry_run, workspace
    from devkit.core.records import replace
    from devkit.terminal import can_use_tui

    ws = workspace(args)
    interactive = can_use_tui(args.no_input)
    missing = not (args.profile and args.branch)
    if interactive and missing and not (args.dry_run or args.json):
        from devkit.tui.launch import run_init  # a choice is missing: ask in the terminal UI

        return run_init(ws, request_from_args(args))
    profiles = profile_set(ws)
    request = headless_request(args, ws, profiles, interactive)
    # The engine is asked first: without one, nothing (branch, files) is changed, and the hint
    # names --target host. devkit never switches target on its own. It answers on a thread of
    # its own while the plan is made (which changes nothing); its error comes first.
    docker = None
    if request.target == "container":
        from devkit.init.ready import ready_engine_soon, require_engine

        base = request.base_image or profiles.get(str(request.profile)).image.base
        docker = require_engine() if args.dry_run else ready_engine_soon(ws, base)
    from devkit.init.plan import Runtime, plan_init
    from devkit.init.ready import settle

    runtime = Runtime(docker=docker)
    try:
        plan = plan_init(ws, request, runtime, profiles)
    finally:
        settle(docker)
    if args.dry_run:
        return show_dry_run(plan, args)
    if not request.overwrite and interactive and _confirm_replacements(plan):
        plan = plan_init(ws, replace(request, overwrite=True), runtime, profiles)
    return execute(plan, args).code


def _confirm_replacements(plan: object) -> bool:
    """Show the diff of files that would be replaced and ask; True when nothing to ask."""
    from devkit.container.files_step import DevcontainerFilesStep
    from devkit.core.plan import Plan
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
