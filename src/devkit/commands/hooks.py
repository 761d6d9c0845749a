"""`devkit hooks`: install devkit's git hooks (pre-push parity check)."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "hooks"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME, parents=[common], help="install devkit's git hooks (pre-push parity check)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.add_parser("install", parents=[common], help="install the pre-push hook")
    actions.add_parser(
        "uninstall", parents=[common], help="remove devkit's pre-push hook (restores yours)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import execute, show_dry_run, workspace
    from devkit.core.errors import ConfigError, ExitCode
    from devkit.core.plan import Plan
    from devkit.githooks import GitHookStep, uninstall_pre_push_hook

    action = getattr(args, "action", None)
    if action not in ("install", "uninstall"):
        raise ConfigError(
            "'devkit hooks' needs an action", "run 'devkit hooks install' (or 'uninstall')"
        )
    ws = workspace(args)
    if action == "uninstall":
        from devkit.terminal import out

        out(uninstall_pre_push_hook(ws.root))
        return int(ExitCode.OK)
    plan = Plan(
        "devkit hooks install",
        [GitHookStep(ws.root, getattr(args, "profile", None))],
        lock=ws.state,
    )
    if getattr(args, "dry_run", False):
        return show_dry_run(plan, args)
    return execute(plan, args).code
