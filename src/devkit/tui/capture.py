"""Screen captures as text or SVG — for snapshot tests and the README's screenshots."""

from __future__ import annotations

import io

from rich.console import Console
from textual.app import App


def screen_text(app: App[object]) -> str:
    """The current screen as plain text, one line per terminal row, trailing spaces trimmed."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True))
    text = console.export_text(styles=False)
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip() + "\n"


def screen_svg(app: App[object], title: str | None = None) -> str:
    return app.export_screenshot(title=title)
