"""`devkit profiles list|show NAME`: the workload profiles a workspace can use."""

from __future__ import annotations

import argparse

from devkit.commands.completion import complete_profiles
from devkit.core.errors import ExitCode

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "profiles"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(NAME, parents=[common], help="list or show workload profiles")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.add_parser("list", parents=[common], help="list profiles with descriptions")
    show = actions.add_parser("show", parents=[common], help="print a resolved profile")
    complete_profiles(show.add_argument("name", metavar="NAME"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import json

    from devkit.commands._shared import profile_set, workspace
    from devkit.config.yamlmarks import dump_yaml
    from devkit.terminal import out

    ws = workspace(args, require_git=False)
    profiles = profile_set(ws)
    action = getattr(args, "action", None) or "list"
    if action == "list":
        items = profiles.all()
        if args.json:
            out(
                json.dumps(
                    [
                        {
                            "name": p.name,
                            "description": p.description,
                            "files": list(p.source_files),
                        }
                        for p in items
                    ]
                )
            )
            return int(ExitCode.OK)
        width = max((len(p.name) for p in items), default=0)
        for p in items:
            out(f"{p.name:<{width}}  {p.description}")
        return int(ExitCode.OK)
    profile = profiles.get(args.name)
    resolved = {k: v for k, v in profile.raw.items() if k != "abstract"}
    if args.json:
        out(json.dumps(resolved, default=str, indent=2))
    else:
        out(f"# {profile.name}: resolved from {', '.join(profile.source_files)}")
        out(dump_yaml(resolved))
    return int(ExitCode.OK)
