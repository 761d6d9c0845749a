"""A live list of plan steps: status, summary, a progress bar with rate and ETA, and hints."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import ProgressBar, Static

from devkit.core.errors import ExitCode
from devkit.core.events import Event, PlanStarted, Progress, StepDone, StepFailed, StepStarted
from devkit.tui.formatting import RateMeter, format_amount, format_eta, format_rate

GLYPHS = {
    "pending": ("○", "step-pending"),
    "running": ("▶", "step-running"),
    "ok": ("✓", "step-ok"),
    "skipped": ("=", "step-skipped"),
    "warn": ("!", "step-warn"),
    "failed": ("✗", "step-failed"),
    "cancelled": ("■", "step-cancelled"),
}


class StepRow(Vertical):
    """One step: a status line, a progress line while it runs, a hint line when it fails."""

    DEFAULT_CSS = """
    StepRow { height: auto; padding: 0 1; }
    StepRow .step-line { height: auto; }
    StepRow .step-progress { height: 1; display: none; padding-left: 2; }
    StepRow.has-progress .step-progress { display: block; }
    StepRow ProgressBar { width: 40; }
    StepRow .step-rate { width: 1fr; padding-left: 1; color: $text-muted; }
    StepRow .step-hint { height: auto; display: none; padding-left: 2; color: $warning; }
    StepRow.has-hint .step-hint { display: block; }
    StepRow.step-running .step-line { text-style: bold; }
    StepRow.step-failed .step-hint { color: $error; }
    """

    def __init__(self, step_id: str, title: str, clock: Callable[[], float]) -> None:
        super().__init__(id=f"step-{_safe_id(step_id)}", classes="step-pending")
        self.step_id = step_id
        self.title = title
        self.status = "pending"
        self.summary = ""
        self._clock = clock
        self._meter = RateMeter()
        self.hint = ""
        self.rate_text = ""
        self.progress: tuple[float, float | None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._line(), classes="step-line")
        with Horizontal(classes="step-progress"):
            yield ProgressBar(total=None, show_eta=False, show_percentage=True)
            yield Static("", classes="step-rate")
        yield Static("", classes="step-hint")

    def _line(self) -> Text:
        glyph, _style = GLYPHS[self.status]
        text = Text()
        text.append(
            f"{glyph} ",
            style={"ok": "green", "failed": "red", "warn": "yellow", "cancelled": "yellow"}.get(
                self.status, ""
            ),
        )
        text.append(self.title, style="bold")
        if self.summary:
            text.append(f"  {self.summary}", style="dim" if self.status == "skipped" else "")
        return text

    def set_status(self, status: str, summary: str = "") -> None:
        self.remove_class(f"step-{self.status}")
        self.status = status
        self.summary = summary
        self.add_class(f"step-{status}")
        if status != "running":
            self.remove_class("has-progress")
        self._sync()

    def set_hint(self, text: str) -> None:
        self.hint = text
        self.set_class(bool(text), "has-hint")
        self._sync()

    def show_progress(self, done: float, total: float | None, unit: str) -> None:
        self.add_class("has-progress")
        self._meter.add(self._clock(), done)
        self.progress = (done, total)
        amount = format_amount(done, unit)
        if total is not None:
            amount += f" / {format_amount(total, unit)}"
        parts = [amount, format_rate(self._meter.rate(), unit), format_eta(self._meter.eta(total))]
        self.rate_text = "  ".join(p for p in parts if p)
        self._sync()

    def on_mount(self) -> None:
        self._sync()

    def _sync(self) -> None:
        """Show the current state; before the children exist, on_mount does it."""
        try:
            self.query_one(".step-line", Static).update(self._line())
            self.query_one(".step-hint", Static).update(self.hint)
            self.query_one(".step-rate", Static).update(self.rate_text)
            if self.progress is not None:
                done, total = self.progress
                self.query_one(ProgressBar).update(total=total, progress=done)
        except NoMatches:
            pass


def _safe_id(step_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in step_id)


class StepList(VerticalScroll):
    """Rows for every step of a plan, updated from engine events."""

    DEFAULT_CSS = """
    StepList { height: auto; max-height: 60%; border: round $primary-background; }
    """

    def __init__(self, clock: Callable[[], float], **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._clock = clock
        self.rows: dict[str, StepRow] = {}

    def apply(self, event: Event) -> None:
        if isinstance(event, PlanStarted):
            self._ensure(event.steps)
        elif isinstance(event, StepStarted):
            self._row(event.step, event.title).set_status("running")
            self._row(event.step, event.title).set_hint("")
        elif isinstance(event, Progress):
            self._row(event.step).show_progress(event.done, event.total, event.unit)
        elif isinstance(event, StepDone):
            status = "skipped" if event.skipped else str(event.data.get("status", "ok"))
            self._row(event.step).set_status(status if status in GLYPHS else "ok", event.summary)
        elif isinstance(event, StepFailed):
            row = self._row(event.step)
            if event.code == int(ExitCode.INTERRUPTED):
                row.set_status("cancelled", "cancelled: stopped and cleaned up")
                row.set_hint("")
                return
            where = f"{event.where}: " if event.where else ""
            row.set_status("failed", where + event.what)
            row.set_hint(f"→ {event.hint}" if event.hint else "")

    def reset(self) -> None:
        """Forget the rows (a new plan starts)."""
        self.rows.clear()
        self.remove_children()

    def _ensure(self, steps: list[tuple[str, str]]) -> None:
        for step_id, title in steps:
            if step_id not in self.rows:
                row = StepRow(step_id, title, self._clock)
                self.rows[step_id] = row
                self.mount(row)

    def _row(self, step_id: str, title: str | None = None) -> StepRow:
        if step_id not in self.rows:
            self._ensure([(step_id, title or step_id)])
        return self.rows[step_id]

    def statuses(self) -> dict[str, str]:
        return {step_id: row.status for step_id, row in self.rows.items()}
