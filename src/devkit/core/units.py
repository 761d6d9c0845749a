"""Amounts as people read them (``1.5 MiB``): shared by every view and report."""

from __future__ import annotations


def format_amount(value: float, unit: str) -> str:
    if unit == "B":
        for name in ("B", "KiB", "MiB", "GiB", "TiB"):
            if abs(value) < 1024 or name == "TiB":
                return f"{value:.0f} {name}" if name == "B" else f"{value:.1f} {name}"
            value /= 1024
    return f"{value:g} {unit}".strip()
