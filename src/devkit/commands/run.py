"""`devkit run`: run a command in the dev container and record its fingerprint."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any

    from devkit.core.events import Reporter


NAME = "run"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME,
        parents=[common],
        help="run a command in the dev container (on this machine with --target host) and record "
        "its fingerprint",
    )
    parser.add_argument("--here", action="store_true", help="run on the host, not in the container")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD", help="the command")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import selected_profile, workspace
    from devkit.core.events import Log, StepDone
    from devkit.terminal import err

    ws = workspace(args)
    profile = selected_profile(args, ws)
    command = list(args.cmd)
    if command and command[0] == "--":
        command = command[1:]
    events = _json_events() if args.json else None
    on_line = (lambda line: events(Log("run", line))) if events else None
    from devkit.state import WorkspaceState

    if not args.here and WorkspaceState(ws).target() == "host":
        from devkit.host.plan import WHERE
        from devkit.host.venv import require_venv, run_env
        from devkit.parity.runner import host_env, record_run, run_on_host

        require_venv(ws.root)
        env = run_env(ws.root, host_env(profile))
        outcome = record_run(
            ws,
            profile,
            command,
            where=WHERE,
            execute=lambda: run_on_host(command, env, on_line=on_line),
            env=env,
        )
    elif args.here:
        from devkit.parity.runner import host_env, record_run, run_on_host

        env = host_env(profile)
        outcome = record_run(
            ws,
            profile,
            command,
            where="host",
            execute=lambda: run_on_host(command, env, on_line=on_line),
            env=env,
        )
    else:
        from devkit.parity.container_run import run_in_container

        outcome = run_in_container(ws, profile, command, on_line=on_line)
    shown = outcome.record_path.relative_to(ws.root).as_posix()
    summary = f"run {outcome.record['id']} exited {outcome.exit_code}; recorded in {shown}"
    if events:
        data = {"id": outcome.record["id"], "exit_code": outcome.exit_code, "record": shown}
        events(StepDone("run", summary, data=data))
    else:
        err(f"devkit: {summary}")
    return outcome.exit_code


def _json_events() -> Reporter:
    import sys

    from devkit.views.jsonl import JsonLinesView

    return JsonLinesView(sys.stdout)
