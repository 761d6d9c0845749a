"""Steps, plans and the runner that executes them while reporting events.

A step is one idempotent unit of work: it describes what it would change (``describe``),
says whether it is already done (``is_done``) and does it (``run``). The runner emits events
through a reporter, honours cancellation, and turns failures into ``StepFailed`` events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from devkit.core.errors import DevkitError, ExitCode
from devkit.core.events import (
    Log,
    PlanFinished,
    PlanStarted,
    Progress,
    Reporter,
    StepDone,
    StepFailed,
    StepStarted,
)
from devkit.core.lock import workspace_lock
from devkit.core.records import dataclass, field


class CancelledError(DevkitError):
    """The user cancelled the plan (Ctrl-C, Esc in the TUI)."""

    code = ExitCode.INTERRUPTED


@dataclass
class StepContext:
    """What a running step may use: reporting helpers and the cancellation flag."""

    step_id: str
    reporter: Reporter
    cancel: threading.Event = field(default_factory=threading.Event)

    def log(self, line: str, stream: str = "out") -> None:
        self.reporter(Log(self.step_id, line.rstrip("\n"), stream))

    def progress(self, done: float, total: float | None, unit: str = "") -> None:
        self.reporter(Progress(self.step_id, done, total, unit))

    def stream(self, argv: list[str], cwd: Path, env: Mapping[str, str] | None = None) -> int:
        """Run a command, each output line (stdout and stderr) a log event; its exit status."""
        import subprocess  # here: a data sync runs no command and need not load it

        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            self.log(line)
        return proc.wait()

    def check_cancelled(self) -> None:
        if self.cancel.is_set():
            raise CancelledError("cancelled", "run the command again to finish")


@runtime_checkable
class Step(Protocol):
    id: str
    title: str

    def describe(self) -> list[str]:
        """What this step would change, one line each (for --dry-run and the review screen)."""
        ...

    def is_done(self) -> bool:
        """True when there is nothing left to do."""
        ...

    def run(self, ctx: StepContext) -> StepResult:
        """Do the work; raise DevkitError on a known failure."""
        ...


@dataclass
class StepResult:
    summary: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlanOutcome:
    ok: bool
    code: int
    changed: int
    skipped: int
    results: dict[str, StepResult]
    error: DevkitError | None = None


@dataclass
class Plan:
    title: str
    steps: Sequence[Step]
    # The workspace state folder (.devkit) whose lock the plan holds while it runs: set for
    # plans that change the workspace, None for read-only ones (see devkit.core.lock).
    lock: Path | None = None

    def describe(self) -> list[tuple[Step, list[str], bool]]:
        """Each step with what it would change and whether it is already done."""
        return [(step, step.describe(), step.is_done()) for step in self.steps]


def run_plan(
    plan: Plan,
    reporter: Reporter,
    cancel: threading.Event | None = None,
    stop_on_failure: bool = True,
) -> PlanOutcome:
    """Run every step that is not done yet, reporting events; never raises DevkitError."""
    if plan.lock is None:
        return _run_steps(plan, reporter, cancel, stop_on_failure)
    try:
        with workspace_lock(plan.lock):
            return _run_steps(plan, reporter, cancel, stop_on_failure)
    except DevkitError as error:  # the lock is held by another devkit (or unusable)
        reporter(PlanStarted(plan.title, [(s.id, s.title) for s in plan.steps]))
        where = str(error.where) if error.where else None
        reporter(StepFailed("lock", error.what, error.hint, where, int(error.code)))
        reporter(PlanFinished(False, 0, 0, 0.0))
        return PlanOutcome(False, int(error.code), 0, 0, {}, error)


def _run_steps(
    plan: Plan,
    reporter: Reporter,
    cancel: threading.Event | None,
    stop_on_failure: bool,
) -> PlanOutcome:
    cancel = cancel or threading.Event()
    started = time.monotonic()
    reporter(PlanStarted(plan.title, [(s.id, s.title) for s in plan.steps]))
    changed = skipped = 0
    results: dict[str, StepResult] = {}
    failure: DevkitError | None = None
    for step in plan.steps:
        ctx = StepContext(step.id, reporter, cancel)
        reporter(StepStarted(step.id, step.title))
        error: DevkitError | None = None
        try:
            ctx.check_cancelled()
            if step.is_done():
                skipped += 1
                reporter(StepDone(step.id, "already done", skipped=True))
                continue
            result = step.run(ctx)
        except KeyboardInterrupt:
            error = CancelledError("interrupted", "run the command again to finish")
        except DevkitError as exc:
            error = exc
        if error is not None:
            failure = failure or error
            where = str(error.where) if error.where else None
            reporter(StepFailed(step.id, error.what, error.hint, where, int(error.code)))
            if stop_on_failure or isinstance(error, CancelledError):
                break
            continue
        changed += 1
        results[step.id] = result
        reporter(StepDone(step.id, result.summary, data=result.data))
    ok = failure is None
    reporter(PlanFinished(ok, changed, skipped, round(time.monotonic() - started, 3)))
    code = int(failure.code) if failure else int(ExitCode.OK)
    return PlanOutcome(ok, code, changed, skipped, results, failure)
