"""Messages that carry work results from thread workers back to the screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from devkit.core.events import Event
    from devkit.core.plan import PlanOutcome


class EngineEvent(Message):
    """One engine event from a running plan; ``run`` tells stale runs apart after a retry."""

    def __init__(self, event: Event, run: int) -> None:
        super().__init__()
        self.event = event
        self.run = run


class PlanEnded(Message):
    """A plan run in a worker returned (``outcome``) or crashed (``crash`` says how)."""

    def __init__(self, outcome: PlanOutcome | None, run: int, crash: str = "") -> None:
        super().__init__()
        self.outcome = outcome
        self.run = run
        self.crash = crash


class Answer(Message):
    """The answer to a question a screen asked a worker (``key`` says which question)."""

    def __init__(self, key: str, value: Any, error: str = "") -> None:
        super().__init__()
        self.key = key
        self.value = value
        self.error = error
