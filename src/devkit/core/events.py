"""The events a plan emits while it runs; views render them, the engine never prints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class PlanStarted:
    title: str
    steps: list[tuple[str, str]]  # (id, title)
    kind: Literal["plan_started"] = "plan_started"


@dataclass(frozen=True)
class StepStarted:
    step: str
    title: str
    kind: Literal["step_started"] = "step_started"


@dataclass(frozen=True)
class Progress:
    step: str
    done: float
    total: float | None
    unit: str = ""
    kind: Literal["progress"] = "progress"


@dataclass(frozen=True)
class Log:
    step: str
    line: str
    stream: str = "out"
    kind: Literal["log"] = "log"


@dataclass(frozen=True)
class StepDone:
    step: str
    summary: str
    skipped: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    kind: Literal["step_done"] = "step_done"


@dataclass(frozen=True)
class StepFailed:
    step: str
    what: str
    hint: str = ""
    where: str | None = None
    code: int = 2
    kind: Literal["step_failed"] = "step_failed"


@dataclass(frozen=True)
class PlanFinished:
    ok: bool
    changed: int
    skipped: int
    seconds: float
    kind: Literal["plan_finished"] = "plan_finished"


Event = PlanStarted | StepStarted | Progress | Log | StepDone | StepFailed | PlanFinished
Reporter = Callable[[Event], None]


def to_json_dict(event: Event) -> dict[str, Any]:
    """A JSON-serialisable dict of an event, with its kind first."""
    data = asdict(event)
    kind = data.pop("kind")
    return {"event": kind, **data}
