"""`devkit sync-data`: fetch the profile's sampled dataset read-only, or generate synthetic data."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from pathlib import Path
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
    memo = _memo(args, ws.root)  # before the profile is read: a later edit then misses
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
        memo=memo,
    )
    if getattr(args, "dry_run", False):
        return show_dry_run(plan, args)
    return execute(plan, args).code


def fast(argv: Sequence[str]) -> int | None:
    """A no-op answered from the record of the same command's last sync
    (``devkit.data.quick``), before the command line is parsed or a profile loaded; None when
    the full run must answer (no record, anything changed, or the workspace is locked)."""
    import time

    from devkit.data import quick

    started = time.monotonic()
    found = quick.load(argv)
    if found is None:
        return None
    from devkit.core.lock import workspace_lock

    try:
        with workspace_lock(found["lock"]):
            outcome = quick.answer(found, lambda: _load_view(found["report"]["json"]))
            if outcome is None:
                return None
            _report(outcome, started)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception:  # held by another devkit, moved, unreadable: the full run says what
        return None
    return 0


def _load_view(json_mode: bool) -> None:
    """Import the view that reports the outcome, while the server lists (``quick.answer``)."""
    if json_mode:
        import devkit.views.jsonl
    else:
        import devkit.views.console  # noqa: F401


def _report(outcome: dict[str, Any], started: float) -> None:
    """The events of a no-op sync, as the plan runner reports them, to the same view."""
    import time

    from devkit.core.events import Log, PlanFinished, PlanStarted, Progress, StepDone, StepStarted
    from devkit.terminal import set_color
    from devkit.views import pick_reporter

    set_color(outcome["color"])
    report = pick_reporter(outcome["json"])
    step, title = outcome["step"], outcome["step_title"]
    report(PlanStarted(outcome["title"], [(step, title)]))
    report(StepStarted(step, title))
    report(Log(step, outcome["guard_line"]))
    report(Progress(step, 0, 0, "B"))
    report(StepDone(step, outcome["summary"], data=outcome["data"]))
    report(PlanFinished(True, 1, 0, round(time.monotonic() - started, 3)))


def _memo(args: argparse.Namespace, root: Path) -> Callable[[dict[str, Any] | None], None] | None:
    """What the sync step calls, under the workspace's lock, once it left the dataset current
    (what a no-op would report) or not (None): keep, or forget, the record ``fast`` answers
    from (``devkit.data.quick``). None when this run is not one a record could answer."""
    import os

    from devkit.config.profiles import builtin_dir
    from devkit.data import inputs, quick

    argv = getattr(args, "argv", None)
    if argv is None or args.synthetic or args.verify or not quick.enabled():
        return None
    given = [getattr(args, "workspace", None), args.dest]
    # Resolved as the run resolves them: the workspace with ~ expanded, --dest as given.
    resolved = [
        os.path.realpath(os.path.expanduser(given[0])) if given[0] is not None else None,
        os.path.realpath(given[1]) if given[1] is not None else None,
    ]
    try:
        start = resolved[0] or os.getcwd()
        config = inputs.config_state(start, str(root), str(builtin_dir()))
    except OSError:
        return None
    if config is None:
        quick.forget(argv)
        return None

    def memo(found: dict[str, Any] | None) -> None:
        if found is None:
            quick.forget(argv)  # an older record still checks every input, but is of no use
            return
        outcome = found["outcome"]
        outcome["report"] = {
            **outcome["report"],
            "json": bool(getattr(args, "json", False)),
            "color": getattr(args, "color", "auto"),
        }
        outcome["workspace_arg"] = [given[0], resolved[0]]
        outcome["dest_arg"] = [given[1], resolved[1]]
        quick.record(
            argv, config=config, root=str(root), dest=found["dest"], files=found["files"],
            outcome=outcome,
        )  # fmt: skip

    return memo


def _preload_arrow() -> None:
    """numpy and pyarrow take about a third of a second to import: start that now, on a thread,
    while the profile is read and checked (the import lock makes the generator wait for it)."""
    import threading

    from devkit.data import arrow

    threading.Thread(target=arrow.preload, name="devkit-preload").start()
