"""Running plans and questions off the UI thread; results come back only as Messages."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from textual.message_pump import MessagePump

from devkit.core.errors import DevkitError
from devkit.core.plan import Plan, run_plan
from devkit.tui.messages import Answer, EngineEvent, PlanEnded


def run_plan_posting(
    target: MessagePump,
    plan: Plan,
    cancel: threading.Event,
    run: int,
    stop_on_failure: bool = True,
) -> None:
    """Run ``plan`` here (a worker thread), posting each event to ``target``; never raises."""

    def report(event: Any) -> None:
        target.post_message(EngineEvent(event, run))

    try:
        outcome = run_plan(plan, report, cancel, stop_on_failure)
    except DevkitError as exc:
        target.post_message(PlanEnded(None, run, crash=f"{exc} — {exc.hint}"))
        return
    except Exception as exc:  # a bug in a step: show it instead of killing the app
        first = traceback.format_exception_only(exc)[-1].strip()
        target.post_message(PlanEnded(None, run, crash=first))
        return
    target.post_message(PlanEnded(outcome, run))


def answer_posting(target: MessagePump, key: str, question: Callable[[], Any]) -> None:
    """Compute ``question()`` here (a worker thread) and post the Answer to ``target``."""
    try:
        value = question()
    except DevkitError as exc:
        tail = f" — {exc.hint}" if exc.hint else ""
        target.post_message(Answer(key, None, f"{exc}{tail}"))
        return
    except Exception as exc:
        target.post_message(Answer(key, None, traceback.format_exception_only(exc)[-1].strip()))
        return
    target.post_message(Answer(key, value))
