"""`devkit run`: run a command in the dev container and record its fingerprint."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "run",
        parents=[common],
        help="run a command in the dev container and record its fingerprint",
    )
    parser.add_argument("--here", action="store_true", help="run on the host, not in the container")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD", help="the command")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import selected_profile, workspace
    from devkit.console import err

    ws = workspace(args)
    profile = selected_profile(args, ws)
    command = list(args.cmd)
    if command and command[0] == "--":
        command = command[1:]
    if args.here:
        from devkit.parity.runner import host_env, record_run, run_on_host

        env = host_env(profile)
        outcome = record_run(
            ws,
            profile,
            command,
            where="host",
            execute=lambda: run_on_host(command, env),
            env=env,
        )
    else:
        from devkit.parity.container_run import run_in_container

        outcome = run_in_container(ws, profile, command)
    shown = outcome.record_path.relative_to(ws.root).as_posix()
    err(f"devkit: run {outcome.record['id']} exited {outcome.exit_code}; recorded in {shown}")
    return outcome.exit_code
