from __future__ import annotations

from pathlib import Path

import pytest

from devkit.tui.formatting import RateMeter, display_path, format_eta, format_rate


def test_rate_and_eta_from_samples() -> None:
    meter = RateMeter(window_s=5.0)
    assert meter.rate() is None and meter.eta(100) is None
    meter.add(0.0, 0)
    meter.add(1.0, 10)
    meter.add(2.0, 20)
    assert meter.rate() == pytest.approx(10.0)
    assert meter.eta(100) == pytest.approx(8.0)
    assert meter.eta(None) is None


def test_rate_uses_only_the_recent_window() -> None:
    meter = RateMeter(window_s=2.0)
    for t, done in [(0, 0), (1, 100), (2, 200), (10, 210), (11, 220)]:
        meter.add(float(t), float(done))
    assert meter.rate() == pytest.approx(10.0)  # the early burst fell out of the window


def test_a_restarted_counter_forgets_the_old_rate() -> None:
    meter = RateMeter()
    meter.add(0.0, 0)
    meter.add(1.0, 50)
    meter.add(2.0, 5)  # a retry started over
    assert meter.rate() is None


def test_formats() -> None:
    assert format_rate(None, "B") == ""
    assert format_rate(2048.0, "B") == "2.0 KiB/s"
    assert format_rate(3.0, "files") == "3.0 files/s"
    assert format_eta(None) == ""
    assert format_eta(9.6) == "ETA 10s"
    assert format_eta(125) == "ETA 2m05s"
    assert format_eta(3 * 3600 + 60) == "ETA 3h01m"


def test_display_path_uses_tilde_under_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert display_path(tmp_path / "repo") == "~/repo"
    assert display_path(tmp_path) == "~"
    assert display_path(Path("/elsewhere/repo")) == "/elsewhere/repo"
