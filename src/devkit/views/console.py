"""Console rendering of plan events: progress bars in a terminal, plain lines elsewhere."""

from __future__ import annotations

import time

from devkit.core.events import (
    Event,
    Log,
    PlanFinished,
    PlanStarted,
    Progress,
    StepDone,
    StepFailed,
    StepStarted,
)
from devkit.core.units import format_amount
from devkit.terminal import rich_console, use_color

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import IO, Any

PLAIN_PROGRESS_EVERY_S = 5.0


def _steps(count: int) -> str:
    return "the only step" if count == 1 else f"all {count} steps"


class ConsoleView:
    """Renders events for a person. In a terminal it draws rich progress bars."""

    def __init__(self, stream: IO[str], verbose_logs: bool = True) -> None:
        self.stream = stream
        self.color = use_color(stream)
        self.tty = stream.isatty()
        self.verbose_logs = verbose_logs
        self.titles: dict[str, str] = {}
        self._last_plain: dict[str, float] = {}
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}
        self._statuses: list[str] = []  # only plans of checks (doctor) report a status
        self._failures = 0

    def _write(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
            return
        self.stream.write(text + "\n")
        self.stream.flush()

    def _mark(self, symbol: str, code: str) -> str:
        return f"\033[{code}m{symbol}\033[0m" if self.color else symbol

    def __call__(self, event: Event) -> None:
        if isinstance(event, PlanStarted):
            self._write(f"{event.title}")
        elif isinstance(event, StepStarted):
            self.titles[event.step] = event.title
        elif isinstance(event, Log):
            if self.verbose_logs:
                self._write(f"  │ {event.line}")
        elif isinstance(event, Progress):
            self._on_progress(event)
        elif isinstance(event, StepDone):
            self._stop_bar(event.step)
            status = event.data.get("status", "ok")
            if "status" in event.data:
                self._statuses.append(status)
            symbol = {"warn": self._mark("!", "33"), "info": "·"}.get(status, self._mark("✓", "32"))
            if event.skipped:
                symbol = self._mark("=", "2")
            self._write(f"{symbol} {self.titles.get(event.step, event.step)}: {event.summary}")
        elif isinstance(event, StepFailed):
            self._stop_bar(event.step)
            where = f"{event.where}: " if event.where else ""
            title = self.titles.get(event.step, event.step)
            self._failures += 1
            self._write(f"{self._mark('✗', '31')} {title}: {where}{event.what}")
            if event.hint:
                self._write(f"  hint: {event.hint}")
        elif isinstance(event, PlanFinished):
            self._stop_all()
            if self._statuses:
                ok, warned = self._statuses.count("ok"), self._statuses.count("warn")
                total = len(self._statuses) + self._failures
                self._write(
                    f"{total} checks: {ok} ok, {warned} with a warning, {self._failures} failed."
                )
            elif event.ok and event.changed == 0 and event.skipped:
                self._write(
                    f"Nothing to do: {_steps(event.skipped)} already done ({event.seconds:.2f} s)."
                )
            elif not event.ok:
                self._write(
                    f"Stopped after {event.seconds:.1f} s ({event.changed} done, "
                    f"{event.skipped} already done); fix the failure above and run it again."
                )
            elif event.ok:
                self._write(
                    f"Done in {event.seconds:.1f} s ({event.changed} changed, "
                    f"{event.skipped} already done)."
                )

    def _on_progress(self, event: Progress) -> None:
        if not self.tty:
            now = time.monotonic()
            finished = event.total is not None and event.done >= event.total
            if finished or now - self._last_plain.get(event.step, 0.0) >= PLAIN_PROGRESS_EVERY_S:
                self._last_plain[event.step] = now
                total = f"/{format_amount(event.total, event.unit)}" if event.total else ""
                self._write(
                    f"  … {self.titles.get(event.step, event.step)}: "
                    f"{format_amount(event.done, event.unit)}{total}"
                )
            return
        if event.total == 0:
            return  # nothing to transfer: no bar (rich takes longer to import than such a run)
        # rich's progress bars only when a terminal draws them (rich.progress is slow to import)
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as RichProgress

        if self._progress is None:
            columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn()]
            if event.unit == "B":
                columns += [DownloadColumn(), TransferSpeedColumn()]
            columns.append(TimeRemainingColumn())
            bar = RichProgress(*columns, console=rich_console(self.stream), transient=True)
            bar.start()
            self._progress = bar
        bar = self._progress
        if event.step not in self._tasks:
            self._tasks[event.step] = bar.add_task(
                self.titles.get(event.step, event.step), total=event.total
            )
        bar.update(self._tasks[event.step], completed=event.done, total=event.total)

    def _stop_bar(self, step: str) -> None:
        if self._progress is not None and step in self._tasks:
            self._progress.remove_task(self._tasks.pop(step))
            if not self._tasks:
                self._stop_all()

    def _stop_all(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._tasks.clear()
