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


async def settled(pilot: object, app: object) -> None:
    """Wait until the current screen's header and footer are composed.

    Leaving ``run_test`` while a just-pushed screen is still mounting its Header makes
    Textual's own mount callback fail; tests that end right after a screen change call this.
    """
    from textual.widgets._footer import FooterKey
    from textual.widgets._header import HeaderTitle

    def composed() -> bool:
        screen = app.screen  # type: ignore[attr-defined]
        return bool(screen.query(HeaderTitle)) and bool(screen.query(FooterKey))

    await wait_for(pilot, composed)
    await pilot.pause(0.05)  # type: ignore[attr-defined]
