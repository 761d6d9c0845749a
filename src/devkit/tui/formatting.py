"""Rates, ETAs and amounts for progress displays — plain logic, no Textual."""

from __future__ import annotations

from collections import deque
from pathlib import Path

from devkit.core.units import format_amount

__all__ = ["RateMeter", "display_path", "format_amount", "format_eta", "format_rate"]


class RateMeter:
    """The recent rate of a progress counter, from (time, done) samples over a short window."""

    def __init__(self, window_s: float = 5.0) -> None:
        self.window_s = window_s
        self._samples: deque[tuple[float, float]] = deque()

    def add(self, now: float, done: float) -> None:
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()  # the counter restarted (a retry): forget the old rate
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > self.window_s:
            self._samples.popleft()

    def rate(self) -> float | None:
        """Units per second over the window, or None until two samples are apart in time."""
        if len(self._samples) < 2:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        if t1 <= t0:
            return None
        return (d1 - d0) / (t1 - t0)

    def eta(self, total: float | None) -> float | None:
        """Seconds left at the current rate, or None when it cannot be known."""
        rate = self.rate()
        if total is None or rate is None or rate <= 0 or not self._samples:
            return None
        return max(0.0, (total - self._samples[-1][1]) / rate)


def display_path(path: Path) -> str:
    """A path as a person would type it: ``~/...`` under the home folder."""
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home)) if path != home else "~"
    except ValueError:
        return str(path)


def format_rate(rate: float | None, unit: str) -> str:
    if rate is None:
        return ""
    if unit == "B":
        return f"{format_amount(rate, 'B')}/s"
    return f"{rate:.1f} {unit}/s".replace("  ", " ") if unit else f"{rate:.1f}/s"


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = round(seconds)
    if whole >= 3600:
        return f"ETA {whole // 3600}h{whole % 3600 // 60:02d}m"
    if whole >= 60:
        return f"ETA {whole // 60}m{whole % 60:02d}s"
    return f"ETA {whole}s"
