"""`devkit sync-data`: fetch the profile's sampled dataset read-only, or generate synthetic data."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "sync-data"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME,
        parents=[common],
        help="fetch the profile's sampled dataset read-only, or generate synthetic data",
    )
    parser.add_argument("--synthetic", action="store_true", help="generate synthetic data")
    parser.add_argument("--seed", type=int, metavar="N", help="seed for synthetic data")
    parser.add_argument("--dest", metavar="DIR", help="destination folder (default: profile's)")
    parser.add_argument("--concurrency", type=int, metavar="N", help="parallel downloads")
    parser.add_argument(
        "--delete", action="store_true", help="remove synced files that are gone upstream"
    )
    parser.add_argument(
        "--verify", action="store_true", help="hash every local file instead of trusting size+mtime"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from devkit.actions.sync import sync_plan
    from devkit.commands._shared import execute, selected_profile, show_dry_run, workspace
    from devkit.core.errors import ConfigError

    if args.concurrency is not None and not 1 <= args.concurrency <= 256:
        raise ConfigError(
            f"--concurrency {args.concurrency} is out of range", "pass a number from 1 to 256"
        )
    if args.seed is not None and not 0 <= args.seed <= 2**63 - 1:
        raise ConfigError(f"--seed {args.seed} is out of range", "pass a number from 0 to 2**63-1")
    if args.synthetic and not getattr(args, "dry_run", False):
        _preload_arrow()
    ws = workspace(args, require_git=False)
    profile = selected_profile(args, ws)
    plan = sync_plan(
        ws,
        profile,
        synthetic=args.synthetic,
        seed=args.seed,
        dest=Path(args.dest).resolve() if args.dest else None,
        concurrency=args.concurrency,
        delete=args.delete,
        verify=args.verify,
    )
    if getattr(args, "dry_run", False):
        return show_dry_run(plan, args)
    return execute(plan, args).code


def _preload_arrow() -> None:
    """numpy and pyarrow take about a third of a second to import: start that now, on a thread,
    while the profile is read and checked (the import lock makes the generator wait for it)."""
    import threading

    from devkit.data import arrow

    threading.Thread(target=arrow.preload, name="devkit-preload").start()
