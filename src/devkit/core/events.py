"""The events a plan emits while it runs; views render them, the engine never prints.

Events are small immutable records. They are written as plain slotted classes, not dataclasses:
``dataclasses`` imports ``inspect`` and builds each class by compiling code, a cost every command
paid at start-up, and the quickest commands (a no-op sync answered from its record) render events
and nothing else.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any, Literal


class _Record:
    """Fields in ``__slots__``, set once in ``__init__``; equal when type and fields are."""

    __slots__: tuple[str, ...] = ()

    def _set(self, **fields: object) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (cannot delete {name!r})")

    def fields(self) -> dict[str, Any]:
        """The fields in declaration order (the event's ``kind`` last)."""
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash((type(self), *self.fields().values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.fields().items())
        return f"{type(self).__name__}({shown})"


class PlanStarted(_Record):
    __slots__ = ("title", "steps", "kind")  # noqa: RUF023 - field order: the JSON's key order
    title: str
    steps: list[tuple[str, str]]  # (id, title)
    kind: Literal["plan_started"]

    def __init__(self, title: str, steps: list[tuple[str, str]]) -> None:
        self._set(title=title, steps=steps, kind="plan_started")


class StepStarted(_Record):
    __slots__ = ("step", "title", "kind")  # noqa: RUF023 - field order: the JSON's key order
    step: str
    title: str
    kind: Literal["step_started"]

    def __init__(self, step: str, title: str) -> None:
        self._set(step=step, title=title, kind="step_started")


class Progress(_Record):
    __slots__ = ("step", "done", "total", "unit", "kind")  # noqa: RUF023 - field order: the JSON's key order
    step: str
    done: float
    total: float | None
    unit: str
    kind: Literal["progress"]

    def __init__(self, step: str, done: float, total: float | None, unit: str = "") -> None:
        self._set(step=step, done=done, total=total, unit=unit, kind="progress")


class Log(_Record):
    __slots__ = ("step", "line", "stream", "kind")  # noqa: RUF023 - field order: the JSON's key order
    step: str
    line: str
    stream: str
    kind: Literal["log"]

    def __init__(self, step: str, line: str, stream: str = "out") -> None:
        self._set(step=step, line=line, stream=stream, kind="log")


class StepDone(_Record):
    __slots__ = ("step", "summary", "skipped", "data", "kind")  # noqa: RUF023 - field order: the JSON's key order
    step: str
    summary: str
    skipped: bool
    data: dict[str, Any]
    kind: Literal["step_done"]

    def __init__(
        self, step: str, summary: str, skipped: bool = False, data: dict[str, Any] | None = None
    ) -> None:
        self._set(
            step=step,
            summary=summary,
            skipped=skipped,
            data={} if data is None else data,
            kind="step_done",
        )


class StepFailed(_Record):
    __slots__ = ("step", "what", "hint", "where", "code", "kind")  # noqa: RUF023 - field order: the JSON's key order
    step: str
    what: str
    hint: str
    where: str | None
    code: int
    kind: Literal["step_failed"]

    def __init__(
        self, step: str, what: str, hint: str = "", where: str | None = None, code: int = 2
    ) -> None:
        self._set(step=step, what=what, hint=hint, where=where, code=code, kind="step_failed")


class PlanFinished(_Record):
    __slots__ = ("ok", "changed", "skipped", "seconds", "kind")  # noqa: RUF023 - field order: the JSON's key order
    ok: bool
    changed: int
    skipped: int
    seconds: float
    kind: Literal["plan_finished"]

    def __init__(self, ok: bool, changed: int, skipped: int, seconds: float) -> None:
        self._set(ok=ok, changed=changed, skipped=skipped, seconds=seconds, kind="plan_finished")


Event = PlanStarted | StepStarted | Progress | Log | StepDone | StepFailed | PlanFinished
if TYPE_CHECKING:
    from collections.abc import Callable

    Reporter = Callable[[Event], None]
else:  # a name only: annotations are not evaluated, and collections.abc costs start-up time
    Reporter = object


def _plain(value: Any) -> Any:
    """A copy of a field's value made of dicts, lists and scalars (as ``dataclasses.asdict``)."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    return value


def to_json_dict(event: Event) -> dict[str, Any]:
    """A JSON-serialisable dict of an event, with its kind first."""
    data = {name: _plain(value) for name, value in event.fields().items()}
    kind = data.pop("kind")
    return {"event": kind, **data}
