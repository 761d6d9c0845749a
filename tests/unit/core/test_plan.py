"""The plan runner: events, skipping done steps, failures and cancellation."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from devkit.core.errors import NotReadyError
from devkit.core.events import Event, Log, PlanFinished, Progress, StepDone, StepFailed
from devkit.core.plan import Plan, StepContext, StepResult, run_plan


@dataclass
class FakeStep:
    id: str
    title: str = "fake"
    done: bool = False
    fail: bool = False
    ran: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        return [f"would do {self.id}"]

    def is_done(self) -> bool:
        return self.done

    def run(self, ctx: StepContext) -> StepResult:
        self.ran.append(self.id)
        ctx.log("working")
        ctx.progress(1, 2, "B")
        if self.fail:
            raise NotReadyError("engine down", "start it")
        return StepResult(f"did {self.id}")


def collect(plan: Plan, cancel: threading.Event | None = None) -> tuple[list[Event], int]:
    events: list[Event] = []
    outcome = run_plan(plan, events.append, cancel)
    return events, outcome.code


def test_done_steps_are_skipped_and_said() -> None:
    a, b = FakeStep("a", done=True), FakeStep("b")
    events, code = collect(Plan("t", [a, b]))
    assert code == 0 and a.ran == [] and b.ran == ["b"]
    done = [e for e in events if isinstance(e, StepDone)]
    assert [(d.step, d.skipped) for d in done] == [("a", True), ("b", False)]
    assert any(isinstance(e, Log) and e.line == "working" for e in events)
    assert any(isinstance(e, Progress) and e.total == 2 for e in events)
    finished = events[-1]
    assert isinstance(finished, PlanFinished) and finished.changed == 1 and finished.skipped == 1


def test_failure_stops_the_plan_with_the_errors_code() -> None:
    a, b = FakeStep("a", fail=True), FakeStep("b")
    events, code = collect(Plan("t", [a, b]))
    assert code == 3 and b.ran == []
    failed = [e for e in events if isinstance(e, StepFailed)]
    assert failed[0].what == "engine down" and failed[0].hint == "start it"


def test_cancel_before_a_step_runs_nothing() -> None:
    cancel = threading.Event()
    cancel.set()
    a = FakeStep("a")
    _, code = collect(Plan("t", [a]), cancel)
    assert code == 130 and a.ran == []


def test_keep_going_reports_every_failure() -> None:
    a, b = FakeStep("a", fail=True), FakeStep("b", fail=True)
    events: list[Event] = []
    outcome = run_plan(Plan("t", [a, b]), events.append, stop_on_failure=False)
    assert outcome.code == 3
    assert [e.step for e in events if isinstance(e, StepFailed)] == ["a", "b"]


def test_stream_turns_each_output_line_into_a_log_event(tmp_path: Path) -> None:
    events: list[Event] = []
    ctx = StepContext("s", events.append)
    code = ctx.stream(["sh", "-c", "echo one; echo two >&2; exit 3"], tmp_path)
    assert code == 3
    assert [e.line for e in events if isinstance(e, Log)] == ["one", "two"]


def test_events_are_immutable_records_whose_json_keeps_field_order() -> None:
    import pytest

    from devkit.core.events import PlanStarted, StepDone, StepFailed, to_json_dict

    done = StepDone("data", "ok", data={"n": [1, (2, 3)]})
    assert list(to_json_dict(done)) == ["event", "step", "summary", "skipped", "data"]
    assert list(to_json_dict(PlanStarted("t", []))) == ["event", "title", "steps"]
    assert list(to_json_dict(StepFailed("s", "what"))) == [
        "event", "step", "what", "hint", "where", "code",
    ]  # fmt: skip
    assert done == StepDone("data", "ok", data={"n": [1, (2, 3)]}) != StepDone("data", "no")
    with pytest.raises(AttributeError):
        done.summary = "changed"  # type: ignore[misc]
    assert repr(done).startswith("StepDone(step='data', summary='ok'")
