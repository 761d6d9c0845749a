"""Helpers for driving Textual apps with a Pilot."""

from __future__ import annotations

from collections.abc import Callable


async def wait_for(pilot: object, predicate: Callable[[], object], timeout: float = 15.0) -> None:
    """Pause the pilot until ``predicate()`` is true; fail with a clear message on timeout."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate.__doc__ or predicate}")
        await pilot.pause(0.05)  # type: ignore[attr-defined]
