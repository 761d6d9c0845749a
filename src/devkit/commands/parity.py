"""`devkit parity`: snapshot a parity reference or diff two fingerprints."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "parity"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME, parents=[common], help="snapshot a parity reference or diff two fingerprints"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    snap = actions.add_parser(
        "snapshot", parents=[common], help="write this environment's fingerprint"
    )
    snap.add_argument("--out", metavar="FILE|s3://BUCKET/KEY", required=True)
    diff = actions.add_parser("diff", parents=[common], help="compare two fingerprints")
    diff.add_argument(
        "a", metavar="A", help="FILE (fingerprint or run record), s3://…, or 'latest'"
    )
    diff.add_argument(
        "b", metavar="B", help="FILE (fingerprint or run record), s3://…, or 'latest'"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.core.errors import ConfigError

    if args.action == "snapshot":
        return snapshot(args)
    if args.action == "diff":
        return diff(args)
    raise ConfigError("'devkit parity' needs an action", "use 'snapshot' or 'diff'")


def snapshot(args: argparse.Namespace) -> int:
    import json

    from devkit.commands._shared import selected_profile, workspace
    from devkit.parity.fingerprint import fingerprint
    from devkit.parity.runner import host_env
    from devkit.terminal import err, out

    # Staging's image holds the workload's files, not its git history: no repository needed.
    ws = workspace(args, require_git=False)
    profile = selected_profile(args, ws)
    where = "ci" if _truthy("CI") else "host"
    env = host_env(profile)
    from devkit.parity.probe import WORKLOAD_PYTHON_ENV
    from devkit.state import WorkspaceState

    if WorkspaceState(ws).target() == "host" and not env.get(WORKLOAD_PYTHON_ENV):
        from devkit.host.plan import WHERE
        from devkit.host.venv import require_venv, run_env

        require_venv(ws.root)  # the host target's workload lives in .devkit/venv
        env, where = run_env(ws.root, env), WHERE
    data, seconds = fingerprint(
        ws.root, profile, env=env, where=where, cache_dir=ws.state / "cache"
    )
    body = json.dumps(data, indent=1) + "\n"
    if args.out == "-":
        out(body.rstrip("\n"))
        return 0
    if args.out.startswith("s3://"):
        from devkit.config.environments import load_environments
        from devkit.parity.s3io import put_object

        put_object(args.out, body.encode("utf-8"), load_environments(ws.root))
    else:
        from pathlib import Path

        from devkit import safefs

        safefs.write_text(Path(args.out), body)
    err(f"devkit: fingerprint of profile {profile.name} written to {args.out} ({seconds:.2f} s)")
    return 0


def _truthy(name: str) -> bool:
    import os

    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def diff(args: argparse.Namespace) -> int:
    import json

    from devkit.commands._shared import workspace
    from devkit.parity.diff import diff_fingerprints
    from devkit.parity.load import load_fingerprint
    from devkit.terminal import out

    ws = workspace(args, require_git=False)
    a = load_fingerprint(args.a, ws)
    b = load_fingerprint(args.b, ws)
    differences = diff_fingerprints(a, b)
    if args.json:
        out(
            json.dumps(
                {"a": args.a, "b": args.b, "differences": [d.to_dict() for d in differences]}
            )
        )
    elif not differences:
        out(f"no differences between {args.a} and {args.b}")
    else:
        out(f"{len(differences)} difference(s), {args.a} → {args.b}:")
        for difference in differences:
            out(f"  {difference}")
    return 1 if differences else 0
